"""Conventions shared by the GIFT and Moodle XML formats.

Moodle has no fields for difficulty or legal citations, so they travel as question tags
("难度:3", "法条:行政许可法第四十二条"); topics travel as question categories. Keeping the
mapping in one place is what makes a GIFT file and an XML file of the same bank agree.
"""

import base64
import binascii
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote

from django.utils.translation import gettext_lazy as _

from .base import ParsedImage, ParsedOption
from .html import PLUGINFILE, TEXT_FORMATS, looks_like_html, rich_text_from_moodle

DIFFICULTY_TAG = "难度"
CITATION_TAG = "法条"
CITATION_SEPARATOR = "；"
# Category of exported questions: the course's top category, then the topic path.
CATEGORY_PREFIX = "$course$/top"

UNSUPPORTED_TYPE = _("不支持的题型：%(label)s")
UNKNOWN_TYPE_LABEL = _("未知题型（%(qtype)s）")
DIFFICULTY_INVALID = _("难度标签“%(tag)s”无效：难度应为 1 到 5 的整数。")
DIFFICULTY_CONFLICT = _("难度标签出现多次且取值不同（%(values)s）。")
EMPTY_STEM = _("题干为空。")
TOO_FEW_OPTIONS = _("选择题至少需要两个选项。")
SINGLE_NEEDS_ONE_CORRECT = _("单选题必须有且只有一个完全正确（100%）的答案。")
MULTIPLE_NEEDS_A_CORRECT = _("多选题至少需要一个正确选项（分值为正数的答案）。")
INVALID_GRADE = _(
    "%(question)s的答案分值 %(values)s 不在 Moodle 允许的分值之列，Moodle 导入时会拒绝这道题。允许的分值为 0、±100%%、±90%%、±83.33333%%、±80%%、±75%%、±70%%、±66.66667%%、±60%%、±50%%、±40%%、±33.33333%%、±30%%、±25%%、±20%%、±16.66667%%、±14.28571%%、±12.5%%、±11.11111%%、±10%%、±5%%。"
)
NAMED_QUESTION = _("题目“%(name)s”")
UNNAMED_QUESTION = _("这道题")
BAD_FILE = _("文件“%(name)s”的 base64 内容无法解码。")

# What the file says that the platform does not keep (ParsedQuestion.not_kept), in words.
NOT_KEPT_TAG = _("未保留：标签“%(tag)s”")
NOT_KEPT_IDNUMBER = _("未保留：ID 编号“%(value)s”")
NOT_KEPT_MARKDOWN = _("未保留：Markdown 格式（按纯文本导入，不渲染）")
NOT_KEPT_TRUE_FEEDBACK = _("未保留：判断题选“对”时的反馈“%(text)s”")
NOT_KEPT_FALSE_FEEDBACK = _("未保留：判断题选“错”时的反馈“%(text)s”")
NOT_KEPT_FILE = _("未保留：文件“%(name)s”（不是 PNG、JPEG、GIF 或 WebP 图片）")
NOT_KEPT_MISSING_IMAGE = _("未保留：图片“%(name)s”（文件中没有这张图片的内容）")
NOT_KEPT_EXTERNAL_IMAGE = _("未保留：外部图片“%(src)s”（考试页面不加载其他网站的图片）")

# Moodle's text in place of the answer block of a "missing word" question ("_____"): a
# Chinese fill-in-the-blank bracket. Exporters turn it back into the answer block.
BLANK = "（    ）"
# The one criterion of a written question that arrives without a rubric.
DEFAULT_CRITERION = "按参考答案评分"
DEFAULT_POINTS = "10"

# question_bank::fraction_options_full(): the only grades Moodle accepts on import
# (format.php importprocess, match_grade_options with matchgrades "error").
_RAW_FRACTIONS = (
    0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3, 0.25, 0.2,
    0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05,
)  # fmt: skip
MOODLE_FRACTIONS = (0.0, 1.0, *_RAW_FRACTIONS, *(-f for f in _RAW_FRACTIONS), -1.0)
GRADE_TOLERANCE = 0.00001  # "slightly fuzzy test, never check floats for equality"

