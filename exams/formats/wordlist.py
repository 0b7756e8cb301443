"""Word and text question lists, the way exam offices keep their banks.

A bank is a sequence of lines (a ``.txt`` file's lines, a ``.docx`` file's paragraphs and the
paragraphs of its table cells)::

    一、单项选择题（每题2分）
    1. 行政机关应当自受理行政许可申请之日起几日内作出决定？
    A. 十日  B. 二十日  C. 三十日  D. 四十五日
    答案：B
    解析：《行政许可法》第四十二条……
    难度：3
    法条：行政许可法第四十二条

Section headings set the type of the questions below them; without one the type follows from
the answer (one letter: single choice, several: multiple choice, no options and 对/错:
true/false). Word's automatic numbering is read from the document's numbering definitions, so
an auto-numbered list reads as if the numbers had been typed. Pictures in a docx question are
kept: the question then is HTML with ``<img src="@@PLUGINFILE@@/name">`` where the picture was.

A numbered line starts the next question, except inside a stem, an explanation or a written
answer, whose own numbered points ("1. 首先……") stay in it: a number not above the current
question's is such a point, and inside an explanation or a written answer a higher one is too
unless options or an answer line follow before the next line that could itself be a question.
A line break inside a docx paragraph ends a line, as in a text file.

Everything found wrong is reported in one pass, each error against its question ("第 12 题").
``questions_docx`` and ``questions_text`` write the same form back, so that an exported bank
imports again with every field.
"""

from __future__ import annotations

import html
import io
import posixpath
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from ..soundness import ERR_SINGLE_CORRECT, structure_problems
from .base import (
    FILE_POSITION,
    MARKED,
    ExportQuestion,
    FormatError,
    ParsedImage,
    ParsedOption,
    ParsedQuestion,
    ParseResult,
    RubricCriterion,
    SkippedQuestion,
)
from .html import html_to_text, looks_like_html
from .text import FULLWIDTH, answer_letters, kind_from_label, true_false_answer

# Lines are matched in a folded copy: full-width letters, digits and the punctuation of
# question lines in ASCII, one character for one (so positions in the copy are positions
# in the line).
_FOLD = {**FULLWIDTH, **str.maketrans("．：（）【】［］", ".:()[][]")}
INTERNAL_KINDS = frozenset({"single", "multiple", "true_false", "case_analysis", "short_answer"})

POSITION = _("第 %(number)s 题")
POSITION_IN_SECTION = _(
    "%(section)s第 %(number)s 题"
)  # when a later section restarts the numbering
LINE_POSITION = _("第 %(n)s 行")
PARAGRAPH_POSITION = _("第 %(n)s 段")

ERR_NOT_DOCX = _("无法读取该 Word 文件：文件已损坏，或不是 .docx 格式。")
ERR_OLD_DOC = _("不支持旧版 Word（.doc）文件：请在 Word 中另存为 .docx 后再上传。")
ERR_DOCX_TOO_LARGE = _("Word 文件解压后过大：不能超过 %(limit)s MB。")
ERR_DOCX_RATIO = _("Word 文件结构异常：压缩比超过 %(limit)s 倍。")
ERR_DOCX_PARTS = _("Word 文件结构异常：包含的部件超过 %(limit)s 个。")
ERR_NO_QUESTIONS = _(
    "文件中没有找到试题：每道题应以题号开头（如“1.”“1、”“（1）”“第1题”），并有“答案：”行。"
)
ERR_OPTION_WITHOUT_QUESTION = _("选项前面没有题目（题目应以题号开头，如“1.”）。")
ERR_KEY_WITHOUT_QUESTION = _("“%(key)s”行前面没有题目（题目应以题号开头，如“1.”）。")
ERR_OPTION_ORDER = _(
    "选项字母应为 %(expected)s，实际为 %(actual)s（选项须按 A、B、C……的顺序排列）。"
)
ERR_OPTION_AFTER_ANSWER = _("选项 %(letter)s 出现在答案之后：选项应写在“答案：”行之前。")
ERR_UNRECOGNISED = _("无法识别的内容“%(text)s”：应为题号、选项，或“答案：”“解析：”等行。")
ERR_DUPLICATE_KEY = _("“%(key)s”写了不止一次。")
ERR_NO_ANSWER = _("缺少答案：请写“答案：B”之类的一行，或把答案写在题干末尾的括号里。")
ERR_ANSWER_NOT_LETTERS = _("答案“%(answer)s”不是选项字母（如“B”或“ABD”）。")
ERR_ANSWER_NOT_AN_OPTION = _(
    "答案“%(answer)s”中的 %(letter)s 不是本题的选项（本题选项为 A 到 %(last)s）。"
)
ERR_ANSWER_WITHOUT_OPTIONS = _("答案为“%(answer)s”，但本题没有选项。")
ERR_TRUE_FALSE_ANSWER = _("判断题的答案“%(answer)s”无法识别：请写 √ 或 ×（对/错、正确/错误）。")
ERR_TRUE_FALSE_OPTIONS = _("判断题不应有选项 A、B……（答案写 √ 或 ×）。")
ERR_KIND_UNKNOWN = _(
    "无法判断题型：本题没有选项，答案“%(answer)s”也不是对错。简答题、案例分析题请放在“简答题”“案例分析题”标题下，或在题干前标注“【简答题】”。"
)
ERR_MARKED_OPTIONS = _("%(kind)s不应有选项 A、B……")
ERR_NO_RUBRIC = _("缺少评分标准：在“评分标准：”下每行写一个要点和分值，如“要点……（4分）”。")
ERR_RUBRIC_LINE = _("评分标准“%(text)s”缺少分值：每个要点以分值结尾，如“（4分）”。")
ERR_DIFFICULTY = _("难度“%(value)s”无效：须为 1 到 5 的整数。")
ERR_SINGLE_ANSWER = _("单选题只能有一个答案，实际为“%(answer)s”。")
NOT_KEPT_SECTION_NOTE = _("未保留：大题说明“%(note)s”")
NOT_KEPT_PICTURE = _("未保留：“%(field)s”中的图片")
NOT_KEPT_LINKED_PICTURE = _("未保留：链接到文件外部的图片")
SKIPPED_KIND = _("不支持的题型“%(label)s”。")
PICTURE_IN_TEXT = "〔图片：{name}〕"

