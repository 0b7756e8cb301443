"""Conventions shared by the GIFT and Moodle XML formats.

Moodle has no fields for difficulty or legal citations, so they travel as question tags
("难度:3", "法条:行政许可法第四十二条"); topics travel as question categories. Keeping the
mapping in one place is what makes a GIFT file and an XML file of the same bank agree.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .base import ParsedOption

DIFFICULTY_TAG = "难度"
CITATION_TAG = "法条"
CITATION_SEPARATOR = "；"
# Category of exported questions: the course's top category, then the topic path.
CATEGORY_PREFIX = "$course$/top"

UNSUPPORTED_TYPE = "不支持的题型：{label}"
UNKNOWN_TYPE_LABEL = "未知题型（{qtype}）"
DIFFICULTY_INVALID = "难度标签“{tag}”无效：难度应为 1 到 5 的整数。"
DIFFICULTY_CONFLICT = "难度标签出现多次且取值不同（{values}）。"
EMPTY_STEM = "题干为空。"
TOO_FEW_OPTIONS = "选择题至少需要两个选项。"
SINGLE_NEEDS_ONE_CORRECT = "单选题必须有且只有一个完全正确（100%）的答案。"
MULTIPLE_NEEDS_TWO_CORRECT = (
    "多选题至少需要两个正确选项（权重为正数）；只有一个正确答案的题目请写成单选题。"
)

# Moodle's question type names (XML ``type`` attribute, GIFT's implied types) in plain words.
QUESTION_TYPE_LABELS = {
    "matching": "匹配题（matching）",
    "match": "匹配题（matching）",
    "numerical": "数值题（numerical）",
    "shortanswer": "简答题（shortanswer）",
    "essay": "论述题（essay）",
    "cloze": "完形填空题（cloze/multianswer）",
    "multianswer": "完形填空题（cloze/multianswer）",
    "description": "说明文字（description）",
    "missingword": "选词填空题（missing word，答案区块在句子中间）",
    "calculated": "计算题（calculated）",
    "calculatedsimple": "简单计算题（calculatedsimple）",
    "calculatedmulti": "计算型选择题（calculatedmulti）",
    "ddwtos": "拖放填空题（ddwtos）",
    "gapselect": "下拉选词填空题（gapselect）",
    "ddimageortext": "图文拖放题（ddimageortext）",
    "ddmarker": "标记拖放题（ddmarker）",
    "randomsamatch": "随机简答匹配题（randomsamatch）",
    "random": "随机抽题（random）",
    "multichoiceset": "全对才得分的多选题（multichoiceset）",
    "ordering": "排序题（ordering）",
}

_CONTEXT_PREFIX = re.compile(r"^\$[a-z]+\$(?:/|$)")
_TAG_SEPARATOR = re.compile(r"[:：]")


def unsupported_reason(qtype: str) -> str:
    """The skip reason naming the Moodle type, e.g. "不支持的题型：匹配题（matching）"."""
    label = QUESTION_TYPE_LABELS.get(qtype) or UNKNOWN_TYPE_LABEL.format(qtype=qtype)
    return UNSUPPORTED_TYPE.format(label=label)


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


def metadata_from_tags(tags: Iterable[str]) -> TagMetadata:
    """Difficulty and citations from Moodle tags; other tags are ordinary Moodle tags, ignored."""
    result = TagMetadata()
    difficulties: list[str] = []
    citations: list[str] = []
    for tag in tags:
        parts = _TAG_SEPARATOR.split(tag.strip(), maxsplit=1)
        if len(parts) != 2:
            continue
        key, value = parts[0].strip(), parts[1].strip()
        if key == DIFFICULTY_TAG:
            difficulties.append(value)
        elif key == CITATION_TAG and value:
            citations.append(value)
    values = list(dict.fromkeys(difficulties))
    if len(values) > 1:
        result.errors.append(DIFFICULTY_CONFLICT.format(values="、".join(values)))
    elif values:
        value = values[0]
        if value.isascii() and value.isdigit() and 1 <= int(value) <= 5:
            result.difficulty = int(value)
        else:
            result.errors.append(DIFFICULTY_INVALID.format(tag=f"{DIFFICULTY_TAG}:{value}"))
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