# Moodle's question type names (XML ``type`` attribute, GIFT's implied types) in plain words.
QUESTION_TYPE_LABELS = {
    "matching": _("匹配题（matching）"),
    "match": _("匹配题（matching）"),
    "numerical": _("数值题（numerical）"),
    "shortanswer": _("简答题（shortanswer）"),
    "essay": _("论述题（essay）"),
    "cloze": _("完形填空题（cloze/multianswer）"),
    "multianswer": _("完形填空题（cloze/multianswer）"),
    "description": _("说明文字（description）"),
    "missingword": _("选词填空题（missing word，答案区块在句子中间）"),
    "calculated": _("计算题（calculated）"),
    "calculatedsimple": _("简单计算题（calculatedsimple）"),
    "calculatedmulti": _("计算型选择题（calculatedmulti）"),
    "ddwtos": _("拖放填空题（ddwtos）"),
    "gapselect": _("下拉选词填空题（gapselect）"),
    "ddimageortext": _("图文拖放题（ddimageortext）"),
    "ddmarker": _("标记拖放题（ddmarker）"),
    "randomsamatch": _("随机简答匹配题（randomsamatch）"),
    "random": _("随机抽题（random）"),
    "multichoiceset": _("全对才得分的多选题（multichoiceset）"),
    "ordering": _("排序题（ordering）"),
    "essay_noinline": _("只能上传附件作答的论述题（essay，responseformat noinline）"),
}

_CONTEXT_PREFIX = re.compile(r"^\$[a-z]+\$(?:/|$)")
_TAG_SEPARATOR = re.compile(r"[:：]")


def unsupported_reason(qtype: str) -> str:
    """The skip reason naming the Moodle type, e.g. "不支持的题型：匹配题（matching）"."""
    label = QUESTION_TYPE_LABELS.get(qtype) or UNKNOWN_TYPE_LABEL % {"qtype": qtype}
    return UNSUPPORTED_TYPE % {"label": label}


def topic_from_category(path: str) -> str:
    """Topic path of a category: ``$course$/top/行政法/行政许可`` -> ``行政法/行政许可``.

    The context (``$course$``, ``$system$``, …) and Moodle's ``top`` are removed; the
    remaining segments are kept as the topic path the import service resolves.
    """
    path = _CONTEXT_PREFIX.sub("", path.strip()).strip("/")
    if path == "top":
        return ""
    if path.startswith("top/"):
        path = path[len("top/") :]
    return path.strip("/").strip()


def category_for_topic(topic: str) -> str:
    """The inverse of ``topic_from_category``: "行政法/行政许可" -> "$course$/top/行政法/行政许可"."""
    topic = " ".join(topic.split()).strip("/")
    return f"{CATEGORY_PREFIX}/{topic}" if topic else CATEGORY_PREFIX


@dataclass
class TagMetadata:
    difficulty: int | None = None
    citations: str = ""
    errors: list[str] = field(default_factory=list)
    other_tags: list[str] = field(default_factory=list)  # ordinary Moodle tags, not kept


def metadata_from_tags(tags: Iterable[str], known: Iterable[str] = ()) -> TagMetadata:
    """Difficulty and citations from Moodle tags; ``known`` keys are read by the caller and
    every other tag is an ordinary Moodle tag, listed in ``other_tags``."""
    result = TagMetadata()
    difficulties: list[str] = []
    citations: list[str] = []
    known = {DIFFICULTY_TAG, CITATION_TAG, *known}
    for tag in tags:
        parts = _TAG_SEPARATOR.split(tag.strip(), maxsplit=1)
        if len(parts) != 2 or parts[0].strip() not in known:
            if tag.strip():
                result.other_tags.append(tag.strip())
            continue
        key, value = parts[0].strip(), parts[1].strip()
        if key == DIFFICULTY_TAG:
            difficulties.append(value)
        elif key == CITATION_TAG and value:
            citations.append(value)
    values = list(dict.fromkeys(difficulties))
    if len(values) > 1:
        result.errors.append(DIFFICULTY_CONFLICT % {"values": "、".join(values)})
    elif values:
        value = values[0]
        if value.isascii() and value.isdigit() and 1 <= int(value) <= 5:
            result.difficulty = int(value)
        else:
            result.errors.append(DIFFICULTY_INVALID % {"tag": f"{DIFFICULTY_TAG}:{value}"})
    result.citations = CITATION_SEPARATOR.join(dict.fromkeys(citations))
    return result


def tags_for(difficulty: int | None, citations: str) -> list[str]:
    """One tag for the difficulty, one per citation (Moodle tags are short single values)."""
    tags = [f"{DIFFICULTY_TAG}:{difficulty}"] if difficulty else []
    tags += [
        f"{CITATION_TAG}:{c.strip()}" for c in citations.split(CITATION_SEPARATOR) if c.strip()
    ]
    return tags