KIND_NAMES = {
    "single": "单项选择题",
    "multiple": "多项选择题",
    "true_false": "判断题",
    "case_analysis": "案例分析题",
    "short_answer": "简答题",
}
INDEFINITE_NAME = "不定项选择题"
# The marked kinds in messages (KIND_NAMES are the headings a Word file is written with).
MARKED_KIND_NAMES = {"case_analysis": _("案例分析题"), "short_answer": _("简答题")}

_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_CN = "零〇一二两三四五六七八九十百"

# Question numbers: "1." "1、" "1．" "（1）" "(1)" "第1题" (digits already folded to ASCII).
_NUMBER = re.compile(
    rf"^\s*(?:第\s*(?P<word>\d+|[{_CN}]+)\s*题\s*[.、:]?|\(\s*(?P<paren>\d+)\s*\)"
    r"|(?P<plain>\d+)\s*[.、](?!\d))\s*"
)
# Section headings: "一、单项选择题（每题2分）", "第二部分 多选题", or a bare "判断题".
_HEADING_PREFIX = re.compile(rf"^\s*(?:第[{_CN}]+(?:部分|大题|章)|[{_CN}]+)\s*[、.:\s]\s*")
_HEADING_BODY = re.compile(r"^(?P<label>[^(:\s]{1,12}?)\s*:?\s*(?P<note>\(.*)?\s*:?$")
_INLINE_KIND = re.compile(r"^\s*\[\s*(?P<label>[^\]]{1,10})\s*\]\s*")
_PAREN_KIND = re.compile(r"^\s*\(\s*(?P<label>[^)]{1,10})\s*\)\s*")
# Options: "A." "A、" "A．" "A:" "A：" "A)" "(A)" "（A）" (full-width letters folded).
_OPTION = re.compile(r"^\s*\(?\s*(?P<letter>[A-Z])\s*(?:\)\s*[.、:]?|[.、:])\s*")
_KEYS: list[tuple[str, re.Pattern]] = [
    (key, re.compile(rf"^\s*(?:\[\s*(?:{words})\s*\]|(?:{words})\s*:)\s*"))
    for key, words in (
        ("answer", "(?:正确|参考|标准)?答案"),
        ("explanation", "(?:答案|试题|题目)?解析"),
        ("difficulty", "难度"),
        ("citation", "法律依据|法条依据|法条|依据"),
        ("topic", "知识点|分类"),
        ("name", "题目名称|名称"),
        ("rubric", "评分标准|评分要点"),
    )
]
KEY_LABELS = {
    "answer": "答案",
    "explanation": "解析",
    "difficulty": "难度",
    "citation": "法条",
    "topic": "知识点",
    "name": "名称",
    "rubric": "评分标准",
}
# An answer in brackets in the stem: "……（ B ）", "宪法是国家的根本法。（√）".
_BRACKET = re.compile(r"\(([^()]{1,12})\)")
_POINTS = re.compile(r"\(\s*(\d+(?:\.\d+)?)\s*分\s*\)\s*[。；;，,]?\s*")
_RUBRIC_ENUMERATOR = re.compile(r"^\s*(?:\d+\s*[.、．]|[(（]\s*\d+\s*[)）]|[①-⑳])\s*")
_TRAILING = "。.；;，, \t"
_PICTURE = "\ufffc"  # U+FFFC OBJECT REPLACEMENT CHARACTER: where a picture stands (export)
# Where a picture stands in a line read from a docx: one private-use character per picture
# of the document, so that each field's pictures are found by the character itself.
_FIRST_MARKER = 0xF0000
_MARKERS = re.compile("[\U000f0000-\U000ffffd\ufffc]")
_MAX_PICTURES = 0xFFFD - 0x0000
_SAFE_NAME = re.compile(r"[^\w.-]")
_IMG_TAG = re.compile(r'<img\b[^>]*?src="@@PLUGINFILE@@/([^"]+)"[^>]*>', re.IGNORECASE)

CONTINUED = frozenset({"stem", "option", "explanation", "model_answer", "citation", "rubric"})
TAIL_CONTINUED = frozenset({"explanation", "model_answer", "citation", "rubric"})
# Written text that may hold numbered points of its own ("1. 首先……").
PROSE = frozenset({"explanation", "model_answer"})


# --- Reading lines -------------------------------------------------------------------------


@dataclass
class Line:
    text: str  # each picture stands as its own marker character (see _MARKERS)
    where: str  # "第 12 行" / "第 12 段"
    pictures: list[ParsedImage] = field(default_factory=list)
    linked_picture: bool = False


def text_lines(text: str) -> list[Line]:
    """The lines of a text file (already decoded)."""
    return [
        Line(_MARKERS.sub("", raw), LINE_POSITION % {"n": n})
        for n, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1)
    ]


def docx_lines(data: bytes) -> list[Line]:
    """The paragraphs of a docx (body and table cells, in order) as lines, with Word's
    automatic numbers written out and pictures kept. Raises ``ValueError`` with a message
    for the user when the file cannot be read."""
    _check_docx_zip(data)
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # zip, XML and package errors of broken or foreign files
        raise ValueError(ERR_NOT_DOCX) from exc
    lines = []
    for paragraph in _DocxReader(document).lines():
        # A line break inside a paragraph (Shift+Enter, or text pasted from a web page) ends
        # a line as the end of a paragraph does.
        if "\n" not in paragraph.text:
            lines.append(paragraph)
            continue
        pictures = iter(paragraph.pictures)
        for n, text in enumerate(paragraph.text.split("\n")):
            line = Line(text, paragraph.where, linked_picture=paragraph.linked_picture and not n)
            line.pictures = [next(pictures) for _ in _MARKERS.findall(text)]
            lines.append(line)
    return lines


