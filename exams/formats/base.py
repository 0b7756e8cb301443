"""The neutral form every question format parses into and exports from.

Parsers never touch the database: they turn a file into ``ParsedQuestion``s (plus what they
skipped and what is wrong, each with its position in the file), and the import service
validates citations, topics and duplicates before anything is written.
"""

from dataclasses import dataclass, field
from typing import Literal

from django.utils.translation import gettext_lazy as _

QuestionKind = Literal["single", "multiple", "true_false", "case_analysis", "short_answer"]
# "html": stem, options, feedback and explanation are HTML, sanitised when stored (Moodle XML,
# GIFT's html format). "text": they are what a person typed (spreadsheets, Aiken, Word and text
# lists) and are escaped when stored, never sanitised: "<b>" stays the four characters "<b>".
TextFormat = Literal["html", "text"]

# The position of a problem with the whole file rather than a line or question.
FILE_POSITION = _("文件")

# Kinds answered in writing and marked by people against a rubric.
MARKED = frozenset({"case_analysis", "short_answer"})


@dataclass
class RubricCriterion:
    criterion: str
    points: str  # a decimal as text, e.g. "4" or "2.5"


@dataclass
class ParsedOption:
    text: str
    correct: bool
    # Moodle weights: 1.0 for a fully correct option; 0.5 for ~%50%; negatives for penalties.
    fraction: float = 0.0
    feedback: str = ""  # per-answer feedback, in the question's text_format


@dataclass
class ParsedImage:
    """An image a question carries. The stem (or explanation) refers to it by name as
    ``<img src="@@PLUGINFILE@@/<name>" alt="…">`` (Moodle's own convention), in HTML format."""

    name: str  # file name, unique within the question, e.g. "map.png"
    data: bytes
    alt: str = ""


@dataclass
class ParsedQuestion:
    position: str  # where it stands in the file, in words: "第 12 行", "第 3 题"
    kind: QuestionKind
    stem: str  # plain text or sanitised HTML
    options: list[ParsedOption] = field(default_factory=list)  # empty for true/false
    answer_true: bool | None = None  # true/false questions only
    explanation: str = ""
    difficulty: int | None = None  # 1–5
    topic: str = ""  # topic name or category path ("宪法" or "法律知识/宪法")
    citations: str = ""  # raw citation text, resolved later against the law library
    name: str = ""
    model_answer: str = ""  # marked kinds only
    rubric: list[RubricCriterion] = field(default_factory=list)  # marked kinds only
    text_format: TextFormat = "html"
    # 不定项选择题: a multiple-choice question with one or more correct options (多选 needs two).
    indefinite: bool = False
    images: list[ParsedImage] = field(default_factory=list)
    # What the file says about this question that the platform does not keep, in words
    # ("未保留：每题分值 2"), listed in the import report against the question's position.
    not_kept: list[str] = field(default_factory=list)


@dataclass
class SkippedQuestion:
    position: str
    reason: str


@dataclass
class FormatError:
    position: str
    message: str


@dataclass
class ParseResult:
    questions: list[ParsedQuestion] = field(default_factory=list)
    skipped: list[SkippedQuestion] = field(default_factory=list)
    errors: list[FormatError] = field(default_factory=list)


@dataclass
class ExportQuestion:
    """What exporters need of one question version (built by the exam app's selectors)."""

    kind: QuestionKind
    stem: str
    options: list[ParsedOption]
    answer_true: bool | None
    explanation: str
    difficulty: int
    topic: str  # topic path, e.g. "宪法" or "行政法/行政许可"
    citations: str  # canonical citation text, several separated by "；"
    name: str = ""
    model_answer: str = ""
    rubric: list[RubricCriterion] = field(default_factory=list)
    indefinite: bool = False
    images: list[ParsedImage] = field(default_factory=list)  # stem refers to them as above