def export_fractions(kind: str, options: Sequence[ParsedOption]) -> list[float]:
    """Moodle grades (fractions of 1) we write for each option.

    Single choice: 1 for the correct option, 0 otherwise. Multiple choice: the correct options
    share +100% equally and the wrong ones share -100% equally, so ticking everything scores 0
    and the correct set scores 100%. Import reads correctness from the sign, so the round trip is
    exact whatever weights the bank held.
    """
    if kind != "multiple":
        return [1.0 if o.correct else 0.0 for o in options]
    right = sum(1 for o in options if o.correct)
    wrong = len(options) - right
    return [(1.0 / right) if o.correct else (-1.0 / wrong) for o in options]


def format_percent(fraction: float) -> str:
    """A fraction as Moodle writes percentages: 1 -> "100", 1/3 -> "33.33333", -0.5 -> "-50"."""
    text = f"{fraction * 100:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def match_grade(fraction: float) -> float | None:
    """Moodle's match_grade_options: the listed grade within the tolerance, else ``None``."""
    for value in MOODLE_FRACTIONS:
        if abs(fraction - value) < GRADE_TOLERANCE:
            return value
    return None


def invalid_grade_message(name: str, fractions: Iterable[float]) -> str:
    values = "、".join(f"{format_percent(f)}%" for f in fractions)
    question = NAMED_QUESTION % {"name": name} if name else UNNAMED_QUESTION
    return INVALID_GRADE % {"question": question, "values": values}


def weights_for(kind: str, options: Sequence[ParsedOption]) -> list[float]:
    """The grades an exporter writes: the options' own weights when Moodle would accept them
    and they agree with the key, else ``export_fractions``.

    Single choice: the correct option 100 %, the others below 100 % (partial credit or a
    penalty). Multiple choice: positive weights exactly on the correct options, adding up to
    100 % (Moodle rounds the sum to 2 decimals), zero or negative on the others.
    """
    fractions = [match_grade(o.fraction) for o in options]
    if all(f is not None for f in fractions):
        if kind == "single":
            sound = all((f == 1.0) == o.correct for f, o in zip(fractions, options, strict=True))
        else:
            sound = all((f > 0) == o.correct for f, o in zip(fractions, options, strict=True))
            sound = sound and round(sum(f for f in fractions if f > 0), 2) == 1.0
        if sound:
            return fractions
    return export_fractions(kind, options)


def kind_of_choices(options: Sequence[ParsedOption], *, single: bool) -> tuple[str, bool, str]:
    """(kind, indefinite, problem) of a Moodle multichoice: a single-answer question needs one
    answer at 100 %; a multiple-answer one with a single correct answer is 不定项."""
    if single:
        problem = "" if sum(o.correct for o in options) == 1 else SINGLE_NEEDS_ONE_CORRECT
        return "single", False, problem
    correct = sum(o.correct for o in options)
    if correct == 0:
        return "multiple", False, MULTIPLE_NEEDS_A_CORRECT
    return "multiple", correct == 1, ""


def blank_stem_parts(stem: str) -> tuple[str, str] | None:
    """(before, after) when the stem has one blank with text after it: a missing-word
    question, exported with the answer block in the blank's place."""
    if stem.count(BLANK) != 1:
        return None
    before, after = stem.split(BLANK)
    return (before, after) if after.strip() else None


# Text of one question: every field in one format -----------------------------------------


@dataclass
class RawField:
    """One text field as the file has it, before the question's format is decided."""

    text: str
    text_format: str  # Moodle's name: html, moodle(_auto_format), plain(_text), markdown, …


def question_fields(fields: Sequence[RawField]) -> tuple[str, list[str]]:
    """(text_format, texts) of a question's fields, all in one format.

    A field in Moodle's html format (or its auto-format, which renders tags) that still has
    markup once sanitised makes the question "html": its other fields are then escaped text
    with line breaks as ``<br>``, as Moodle shows plain text. Otherwise every field is what the
    person typed ("text"): html without markup is just text with entities.
    """
    rendered = [rich_text_from_moodle(f.text, f.text_format) for f in fields]
    marked_up = [
        renders_tags(f.text_format) and looks_like_html(r)
        for f, r in zip(fields, rendered, strict=True)
    ]
    if not any(marked_up):
        return "text", rendered
    texts = [r if up else _text_as_html(r) for r, up in zip(rendered, marked_up, strict=True)]
    return "html", texts