def _check_docx_zip(data: bytes) -> None:
    """The zip's directory within the upload limits before anything is decompressed."""
    from cms.spreadsheets import ZIP_MAX_PARTS, ZIP_RATIO_MIN_BYTES

    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # OLE2: Word 97–2003
        raise ValueError(ERR_OLD_DOC)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            names = {m.filename for m in members}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise ValueError(ERR_NOT_DOCX) from exc
    if "word/document.xml" not in names:
        raise ValueError(ERR_NOT_DOCX)
    if len(members) > ZIP_MAX_PARTS:
        raise ValueError(ERR_DOCX_PARTS % {"limit": ZIP_MAX_PARTS})
    limit = settings.UPLOAD_MAX_UNCOMPRESSED_BYTES
    ratio_limit = settings.UPLOAD_MAX_COMPRESSION_RATIO
    total = 0
    for member in members:
        total += member.file_size
        if total > limit:
            raise ValueError(ERR_DOCX_TOO_LARGE % {"limit": f"{limit / 1024 / 1024:g}"})
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > ZIP_RATIO_MIN_BYTES and ratio > ratio_limit:
            raise ValueError(ERR_DOCX_RATIO % {"limit": ratio_limit})


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_V = "{urn:schemas-microsoft-com:vml}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
# Paragraph content whose text is not the paragraph's (deleted revisions, field codes, the
# fallback copy of a drawing, text boxes) is not read.
_SKIP = frozenset(
    {
        f"{_W}pPr",
        f"{_W}rPr",
        f"{_W}del",
        f"{_W}delText",
        f"{_W}instrText",
        f"{_W}moveFrom",
        f"{_W}txbxContent",
        f"{_MC}Fallback",
    }
)


@dataclass
class _Level:
    fmt: str
    text: str
    start: int


class _DocxReader:
    def __init__(self, document) -> None:
        self.document = document
        self.part = document.part
        self.levels: dict[str, dict[int, _Level]] = {}  # abstractNumId -> levels
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}  # numId -> (abstract, starts)
        self.counters: dict[str, dict[int, int]] = {}
        self.style_numbering: dict[str, tuple[str, int]] = {}
        self.paragraph = 0
        self.picture_count = 0
        self._read_numbering()
        self._read_styles()

    def _read_numbering(self) -> None:
        try:
            from docx.opc.constants import RELATIONSHIP_TYPE as RT

            numbering = self.part.part_related_by(RT.NUMBERING).element
        except (KeyError, NotImplementedError):
            return
        for abstract in numbering.iterchildren(f"{_W}abstractNum"):
            levels = {}
            for lvl in abstract.iterchildren(f"{_W}lvl"):
                levels[int(lvl.get(f"{_W}ilvl", "0"))] = _Level(
                    _val(lvl, "numFmt") or "decimal",
                    _val(lvl, "lvlText") or "",
                    int(_val(lvl, "start") or 1),
                )
            self.levels[abstract.get(f"{_W}abstractNumId")] = levels
        for num in numbering.iterchildren(f"{_W}num"):
            starts = {}
            for override in num.iterchildren(f"{_W}lvlOverride"):
                start = _val(override, "startOverride")
                if start is not None:
                    starts[int(override.get(f"{_W}ilvl", "0"))] = int(start)
            self.nums[num.get(f"{_W}numId")] = (_val(num, "abstractNumId") or "", starts)

    def _read_styles(self) -> None:
        try:
            styles = self.document.styles.element
        except Exception:  # a document without a styles part
            return
        found: dict[str, tuple[str | None, str | None, str | None]] = {}
        for style in styles.iterchildren(f"{_W}style"):
            num_pr = style.find(f"{_W}pPr/{_W}numPr")
            num_id = ilvl = None
            if num_pr is not None:
                num_id = _val(num_pr, "numId")
                ilvl = _val(num_pr, "ilvl")
            found[style.get(f"{_W}styleId")] = (num_id, ilvl, _val(style, "basedOn"))
        for style_id in found:
            seen, current = set(), style_id
            while current in found and current not in seen:
                seen.add(current)
                num_id, ilvl, based_on = found[current]
                if num_id is not None:
                    self.style_numbering[style_id] = (num_id, int(ilvl or 0))
                    break
                current = based_on

    def lines(self) -> Iterator[Line]:
        yield from self._blocks(self.document.element.body)

    def _blocks(self, container) -> Iterator[Line]:
        for child in container.iterchildren():
            if child.tag == f"{_W}p":
                yield self._line(child)
            elif child.tag == f"{_W}tbl":
                for row in child.iterchildren(f"{_W}tr"):
                    for cell in row.iterchildren(f"{_W}tc"):
                        yield from self._blocks(cell)
            elif child.tag in (f"{_W}sdt", f"{_W}customXml"):
                content = child.find(f"{_W}sdtContent")
                yield from self._blocks(content if content is not None else child)

    def _line(self, p) -> Line:
        self.paragraph += 1
        line = Line("", PARAGRAPH_POSITION % {"n": self.paragraph})
        parts: list[str] = []
        self._walk(p, parts, line)
        line.text = "".join(parts)
        prefix = self._number_prefix(p, line.text)
        if prefix:
            line.text = prefix + line.text
        return line

    def _walk(self, element, parts: list[str], line: Line) -> None:
        for child in element.iterchildren():
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIP:
                continue
            if tag == f"{_W}t":
                parts.append(child.text or "")
            elif tag == f"{_W}tab":
                parts.append("\t")
            elif tag in (f"{_W}br", f"{_W}cr"):
                parts.append("\n")
            elif tag == f"{_A}blip" or tag == f"{_V}imagedata":
                self._picture(child, parts, line)
            else:
                self._walk(child, parts, line)

    def _picture(self, element, parts: list[str], line: Line) -> None:
        rid = element.get(f"{_R}embed") or element.get(f"{_R}id")
        if not rid:
            line.linked_picture = line.linked_picture or element.get(f"{_R}link") is not None
            return
        image = self.part.related_parts.get(rid)
        if image is None or not getattr(image, "content_type", "").startswith("image/"):
            return  # a relationship to something that is not a picture
        name = _SAFE_NAME.sub("_", posixpath.basename(str(image.partname))) or "image"
        alt = ""
        for ancestor in element.iterancestors(f"{_WP}inline", f"{_WP}anchor"):
            doc_pr = ancestor.find(f"{_WP}docPr")
            if doc_pr is not None:
                alt = doc_pr.get("descr", "")
            break
        if self.picture_count >= _MAX_PICTURES:
            return
        line.pictures.append(ParsedImage(name=name, data=image.blob, alt=alt))
        parts.append(chr(_FIRST_MARKER + self.picture_count))
        self.picture_count += 1

    def _number_prefix(self, p, text: str) -> str:
        """Word's automatic number of the paragraph as it would print ("3." "B." "一、"), or ""
        when it has none or its own text is already an option or a key line."""
        num_pr = p.find(f"{_W}pPr/{_W}numPr")
        num_id: str | None = None
        ilvl = 0
        if num_pr is not None:
            num_id = _val(num_pr, "numId")
            ilvl = int(_val(num_pr, "ilvl") or 0)
        else:
            style = p.find(f"{_W}pPr/{_W}pStyle")
            if style is not None and style.get(f"{_W}val") in self.style_numbering:
                num_id, ilvl = self.style_numbering[style.get(f"{_W}val")]
        if not num_id or num_id == "0":
            return ""
        abstract, starts = self.nums.get(num_id, ("", {}))
        levels = self.levels.get(abstract, {})
        key = num_id if starts else f"a{abstract}"
        counters = self.counters.setdefault(key, {})
        level = levels.get(ilvl, _Level("decimal", f"%{ilvl + 1}.", 1))
        start = starts.get(ilvl, level.start)
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        folded = text.translate(_FOLD)
        if _OPTION.match(folded) or _key(folded) or _NUMBER.match(folded):
            return ""
        letters = level.fmt in ("upperLetter", "lowerLetter")
        if level.fmt in ("bullet", "none") or (ilvl > 0 and not letters):
            return ""
        if letters:
            return f"{chr(ord('A') + (counters[ilvl] - 1) % 26)}."

        def number(match: re.Match) -> str:
            k = int(match.group(1)) - 1
            value = counters.get(k, levels.get(k, level).start)
            return _format_number(levels.get(k, level).fmt, value)

        rendered = re.sub(r"%([1-9])", number, level.text or "%1.")
        return rendered if rendered.strip() else ""


