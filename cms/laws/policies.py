"""Policy documents in the library: the city's implementation plan and, later, others like it.

A policy document is not divided into articles but into parts (``一、…``), sections
(``（一）…``), numbered items (``1、…``) and sub-items (``（1）…``). Each citable unit — a
section or part with text of its own, an item, a sub-item — is stored as an ``Article`` of the
document's version, so that questions cite it and pages show it like any article:

- ``label`` is its place written the canonical way: ``一（二）``, ``二（一）1``, ``二（一）1（3）``;
- ``number`` is that place encoded as part × 10⁶ + section × 10⁴ + item × 10² + sub-item, so
  numbers sort in document order and stay the same when the text is imported again;
- ``chapter`` and ``section`` are the part and section headings.

This module is pure (no database): the parser, the label/number/anchor helpers, the grammar of
a unit in a citation, and the list of policy documents the library holds.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from .numerals import chinese_to_int, int_to_chinese
from .parser import COMMENT_RE, INVISIBLE_RE, LawParseError, ParsedArticle, ParsedLaw

#: Place of a unit: (part, section, item, sub-item), 0 where a level is absent.
UnitPath = tuple[int, int, int, int]

UNIT_WEIGHTS = (1_000_000, 10_000, 100, 1)
UNIT_LEVEL_MAX = 99  # sections, items and sub-items per parent

CN = "零〇一二三四五六七八九十百两"
PART_RE = re.compile(rf"^(?P<n>[{CN}]+)、(?P<rest>.*)$")
SECTION_RE = re.compile(rf"^[（(](?P<n>[{CN}]+)[)）](?P<rest>.*)$")
ITEM_RE = re.compile(r"^(?P<n>\d+)[、．.](?P<rest>.*)$")
SUB_ITEM_RE = re.compile(r"^[（(](?P<n>\d+)[)）](?P<rest>.*)$")


@dataclass(frozen=True)
class PolicyDocumentSource:
    """One policy document of the library: where its text is and how it is named.

    ``path`` is relative to ``settings.SHARED_DIR``. ``version_date`` identifies the text
    held in the library (URLs of older versions use it once the document is revised).
    """

    key: str
    path: str
    title: str
    category: str
    version_date: datetime.date
    first_adopted: datetime.date | None = None


POLICY_CATEGORY = "政策文件"
IMPLEMENTATION_PLAN_KEY = "implementation-plan"

#: The file of the implementation plan gives no date of issue. Its text applies the State
#: Council's 2005 opinion on the enforcement responsibility system and the Civil Servant Law
#: in force from 2006-01-01, and sets 2008 as its target year: the library dates the text
#: 2006-01-01 until the date of issue is entered here.
POLICY_DOCUMENTS: tuple[PolicyDocumentSource, ...] = (
    PolicyDocumentSource(
        key=IMPLEMENTATION_PLAN_KEY,
        path="content/implementation-plan.txt",
        title="市政府依法行政实施方案",
        category=POLICY_CATEGORY,
        version_date=datetime.date(2006, 1, 1),
    ),
)


# --- places, labels, anchors ------------------------------------------------------------


def unit_number(path: UnitPath) -> int:
    """(2, 1, 1, 3) -> 2010103."""
    return sum(value * weight for value, weight in zip(path, UNIT_WEIGHTS, strict=True))


def unit_path(number: int) -> UnitPath:
    """2010103 -> (2, 1, 1, 3)."""
    return (
        number // UNIT_WEIGHTS[0],
        number // UNIT_WEIGHTS[1] % 100,
        number // UNIT_WEIGHTS[2] % 100,
        number % 100,
    )


def unit_label(path: UnitPath) -> str:
    """(2, 1, 1, 3) -> ``二（一）1（3）``; (1, 2, 0, 0) -> ``一（二）``; (3, 0, 0, 0) -> ``三``."""
    part, section, item, sub_item = path
    label = int_to_chinese(part)
    if section:
        label += f"（{int_to_chinese(section)}）"
    if item:
        label += str(item)
    if sub_item:
        label += f"（{sub_item}）"
    return label


def unit_anchor(number: int) -> str:
    """2010103 -> ``unit-2-1-1-3``; 1020000 -> ``unit-1-2`` (ASCII, stable across imports)."""
    path = list(unit_path(number))
    while len(path) > 1 and path[-1] == 0:
        path.pop()
    return "unit-" + "-".join(str(value) for value in path)


def part_anchor(part: int) -> str:
    return f"part-{part}"


def section_anchor(part: int, section: int) -> str:
    return f"section-{part}-{section}"


# --- the text ------------------------------------------------------------------------------


def _number(text: str) -> int:
    value = chinese_to_int(text)
    if not 0 < value <= UNIT_LEVEL_MAX:
        raise LawParseError(f"numbering out of range: {text!r}")
    return value


def _heading_title(rest: str) -> str:
    """The heading of a part or section: its text up to the first full stop."""
    return rest.split("。", 1)[0].strip()


def policy_text_parse(text: str) -> ParsedLaw:
    """Parse a policy document in plain text: the title on the first line (repeated lines of
    the title are dropped), a preamble, then parts, sections, items and sub-items, each
    starting a paragraph with its number. A paragraph without a number continues the unit
    before it; a part or section whose heading is followed by text of its own is a unit too.
    """
    paragraphs = [
        line.strip()
        for line in INVISIBLE_RE.sub("", COMMENT_RE.sub("", text)).splitlines()
        if line.strip()
    ]
    if not paragraphs:
        raise LawParseError("empty document")
    title = paragraphs[0]
    document = ParsedLaw(title=title)
    part = section = item = 0
    chapter_title = section_title = ""
    units: dict[UnitPath, list[str]] = {}
    # A part or section heading becomes a unit only when text of its own follows it.
    pending: tuple[UnitPath, str] | None = None
    current: UnitPath | None = None

    def start(path: UnitPath, paragraph: str) -> None:
        nonlocal current, pending
        if path in units:
            raise LawParseError(f"{unit_label(path)} appears twice")
        units[path] = [paragraph] if paragraph else []
        current, pending = path, None
        document.articles.append(
            ParsedArticle(
                number=unit_number(path),
                label=unit_label(path),
                chapter=chapter_title,
                section=section_title,
                text="",
            )
        )

    for paragraph in paragraphs[1:]:
        if paragraph == title:
            continue
        if match := PART_RE.match(paragraph):
            part, section, item = _number(match["n"]), 0, 0
            chapter_title, section_title = f"{match['n']}、{_heading_title(match['rest'])}", ""
            current, pending = None, ((part, 0, 0, 0), match["rest"])
            if _heading_title(match["rest"]) != match["rest"].strip().rstrip("。"):
                start((part, 0, 0, 0), match["rest"].strip())
        elif part and (match := SECTION_RE.match(paragraph)):
            section, item = _number(match["n"]), 0
            section_title = f"（{match['n']}）{_heading_title(match['rest'])}"
            current, pending = None, ((part, section, 0, 0), match["rest"].strip())
            if _heading_title(match["rest"]) != match["rest"].strip().rstrip("。"):
                start((part, section, 0, 0), match["rest"].strip())
        elif part and (match := ITEM_RE.match(paragraph)):
            item = _number(match["n"])
            start((part, section, item, 0), match["rest"].strip())
        elif part and item and (match := SUB_ITEM_RE.match(paragraph)):
            start((part, section, item, _number(match["n"])), match["rest"].strip())
        elif current is not None:
            units[current].append(paragraph)
        elif pending is not None:
            path, heading = pending
            start(path, heading)
            units[path].append(paragraph)
        elif not part:
            document.preamble.append(paragraph)
        else:
            raise LawParseError(f"text outside any unit: {paragraph[:40]!r}")

    document.articles = [
        ParsedArticle(
            number=article.number,
            label=article.label,
            chapter=article.chapter,
            section=article.section,
            text="\n".join(units[unit_path(article.number)]),
        )
        for article in document.articles
    ]
    if not document.articles:
        raise LawParseError("no parts, sections or items found")
    return document


# --- a unit in a citation -------------------------------------------------------------------

# After whitespace is removed and full-width digits made ASCII. Forms read:
#   二（一）1（3）   二(一)1   二、（一）1、   第二部分第（一）项第1点   第二部分（一）第一点
#   第二部分第一节第1项   三（二）   第三部分   一（二）
_CN_GROUP = rf"[{CN}]+"
UNIT_CITATION_RE = re.compile(
    rf"""^(?:第(?P<part>{_CN_GROUP})部分|(?P<part_short>{_CN_GROUP})、?)?
        (?:第?[（(](?P<section>{_CN_GROUP})[)）](?:项|节)?|第(?P<section_word>{_CN_GROUP})[项节])?
        (?:第?(?P<item>\d+)(?:、|点|项)?|第(?P<item_word>{_CN_GROUP})点)?
        (?:第?[（(](?P<sub>\d+)[)）](?:项|目)?)?$""",
    re.VERBOSE,
)


def unit_citation_parse(text: str, *, previous: UnitPath | None = None) -> UnitPath | None:
    """The place a unit citation names, or ``None`` if ``text`` is not one.

    Without a part, the part (and, without a section, the section) of ``previous`` is meant:
    ``二（一）1、2`` cites 二（一）1 and 二（一）2. A citation must name at least a part,
    or continue a previous one.
    """
    match = UNIT_CITATION_RE.match(text)
    if not match or not text:
        return None
    try:
        part = _optional_number(match["part"] or match["part_short"])
        section = _optional_number(match["section"] or match["section_word"])
        item = _optional_number(match["item"] or match["item_word"])
        sub_item = _optional_number(match["sub"])
    except (ValueError, LawParseError):
        return None
    if sub_item and not item:
        return None
    if not part:
        if previous is None:
            return None
        part = previous[0]
        if not section:
            if not item:
                return None
            section = previous[1]
    return (part, section, item, sub_item)


def _optional_number(text: str | None) -> int:
    return _number(text) if text else 0