def renders_tags(text_format: str) -> bool:
    """Moodle's html and auto-format show tags as markup (an unknown format is html, as in
    Moodle's trans_format); plain text, markdown and wiki text show them as typed."""
    return TEXT_FORMATS.get(text_format.strip(), "html") in ("html", "moodle")


def _text_as_html(text: str) -> str:
    return html.escape(text.strip(), quote=False).replace("\r\n", "\n").replace("\n", "<br>")


# Images -----------------------------------------------------------------------------------

_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)
# Neither the tag nor its address may hold another "<": no backtracking over a hostile field.
_IMG_SRC = re.compile(r"""<img\b[^<>]*?\ssrc\s*=\s*(["'])([^"'<>]*)\1[^<>]*>""", re.IGNORECASE)
_PLUGINFILE_REF = re.compile(r"@@PLUGINFILE@@/([^\"'<>\s?#]+)")
_UNSAFE_NAME = re.compile(r"[^\w.\-]+")


def image_kind(data: bytes) -> str | None:
    """PNG, JPEG, GIF or WebP by their first bytes (never by the file name)."""
    for magic, kind in _IMAGE_MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def decode_file(content: str) -> bytes | None:
    try:
        return base64.b64decode("".join(content.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def safe_image_name(name: str) -> str:
    """A name the stem can refer to as ``@@PLUGINFILE@@/<name>`` without quoting."""
    name = _UNSAFE_NAME.sub("_", name.replace("/", "_")).strip("._") or "image"
    return name


class QuestionImages:
    """The images of one question, gathered from its fields' files under unique names."""

    def __init__(self) -> None:
        self.images: list[ParsedImage] = []
        self.not_kept: list[str] = []
        self._by_name: dict[str, ParsedImage] = {}

    def add(self, path: str, data: bytes) -> str | None:
        """Keep one file; returns the name the text refers to it by, ``None`` if not kept."""
        if image_kind(data) is None:
            self.not_kept.append(NOT_KEPT_FILE % {"name": path.lstrip("/")})
            return None
        name = base = safe_image_name(path)
        same = self._by_name.get(name)
        if same is not None and same.data == data:  # the same file attached to two fields
            return name
        counter = 2
        while name in self._by_name:
            stem, dot, ext = base.rpartition(".")
            name = f"{stem}-{counter}.{ext}" if dot else f"{base}-{counter}"
            counter += 1
        image = ParsedImage(name=name, data=data)
        self.images.append(image)
        self._by_name[name] = image
        return name

    def relink(self, text: str, names: dict[str, str]) -> str:
        """Point the field's ``@@PLUGINFILE@@`` references at the kept names; drop (and list)
        images whose picture is not in the file or lives on another server."""

        def image(match: re.Match) -> str:
            src = match.group(2)
            if not src.startswith(PLUGINFILE):
                if re.match(r"(?i)(https?:)?//", src):
                    self.not_kept.append(NOT_KEPT_EXTERNAL_IMAGE % {"src": src})
                    return ""
                return match.group(0)
            path = unquote(src[len(PLUGINFILE) :])
            if path not in names:
                self.not_kept.append(NOT_KEPT_MISSING_IMAGE % {"name": path})
                return ""
            return match.group(0)

        text = _IMG_SRC.sub(image, text)

        def ref(match: re.Match) -> str:
            path = unquote(match.group(1))
            return PLUGINFILE + names[path] if path in names else match.group(0)

        return _PLUGINFILE_REF.sub(ref, text)


def image_references(text: str) -> list[str]:
    """Names of the question's own images a field shows (``@@PLUGINFILE@@/<name>``)."""
    return [unquote(m.group(1)) for m in _PLUGINFILE_REF.finditer(text)]


def image_alt(texts: Iterable[str], name: str) -> str:
    for text in texts:
        for match in _IMG_SRC.finditer(text):
            if match.group(2) == PLUGINFILE + name:
                alt = re.search(r"""\salt\s*=\s*(["'])(.*?)\1""", match.group(0), re.DOTALL)
                return html.unescape(alt.group(2)) if alt else ""
    return ""


def without_own_images(text: str) -> tuple[str, list[str]]:
    """The text without its ``<img src="@@PLUGINFILE@@/…">`` (for formats that cannot carry
    images) and the names removed."""
    removed: list[str] = []

    def drop(match: re.Match) -> str:
        if match.group(2).startswith(PLUGINFILE):
            removed.append(unquote(match.group(2)[len(PLUGINFILE) :]))
            return ""
        return match.group(0)

    return _IMG_SRC.sub(drop, text), removed