def _val(element, name: str) -> str | None:
    child = element.find(f"{_W}{name}")
    return None if child is None else child.get(f"{_W}val")


def _format_number(fmt: str, value: int) -> str:
    if fmt in ("upperLetter", "lowerLetter"):
        return chr(ord("A") + (value - 1) % 26)
    if fmt.startswith(("chinese", "ideograph", "japanese", "taiwanese")):
        return _chinese_number(value)
    return str(value)


def _chinese_number(value: int) -> str:
    digits = "零一二三四五六七八九"
    if value < 10:
        return digits[value]
    if value < 100:
        tens, ones = divmod(value, 10)
        return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")
    return str(value)


def _from_chinese(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    if "百" in word:
        return None
    if "十" in word:
        tens, _sep, ones = word.partition("十")
        value = (_CN_DIGITS.get(tens, 0) if tens else 1) * 10
        return value + (_CN_DIGITS.get(ones, 0) if ones else 0)
    if len(word) == 1 and word in _CN_DIGITS:
        return _CN_DIGITS[word]
    return None


# --- Classifying lines ---------------------------------------------------------------------


def _key(folded: str) -> tuple[str, int] | None:
    for key, pattern in _KEYS:
        match = pattern.match(folded)
        if match:
            return key, match.end()
    return None


@dataclass
class _Heading:
    kind: tuple[str, bool] | None  # None: a type the platform does not have
    label: str
    note: str
    text: str


def _heading(text: str) -> _Heading | None:
    """A section heading, read from the line as written (the note keeps its brackets' form)."""
    text = text.strip()
    folded = text.translate(_FOLD)
    prefix = _HEADING_PREFIX.match(folded)
    start = prefix.end() if prefix else 0
    inline = _INLINE_KIND.fullmatch(folded, start)
    if inline:
        start, end = inline.start("label"), inline.end("label")
    else:
        end = len(folded)
    match = _HEADING_BODY.match(folded[start:end].strip())
    if not match:
        return None
    offset = start + (len(folded[start:end]) - len(folded[start:end].lstrip()))
    label = match.group("label")
    note = ""
    if match.group("note"):
        note = text[offset + match.start("note") : offset + match.end("note")].strip()
        if note[:1] in "(（" and note[-1:] in ")）":
            note = note[1:-1].strip()
    if label in INTERNAL_KINDS:
        return None  # the internal names are no heading in a Chinese file
    kind = kind_from_label(label)
    if kind is not None:
        return _Heading(kind, label, note, text)
    # A type the platform does not have ("四、填空题"); "一、关于是否违法的问题" is text.
    if prefix and label.endswith("题") and 2 <= len(label) <= 6 and not label.endswith("问题"):
        return _Heading(None, label, note, text)
    return None


def _number(folded: str) -> tuple[int, int] | None:
    """(number, end of the number) of a question line."""
    match = _NUMBER.match(folded)
    if not match:
        return None
    word = match.group("word") or match.group("paren") or match.group("plain")
    value = _from_chinese(word)
    if value is None:
        return None
    return value, match.end()


def _inline_kind(text: str) -> tuple[tuple[str, bool], int] | None:
    """【单选题】 / （多选题） at the start of a stem."""
    for pattern in (_INLINE_KIND, _PAREN_KIND):
        match = pattern.match(text)
        if match:
            kind = kind_from_label(match.group("label"))
            if kind and match.group("label") not in INTERNAL_KINDS:
                return kind, match.end()
    return None


def _split_options(text: str, first: str) -> list[tuple[str, str]]:
    """``"三日  B.五日  C.七日"`` after the first option's letter -> [(letter, text), …]."""
    options = []
    letter = first
    rest = text
    while True:
        following = chr(ord(letter) + 1)
        match = None
        if following <= "Z":
            pattern = re.compile(rf"(?<=\s)\(?\s*{following}\s*(?:\)\s*[.、:]?|[.、:])\s*")
            match = pattern.search(rest.translate(_FOLD))
        if not match:
            options.append((letter, rest.strip()))
            return options
        options.append((letter, rest[: match.start()].strip()))
        rest = rest[match.end() :]
        letter = following


# --- Assembling questions ------------------------------------------------------------------


@dataclass
class _Draft:
    number: int | None
    position: str
    kind: tuple[str, bool] | None  # from the section heading or an inline 【单选题】
    section_note: str = ""
    stem: list[str] = field(default_factory=list)
    options: list[list[str]] = field(default_factory=list)  # [letter, text]
    answer: str | None = None
    model_answer: list[str] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)
    difficulty: str | None = None
    citations: list[str] = field(default_factory=list)
    topic: str | None = None
    name: str | None = None
    rubric: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    state: str = "stem"
    tail: bool = False  # the answer (or a later key line) has been given
    unsupported: str = ""  # the section's type label when the platform has no such type
    pictures: dict[str, ParsedImage] = field(default_factory=dict)  # marker -> picture
    errors: list[str] = field(default_factory=list)
    not_kept: list[str] = field(default_factory=list)


