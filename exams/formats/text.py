"""How people write the parts of a question in plain text, read the same way by every format.

Spreadsheets, Aiken files and Word/text lists all meet the same forms: option prefixes
(``A、五日``), answers (``ABCD``, ``A、B、C``, ``√``), question types (``不定项选择题``) and the
encodings Excel and Notepad write on a Chinese Windows. One reading of each lives here.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

FULLWIDTH = str.maketrans(
    "ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ"
    "０１２３４５６７８９",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
)

# "A、" "A." "A．" "A:" "A：" "A)" "(A)" "（A）" "A " — the letter, then a separator.
_OPTION_PREFIX = re.compile(
    r"^\s*[(（]?\s*([A-Za-zＡ-Ｚａ-ｚ])\s*(?:[)）]\s*[.．、:：]?|[.．、:：])\s*"
)
_ANSWER_SEPARATORS = re.compile(r"[\s、,，;；/]+")

TRUE_WORDS = frozenset({"对", "正确", "是", "√", "✓", "✔", "☑", "T", "TRUE", "Y", "YES", "1"})
FALSE_WORDS = frozenset({"错", "错误", "否", "×", "✗", "✘", "╳", "X", "F", "FALSE", "N", "NO", "0"})

# (kind, indefinite) for the labels exam offices give question types.
KIND_LABELS: dict[str, tuple[str, bool]] = {
    "单选": ("single", False),
    "单选题": ("single", False),
    "单项选择": ("single", False),
    "单项选择题": ("single", False),
    "多选": ("multiple", False),
    "多选题": ("multiple", False),
    "多项选择": ("multiple", False),
    "多项选择题": ("multiple", False),
    "不定项": ("multiple", True),
    "不定项选择": ("multiple", True),
    "不定项选择题": ("multiple", True),
    "判断": ("true_false", False),
    "判断题": ("true_false", False),
    "是非题": ("true_false", False),
    "案例分析": ("case_analysis", False),
    "案例分析题": ("case_analysis", False),
    "简答": ("short_answer", False),
    "简答题": ("short_answer", False),
}


def letter_index(letter: str) -> int:
    """``"A"`` -> 0, ``"ｂ"`` -> 1."""
    return ord(letter.translate(FULLWIDTH).upper()) - ord("A")


def strip_option_prefix(text: str, index: int) -> str:
    """Remove ``A、`` / ``A.`` / ``(A)`` … from an option's text, only when the letter is the
    option's own (the third option loses ``C．`` but keeps ``A级``)."""
    match = _OPTION_PREFIX.match(text)
    if match and letter_index(match.group(1)) == index:
        return text[match.end() :].strip()
    return text.strip()


def answer_letters(text: str) -> list[int] | None:
    """``"ABCD"``, ``"A、B、C"``, ``"a, c"``, ``"ＡＢ"`` -> option indexes; ``None`` if not letters."""
    cleaned = _ANSWER_SEPARATORS.sub("", text.translate(FULLWIDTH)).upper()
    if not cleaned or not cleaned.isascii() or not cleaned.isalpha():
        return None
    indexes = sorted({ord(c) - ord("A") for c in cleaned})
    return indexes


def true_false_answer(text: str) -> bool | None:
    word = text.strip().translate(FULLWIDTH).upper().rstrip("。.")
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def kind_from_label(text: str) -> tuple[str, bool] | None:
    """``"不定项选择题"`` -> ``("multiple", True)``; also accepts the internal names."""
    label = unicodedata.normalize("NFKC", text).strip().strip("（）()[]【】 ")
    if label in KIND_LABELS:
        return KIND_LABELS[label]
    if label in {"single", "multiple", "true_false", "case_analysis", "short_answer"}:
        return label, False
    return None


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK and
    GB2312: what Excel and Notepad write on a Chinese Windows). Raises ``UnicodeDecodeError``
    when the bytes are none of these."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if _looks_utf16(data):
        return data[: len(data) // 2 * 2].decode("utf-16-le")
    return data.decode("gb18030")


def _looks_utf16(data: bytes) -> bool:
    """UTF-16 without a BOM: ASCII-heavy text has a zero in every other byte."""
    sample = data[:4096]
    return len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4