class _Assembler:
    def __init__(self, lines: list[Line]) -> None:
        self.lines = lines
        self.folded = [line.text.translate(_FOLD) for line in lines]
        self.result = ParseResult()
        self.draft: _Draft | None = None
        self.section: _Heading | None = None
        self.section_changed = False
        self.last_number = 0
        self.used_positions: set[str] = set()

    def run(self) -> ParseResult:
        for index, line in enumerate(self.lines):
            self._line(index, line)
        self._finish()
        if not self.result.questions and not self.result.errors and not self.result.skipped:
            self.result.errors.append(FormatError(str(FILE_POSITION), ERR_NO_QUESTIONS))
        return self.result

    # A line ---------------------------------------------------------------------------------

    def _line(self, index: int, line: Line) -> None:
        text, folded = line.text, self.folded[index]
        if not text.strip():
            return
        draft = self.draft
        if draft is not None and draft.state == "rubric" and _POINTS.search(folded):
            draft.rubric.append(text.strip())  # "1. 指出审查期限（3分）" is a criterion
            return
        heading = _heading(text) if not _MARKERS.search(text) else None
        if heading is not None:
            self._finish()
            self.section = heading
            self.section_changed = True
            return
        number = _number(folded)
        if number is not None and self._starts_question(index, number[0]):
            self._start(index, number[0], text[number[1] :])
            return
        inline = _inline_kind(folded)
        if inline is not None and number is None and not self._continuing():
            self._start(index, None, text)
            return
        option = _OPTION.match(folded)
        if option is not None:
            self._option(index, option, text)
            return
        key = _key(folded)
        if key is not None and not (
            self.draft and self.draft.state == "rubric" and _POINTS.search(folded)
        ):
            self._key(index, key[0], text[key[1] :].strip())
            return
        self._plain(index, text.strip())

    def _continuing(self) -> bool:
        return self.draft is not None and self.draft.state in CONTINUED - {"stem"}

    def _starts_question(self, index: int, number: int) -> bool:
        draft = self.draft
        if draft is None or self.section_changed or draft.number is None:
            return True
        if number <= draft.number:
            # Numbered points inside a stem or an explanation; in a closed question, a list
            # that starts its numbering again.
            return draft.state not in CONTINUED
        if draft.state in PROSE:
            return self._looks_like_question(index, draft.number)
        return True

    def _looks_like_question(self, index: int, current: int) -> bool:
        """Inside an explanation or a written answer, "2. ……" is a point of it unless options
        or an answer follow before the next line that could be a question itself."""
        number = _number(self.folded[index])
        if number and self._bracket_answer(self.folded[index][number[1] :]):
            return True
        for folded in self.folded[index + 1 :]:
            if not folded.strip():
                continue
            following = _number(folded)
            if following is not None and following[0] > current:
                return False
            if _heading(folded) is not None:
                return False  # (folded text reads as a heading exactly when the line does)
            if _OPTION.match(folded) or (_key(folded) or ("",))[0] == "answer":
                return True
        return False

    def _bracket_answer(self, text: str) -> bool:
        for match in _BRACKET.finditer(text):
            content = match.group(1).strip()
            if content and (answer_letters(content) or true_false_answer(content) is not None):
                return True
        return False

    def _start(self, index: int, number: int | None, rest: str) -> None:
        self._finish()
        line = self.lines[index]
        if number is None:
            number_value = self.last_number + 1
        else:
            number_value = number
        position = POSITION % {"number": number_value}
        if position in self.used_positions and self.section is not None:
            position = POSITION_IN_SECTION % {
                "section": self.section.text.split("（")[0].split("(")[0].strip() + " ",
                "number": number_value,
            }
        self.used_positions.add(position)
        self.last_number = number_value
        section = self.section
        kind = section.kind if section else None
        draft = _Draft(
            number=number_value,
            position=position,
            kind=kind,
            section_note=section.note if section else "",
        )
        self.draft = draft
        self.section_changed = False
        if section is not None and section.kind is None:
            draft.unsupported = section.label
        inline = _inline_kind(rest.translate(_FOLD))
        if inline is not None:
            draft.kind = inline[0]
            rest = rest[inline[1] :]
        self._take_pictures(line)
        if rest.strip():
            draft.stem.append(rest.strip())

    def _take_pictures(self, line: Line) -> None:
        draft = self.draft
        if draft is None:
            return
        if line.linked_picture and NOT_KEPT_LINKED_PICTURE not in draft.not_kept:
            draft.not_kept.append(NOT_KEPT_LINKED_PICTURE)
        markers = _MARKERS.findall(line.text)
        draft.pictures.update(zip(markers, line.pictures, strict=False))

    def _option(self, index: int, match: re.Match, text: str) -> None:
        draft = self.draft
        line = self.lines[index]
        letter = match.group("letter")
        if draft is None:
            self._orphan(line, ERR_OPTION_WITHOUT_QUESTION)
            return
        expected = chr(ord("A") + len(draft.options))
        if draft.tail:
            if draft.state in TAIL_CONTINUED:
                self._plain(index, text.strip())
            elif letter == expected:
                draft.errors.append(ERR_OPTION_AFTER_ANSWER % {"letter": letter})
            else:
                draft.errors.append(ERR_UNRECOGNISED % {"text": _excerpt(text)})
            return
        if letter != expected:
            if not draft.options:
                self._plain(index, text.strip())  # "C：……" in a dialogue of the stem
            else:
                draft.errors.append(ERR_OPTION_ORDER % {"expected": expected, "actual": letter})
                draft.options.append([letter, text[match.end() :].strip()])
                draft.state = "option"
            return
        self._take_pictures(line)
        for option_letter, option_text in _split_options(text[match.end() :], letter):
            draft.options.append([option_letter, option_text])
        draft.state = "option"

    def _key(self, index: int, key: str, value: str) -> None:
        draft = self.draft
        line = self.lines[index]
        if draft is None:
            self._orphan(line, ERR_KEY_WITHOUT_QUESTION % {"key": KEY_LABELS[key]})
            return
        if key in draft.seen and key not in ("explanation", "citation", "rubric"):
            draft.errors.append(ERR_DUPLICATE_KEY % {"key": KEY_LABELS[key]})
            return
        draft.seen.add(key)
        draft.tail = True
        if key in ("explanation", "answer"):
            self._take_pictures(line)
        elif line.pictures:
            draft.not_kept.append(NOT_KEPT_PICTURE % {"field": KEY_LABELS[key]})
            value = _MARKERS.sub("", value)
        if key == "answer":
            marked = draft.kind is not None and draft.kind[0] in MARKED
            if marked or not value:
                draft.state = "model_answer"
                if value:
                    draft.model_answer.append(value)
            else:
                draft.answer = value
                draft.state = "closed"
        elif key == "explanation":
            draft.state = "explanation"
            if value:
                draft.explanation.append(value)
        elif key == "citation":
            draft.state = "citation"
            if value:
                draft.citations.append(value)
        elif key == "rubric":
            draft.state = "rubric"
            if value:
                draft.rubric.append(value)
        else:
            setattr(draft, key, value)
            draft.state = "closed"

    def _plain(self, index: int, text: str) -> None:
        draft = self.draft
        if draft is None:
            return  # a title or instructions before the first question
        line = self.lines[index]
        state = draft.state
        if state in ("stem", "option", "explanation", "model_answer"):
            self._take_pictures(line)
        elif line.pictures:
            draft.not_kept.append(NOT_KEPT_PICTURE % {"field": KEY_LABELS.get(state, state)})
            text = _MARKERS.sub("", text).strip()
        if state == "stem":
            draft.stem.append(text)
        elif state == "option":
            draft.options[-1][1] = f"{draft.options[-1][1]}\n{text}".strip()
        elif state == "explanation":
            draft.explanation.append(text)
        elif state == "model_answer":
            draft.model_answer.append(text)
        elif state == "citation":
            draft.citations.append(text)
        elif state == "rubric":
            draft.rubric.append(text)
        else:
            draft.errors.append(ERR_UNRECOGNISED % {"text": _excerpt(text)})

    def _orphan(self, line: Line, message: str) -> None:
        self.result.errors.append(FormatError(line.where, message))

    # A question -----------------------------------------------------------------------------

    def _finish(self) -> None:
        draft, self.draft = self.draft, None
        if draft is None:
            return
        if draft.unsupported:
            self.result.skipped.append(
                SkippedQuestion(draft.position, SKIPPED_KIND % {"label": draft.unsupported})
            )
            return
        question = _question(draft)
        for message in dict.fromkeys(draft.errors):
            self.result.errors.append(FormatError(draft.position, message))
        if question is not None and not draft.errors:
            self.result.questions.append(question)


def _question(draft: _Draft) -> ParsedQuestion | None:
    errors = draft.errors
    stem = "\n".join(draft.stem).strip()
    options = [[letter, text.strip()] for letter, text in draft.options]
    answer = draft.answer
    hint = draft.kind
    bracket = _stem_answer(stem, bool(options))
    if bracket is not None:
        bracket_answer, blanked = bracket
        if answer is None and not draft.model_answer:
            answer, stem = bracket_answer, blanked
        elif answer is not None and _same_answer(answer, bracket_answer, bool(options)):
            stem = blanked
    if answer is None and draft.model_answer and (hint is None or hint[0] not in MARKED):
        answer = "\n".join(draft.model_answer).strip()
    kind: str
    single_answer_error = False
    indefinite = False
    answer_true: bool | None = None
    parsed_options: list[ParsedOption] = []
    model_answer = ""
    rubric: list[RubricCriterion] = []
    clean = answer.strip().strip(_TRAILING).strip("()（）[]【】 ") if answer else ""
    if hint is not None and hint[0] in MARKED:
        kind = hint[0]
        if options:
            errors.append(ERR_MARKED_OPTIONS % {"kind": MARKED_KIND_NAMES[kind]})
        model_answer = "\n".join(draft.model_answer).strip()
        problems_before = len(errors)
        rubric = _rubric(draft.rubric, errors)
        if not rubric and len(errors) == problems_before:  # no rubric line was refused
            errors.append(ERR_NO_RUBRIC)
    elif options:
        if hint is not None and hint[0] == "true_false":
            converted = _true_false_from_options(options, clean)
            if converted is None:
                errors.append(ERR_TRUE_FALSE_OPTIONS)
                return None
            kind, answer_true = "true_false", converted
        else:
            indexes = _letters(clean, len(options), errors) if answer else None
            if not answer:
                errors.append(ERR_NO_ANSWER)
            if indexes is None:
                return None
            if hint is not None:
                kind, indefinite = hint
                if kind == "single" and len(indexes) > 1:
                    errors.append(ERR_SINGLE_ANSWER % {"answer": clean})
                    single_answer_error = True
            else:
                kind = "single" if len(indexes) == 1 else "multiple"
            parsed_options = [
                ParsedOption(text, i in indexes, 1.0 if i in indexes else 0.0)
                for i, (_letter, text) in enumerate(options)
            ]
    else:
        if not answer:
            errors.append(ERR_NO_ANSWER)
            return None
        answer_true = true_false_answer(clean)
        if answer_true is not None and (hint is None or hint[0] == "true_false"):
            kind = "true_false"
        elif hint is not None and hint[0] == "true_false":
            errors.append(ERR_TRUE_FALSE_ANSWER % {"answer": clean})
            return None
        elif hint is not None or answer_letters(clean):
            errors.append(ERR_ANSWER_WITHOUT_OPTIONS % {"answer": clean})
            return None
        else:
            errors.append(ERR_KIND_UNKNOWN % {"answer": _excerpt(clean)})
            return None
    difficulty = None
    if draft.difficulty is not None:
        value = draft.difficulty.translate(_FOLD).strip().rstrip(_TRAILING)
        if value.isdigit() and value.isascii() and 1 <= int(value) <= 5:
            difficulty = int(value)
        else:
            errors.append(ERR_DIFFICULTY % {"value": draft.difficulty})
    problems = structure_problems(
        kind=kind,
        stem_text=_MARKERS.sub("x", stem),
        options=[(_MARKERS.sub("x", o.text), o.correct) for o in parsed_options],
        answer_true=answer_true,
        indefinite=indefinite,
    )
    if single_answer_error:  # already said, with the answer as written
        problems = [p for p in problems if p != str(ERR_SINGLE_CORRECT)]
    errors.extend(problems)
    not_kept = list(draft.not_kept)
    if draft.section_note:
        not_kept.insert(0, NOT_KEPT_SECTION_NOTE % {"note": draft.section_note})
    question = ParsedQuestion(
        position=draft.position,
        kind=kind,  # type: ignore[arg-type]
        stem=stem,
        options=parsed_options,
        answer_true=answer_true,
        explanation="\n".join(draft.explanation).strip(),
        difficulty=difficulty,
        topic=(draft.topic or "").strip(),
        citations="；".join(c.strip().strip("；;") for c in draft.citations if c.strip()),
        name=(draft.name or "").strip(),
        model_answer=model_answer,
        rubric=rubric,
        text_format="text",
        indefinite=indefinite,
        not_kept=not_kept,
    )
    if draft.pictures:
        _as_html(question, draft.pictures)
    return question


def _letters(answer: str, count: int, errors: list[str]) -> list[int] | None:
    indexes = answer_letters(answer)
    if indexes is None:
        errors.append(ERR_ANSWER_NOT_LETTERS % {"answer": answer})
        return None
    for i in indexes:
        if i >= count:
            errors.append(
                ERR_ANSWER_NOT_AN_OPTION
                % {"answer": answer, "letter": chr(ord("A") + i), "last": chr(ord("A") + count - 1)}
            )
            return None
    return indexes


def _stem_answer(stem: str, has_options: bool) -> tuple[str, str] | None:
    """The last bracket of the stem that holds only an answer, and the stem with it blanked."""
    for match in reversed(list(_BRACKET.finditer(stem.translate(_FOLD)))):
        content = match.group(1).strip()
        if not content:
            continue
        if has_options:
            if answer_letters(content) is None:
                continue
        elif true_false_answer(content) is None:
            continue
        opening, closing = stem[match.start()], stem[match.end() - 1]
        blanked = f"{stem[: match.start()]}{opening}  {closing}{stem[match.end() :]}"
        return content, blanked
    return None


def _same_answer(one: str, other: str, has_options: bool) -> bool:
    one, other = one.strip().strip(_TRAILING), other.strip()
    if has_options:
        return answer_letters(one) == answer_letters(other)
    return true_false_answer(one) == true_false_answer(other) is not None


def _true_false_from_options(options: list[list[str]], answer: str) -> bool | None:
    """判断题 written as "A. 正确  B. 错误" with "答案：A"."""
    if len(options) != 2:
        return None
    marks = [true_false_answer(text) for _letter, text in options]
    if None in marks or marks[0] == marks[1]:
        return None
    indexes = answer_letters(answer)
    if indexes is not None and len(indexes) == 1 and indexes[0] < 2:
        return marks[indexes[0]]
    return true_false_answer(answer)


def _rubric(lines: list[str], errors: list[str]) -> list[RubricCriterion]:
    criteria = []
    for line in lines:
        text = _MARKERS.sub("", line).strip()
        if not text:
            continue
        matches = list(_POINTS.finditer(text.translate(_FOLD)))
        if not matches:
            errors.append(ERR_RUBRIC_LINE % {"text": _excerpt(text)})
            continue
        start = 0
        for match in matches:
            criterion = _RUBRIC_ENUMERATOR.sub("", text[start : match.start()]).strip(" ；;，,")
            start = match.end()
            if not criterion:
                errors.append(ERR_RUBRIC_LINE % {"text": _excerpt(text)})
                continue
            points = Decimal(match.group(1)).normalize()
            criteria.append(RubricCriterion(criterion, f"{points:f}"))
        if text[start:].strip(_TRAILING):
            errors.append(ERR_RUBRIC_LINE % {"text": _excerpt(text[start:])})
    return criteria


def _as_html(question: ParsedQuestion, pictures: dict[str, ParsedImage]) -> None:
    """A question with pictures: every text field as escaped HTML, pictures as <img> tags
    where they stood, each picture listed once (under a name unique in the question)."""
    kept: dict[str, ParsedImage] = {}
    names: dict[str, str] = {}
    for marker, picture in pictures.items():
        name = picture.name
        if name in kept and kept[name].data != picture.data:
            stem, dot, ext = name.rpartition(".")
            name = f"{stem}-{len(kept)}{dot}{ext}" if dot else f"{name}-{len(kept)}"
        kept.setdefault(name, ParsedImage(name, picture.data, picture.alt))
        names[marker] = name

    def html(text: str) -> str:
        pieces = []
        for n, piece in enumerate(re.split(f"({_MARKERS.pattern})", text)):
            if n % 2 == 0:
                pieces.append(escape(piece).replace("\n", "<br>"))
            elif piece in names:
                image = kept[names[piece]]
                pieces.append(
                    f'<img src="@@PLUGINFILE@@/{escape(image.name)}" alt="{escape(image.alt)}">'
                )
        return "".join(pieces)

    question.stem = html(question.stem)
    for option in question.options:
        option.text = html(option.text)
    question.explanation = html(question.explanation)
    question.model_answer = html(question.model_answer)
    question.text_format = "html"
    question.images = list(kept.values())


def _excerpt(text: str, limit: int = 30) -> str:
    text = " ".join(_MARKERS.sub("", text).split())
    return text if len(text) <= limit else text[:limit] + "……"


# --- Entry points --------------------------------------------------------------------------


def question_starts(lines: Iterable[Line]) -> int:
    """At least the number of questions the lines hold (the upload's question-count guard)."""
    return sum(
        1
        for line in lines
        if _NUMBER.match(folded := line.text.translate(_FOLD)) or _inline_kind(folded)
    )


def parse_lines(lines: list[Line]) -> ParseResult:
    return _Assembler(lines).run()


def parse_wordlist_text(text: str) -> ParseResult:
    return parse_lines(text_lines(text))


def parse_wordlist_docx(data: bytes) -> ParseResult:
    try:
        lines = docx_lines(data)
    except ValueError as exc:
        return ParseResult(errors=[FormatError(str(FILE_POSITION), str(exc))])
    return parse_lines(lines)


# --- Export --------------------------------------------------------------------------------

SECTION_ORDER = [
    ("single", False),
    ("multiple", False),
    ("multiple", True),
    ("true_false", False),
    ("case_analysis", False),
    ("short_answer", False),
]


@dataclass
class _Field:
    """One line to write: its label (or question number) and text with pictures."""

    prefix: str
    text: str
    pictures: list[ParsedImage] = field(default_factory=list)


def _plain_parts(value: str, images: dict[str, ParsedImage]) -> tuple[str, list[ParsedImage]]:
    """A stored field (plain text or HTML with @@PLUGINFILE@@ pictures) as text with picture
    markers and the pictures in order."""
    found: list[ParsedImage] = []

    def picture(match: re.Match) -> str:
        image = images.get(match.group(1))
        if image is None:
            return ""
        found.append(image)
        return _PICTURE

    marked = _IMG_TAG.sub(picture, value)
    text = html_to_text(marked) if looks_like_html(marked) else html.unescape(marked).strip()
    return text, found


def _export_lines(questions: list[ExportQuestion]) -> Iterator[list[_Field]]:
    """Blocks of lines: a section heading, or one question."""
    groups: dict[tuple[str, bool], list[ExportQuestion]] = {key: [] for key in SECTION_ORDER}
    for question in questions:
        indefinite = question.kind == "multiple" and question.indefinite
        groups[(question.kind, indefinite)].append(question)
    number = 0
    section = 0
    for (kind, indefinite), items in groups.items():
        if not items:
            continue
        section += 1
        name = INDEFINITE_NAME if indefinite else KIND_NAMES[kind]
        yield [_Field("", f"{_chinese_number(section)}、{name}")]
        for question in items:
            number += 1
            yield _export_question(question, number)


def _export_question(question: ExportQuestion, number: int) -> list[_Field]:
    images = {image.name: image for image in question.images}

    def part(prefix: str, value: str) -> _Field:
        text, pictures = _plain_parts(value, images)
        return _Field(prefix, text, pictures)

    fields = [part(f"{number}. ", question.stem)]
    if question.kind in MARKED:
        if question.model_answer.strip():
            fields.append(part("参考答案：", question.model_answer))
        fields.append(_Field("评分标准：", ""))
        for criterion in question.rubric:
            fields.append(_Field("", f"{criterion.criterion}（{criterion.points}分）"))
    elif question.kind == "true_false":
        fields.append(_Field("答案：", "对" if question.answer_true else "错"))
    else:
        letters = ""
        for i, option in enumerate(question.options):
            letter = chr(ord("A") + i)
            fields.append(part(f"{letter}. ", option.text))
            if option.correct:
                letters += letter
        fields.append(_Field("答案：", letters))
    if question.explanation.strip():
        fields.append(part("解析：", question.explanation))
    if question.difficulty:
        fields.append(_Field("难度：", str(question.difficulty)))
    if question.citations.strip():
        fields.append(_Field("法条：", question.citations))
    if question.topic.strip():
        fields.append(_Field("知识点：", question.topic))
    if question.name.strip():
        fields.append(_Field("名称：", question.name))
    return fields


def questions_text(questions: list[ExportQuestion]) -> str:
    """The bank as a text list. A text file cannot hold pictures: each stands as
    "〔图片：name〕" where it was (``questions_docx`` keeps them)."""
    out = []
    for block in _export_lines(questions):
        for line in block:
            names = [PICTURE_IN_TEXT.format(name=image.name) for image in line.pictures]
            chunks = line.text.split(_PICTURE)
            text = chunks[0] + "".join(n + c for n, c in zip(names, chunks[1:], strict=False))
            out.append(f"{line.prefix}{text}".rstrip())
        out.append("")
    return "\n".join(out)


def questions_docx(questions: list[ExportQuestion]) -> bytes:
    """The bank as a Word list, pictures embedded where they stand."""
    import docx

    document = docx.Document()
    for block in _export_lines(questions):
        for line in block:
            pictures = iter(line.pictures)
            for number, text in enumerate(line.text.split("\n")):
                paragraph = document.add_paragraph()
                if line.prefix and not number:
                    paragraph.add_run(line.prefix)
                _write_runs(document, paragraph, text, pictures)
        document.add_paragraph()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _write_runs(document, paragraph, text: str, pictures: Iterator[ParsedImage]) -> None:
    for n, chunk in enumerate(text.split(_PICTURE)):
        if n:
            image = next(pictures)
            run = paragraph.add_run()
            try:
                shape = run.add_picture(io.BytesIO(image.data))
            except Exception:  # not an image Word can show (python-docx cannot size it)
                run.text = PICTURE_IN_TEXT.format(name=image.name)
            else:
                shape._inline.docPr.set("descr", image.alt)
                _rename_image(document, run, image.name)
        if chunk:
            paragraph.add_run(chunk)


def _rename_image(document, run, name: str) -> None:
    """Give the embedded image part the picture's own file name, so that it comes back
    under that name (python-docx names them image1.png, image2.png …)."""
    from docx.opc.packuri import PackURI

    blip = run._r.find(f".//{_A}blip")
    if blip is None:
        return
    part = document.part.related_parts[blip.get(f"{_R}embed")]
    if posixpath.basename(str(part.partname)) == name:
        return
    taken = {str(p.partname) for p in document.part.package.iter_parts()}
    candidate = f"/word/media/{name}"
    if candidate not in taken:
        part.partname = PackURI(candidate)
