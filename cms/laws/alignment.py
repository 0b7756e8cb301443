"""Align the articles of two versions of one law by content, down to paragraphs and items.

A revision renumbers articles, rewrites some, splits others into several, merges a few into
one, or turns an article into a numbered item of another (2017 行政复议法 §13 became item (二)
of §24 ¶1 in 2023). Matching whole articles by number or by overall similarity misses those,
so the texts are cut into units (each paragraph 款, and each numbered item 项 with its lead-in
as context), units are paired by IDF-weighted character-bigram similarity (with a small
preference for where the neighbouring articles went), and an article's counterpart is the
new article that received most of its text. Whatever is left is added or removed.

The result is stored per pair of versions when a version is imported
(``cms.laws.services.version_alignment_store``); readers use the stored rows.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .data import ChangeStatus, DiffSegment
from .numerals import int_to_chinese

if TYPE_CHECKING:
    from .models import Article, LawVersion

__all__ = [
    "ArticleChange",
    "ArticleUnit",
    "ChangeStatus",
    "DiffSegment",
    "UnitChange",
    "article_counterpart",
    "article_units",
    "articles_align",
    "unit_label",
    "versions_align",
]

ITEM_RE = re.compile(r"^[（(][一二三四五六七八九十]+[)）]")
SUBITEM_RE = re.compile(r"^\d+[.．、]")
CONDITION_RE = re.compile(r"的[，,；;]|的$")
PUNCTUATION_RE = re.compile(r"[，。；：、“”‘’（）《》〈〉！？,.;:!?()\"'\-—]")

#: How much an item's lead-in sentence counts in the item's vector (its context).
LEAD_WEIGHT = 0.35
#: Unit pairs below this cosine are not considered at all.
CANDIDATE_SCORE = 0.08
#: A unit matched at least this well tells where its article went (for its neighbours).
ANCHOR_SCORE = 0.45
#: Bonus for a candidate in an article where the neighbouring articles' units went.
LOCALITY_BONUS = 0.08
#: A unit pairs one to one with a new unit at this score (bonus included) ...
MATCH_SCORE = 0.3
#: ... or, when its best new unit is taken, joins it (two paragraphs merged) at this score.
MERGE_SCORE = 0.4
#: An old article is paired with the new article that received this share of its text.
ARTICLE_SHARE = 0.1
#: An unmatched article between two kept neighbours takes a new article between theirs at this.
GAP_SCORE = 0.32
#: Pairs of very different length are scored down by (shorter / longer) ** this.
LENGTH_EXPONENT = 0.3
#: A leftover paragraph joins a free paragraph of its article's counterpart at this score.
SIBLING_SCORE = 0.1
#: Equal runs this short between two edits are folded into the edit, so that a diff
#: reads as whole phrases rather than scattered characters.
DIFF_MIN_EQUAL = 2


@dataclass(frozen=True)
class ArticleUnit:
    """A paragraph (``item == 0``) or a numbered item of an article; ``lead`` is the item's
    lead-in sentence."""

    paragraph: int
    item: int
    text: str
    lead: str = ""


@dataclass(frozen=True)
class UnitChange:
    """Where one paragraph or item of an old article went (``new`` is None: removed)."""

    old: Article
    old_paragraph: int
    old_item: int
    new: Article | None
    new_paragraph: int
    new_item: int
    similarity: float

    @property
    def old_label(self) -> str:
        return unit_label(
            self.old.label,
            self.old_paragraph,
            self.old_item,
            paragraphs=paragraph_count(self.old.text),
        )

    @property
    def new_label(self) -> str:
        if self.new is None:
            return ""
        return unit_label(
            self.new.label,
            self.new_paragraph,
            self.new_item,
            paragraphs=paragraph_count(self.new.text),
        )


class _ArticleLike(Protocol):
    number: int
    text: str


@dataclass(frozen=True)
class ArticleChange:
    """One row of an amendment comparison: an old article, its new counterpart, or both."""

    old: Article | None
    new: Article | None
    status: ChangeStatus
    similarity: float
    segments: tuple[DiffSegment, ...] = ()
    #: Where each paragraph and item went (rows with an old article), or, on an added
    #: article, the old paragraphs that moved into it.
    parts: tuple[UnitChange, ...] = ()

    @property
    def old_number(self) -> int | None:
        return self.old.number if self.old is not None else None

    @property
    def new_number(self) -> int | None:
        return self.new.number if self.new is not None else None

    @property
    def renumbered(self) -> bool:
        return self.old is not None and self.new is not None and self.old.number != self.new.number

    @property
    def moved_parts(self) -> list[UnitChange]:
        """The paragraphs worth naming on the comparison: those that went elsewhere than the
        row's counterpart or to another paragraph/item of it, and on an added article the
        old paragraphs it took in."""
        if self.old is None:
            return list(self.parts)
        new_pk = self.new.pk if self.new is not None else None
        return [
            part
            for part in self.parts
            if (part.new.pk if part.new is not None else None) != new_pk
            or (part.new_paragraph, part.new_item) != (part.old_paragraph, part.old_item)
        ]

    @property
    def diff_html(self) -> SafeString:
        """The new text with deletions in ``<del>`` and insertions in ``<ins>`` (escaped)."""
        return mark_safe(  # noqa: S308 - every piece of text is escaped here
            "".join(
                escape(segment.text)
                if segment.kind == "equal"
                else f"<del>{escape(segment.text)}</del>"
                if segment.kind == "delete"
                else f"<ins>{escape(segment.text)}</ins>"
                for segment in self.segments
            )
        )


def normalise(text: str) -> str:
    """Text with all whitespace removed: layout differences are not amendments."""
    return "".join(text.split())


def text_diff(old_text: str, new_text: str) -> tuple[DiffSegment, ...]:
    """Character diff of two texts as segments, short equal runs folded into the edits."""
    matcher = difflib.SequenceMatcher(None, old_text, new_text, autojunk=False)
    blocks: list[list[str]] = []  # ["equal", text] or ["edit", deleted, inserted]
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            blocks.append(["equal", old_text[i1:i2]])
        elif blocks and blocks[-1][0] == "edit":
            blocks[-1][1] += old_text[i1:i2]
            blocks[-1][2] += new_text[j1:j2]
        else:
            blocks.append(["edit", old_text[i1:i2], new_text[j1:j2]])
    merged: list[list[str]] = []
    for index, block in enumerate(blocks):
        is_short_gap = (
            block[0] == "equal"
            and len(block[1]) <= DIFF_MIN_EQUAL
            and 0 < index < len(blocks) - 1
            and "\n" not in block[1]
        )
        if is_short_gap:
            block = ["edit", block[1], block[1]]
        if block[0] == "edit" and merged and merged[-1][0] == "edit":
            merged[-1][1] += block[1]
            merged[-1][2] += block[2]
        else:
            merged.append(list(block))
    segments = []
    for block in merged:
        if block[0] == "equal":
            segments.append(DiffSegment("equal", block[1]))
            continue
        if block[1]:
            segments.append(DiffSegment("delete", block[1]))
        if block[2]:
            segments.append(DiffSegment("insert", block[2]))
    return tuple(segments)


def article_units(text: str) -> list[ArticleUnit]:
    """The paragraphs (款) of an article and the numbered items (项) inside them.

    A line opening with ``（一）`` is an item of the paragraph before it; a line opening with
    ``1.`` belongs to the item before it. A paragraph with items is one unit for its lead-in
    sentence (``item == 0``) and one per item.
    """
    units: list[ArticleUnit] = []
    paragraph = item = 0
    lead = ""
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            continue
        if ITEM_RE.match(line) and paragraph:
            item += 1
            units.append(ArticleUnit(paragraph, item, line, lead))
        elif SUBITEM_RE.match(line) and units and units[-1].item:
            last = units[-1]
            units[-1] = ArticleUnit(last.paragraph, last.item, f"{last.text}\n{line}", last.lead)
        else:
            paragraph += 1
            item = 0
            lead = line
            units.append(ArticleUnit(paragraph, 0, line, ""))
    return units


def unit_label(
    article_label: str, paragraph: int = 0, item: int = 0, *, paragraphs: int = 2
) -> str:
    """``第二十四条第一款第（二）项``; the 款 is left out of a one-paragraph article."""
    label = article_label
    if paragraph and paragraphs > 1:
        label += f"第{int_to_chinese(paragraph)}款"
    if item:
        label += f"第（{int_to_chinese(item)}）项"
    return label


def paragraph_count(text: str) -> int:
    return max((unit.paragraph for unit in article_units(text)), default=0)


def _size(unit: ArticleUnit) -> float:
    """The length a unit is compared by: an item carries some of its lead-in."""
    return len(normalise(unit.text)) + LEAD_WEIGHT * len(normalise(unit.lead))


def _condition(text: str) -> str:
    """The "if" of a rule (``对……不服的``, up to the first ``的，``): what a rule is about
    survives a revision better than what it says, so it counts twice."""
    text = ITEM_RE.sub("", text)
    match = CONDITION_RE.search(text)
    return text[: match.end()] if match else ""


def _grams(text: str) -> Counter:
    text = PUNCTUATION_RE.sub("", ITEM_RE.sub("", normalise(text)))
    return (
        Counter(text[k : k + 2] for k in range(len(text) - 1)) if len(text) > 1 else Counter(text)
    )


class _Vectors:
    """IDF-weighted character-bigram vectors of the units of both versions.

    Common words of the law (行政复议, 申请, 人民政府) count little; the words that say what a
    rule is about (工作部门, 书面审查, 派出机构) count much, so a rule is found where it moved
    even when its wording was rewritten around it.
    """

    def __init__(self, texts: list[tuple[str, str]]):
        grams = [(_grams(text) + _grams(_condition(text)), _grams(lead)) for text, lead in texts]
        document_frequency: Counter = Counter()
        for own, _lead in grams:
            document_frequency.update(own.keys())
        count = max(len(grams), 1)
        self.idf = {g: math.log((1 + count) / (1 + df)) + 1 for g, df in document_frequency.items()}
        self.vectors = [self._vector(own, lead) for own, lead in grams]

    def _vector(self, own: Counter, lead: Counter) -> dict[str, float]:
        vector: dict[str, float] = defaultdict(float)
        for gram, tf in own.items():
            vector[gram] += tf * self.idf.get(gram, 1.0)
        for gram, tf in lead.items():
            vector[gram] += LEAD_WEIGHT * tf * self.idf.get(gram, 1.0)
        norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
        return {gram: w / norm for gram, w in vector.items()}


@dataclass(frozen=True)
class _Unit:
    article: int  # index in the version's article list
    unit: ArticleUnit


def _units_align(
    old_articles: Sequence[_ArticleLike], new_articles: Sequence[_ArticleLike]
) -> tuple[list[_Unit], list[_Unit], dict[int, tuple[int, float]]]:
    """Pair the paragraphs and items of two versions: old unit index -> (new unit, score)."""
    old_units = [_Unit(i, u) for i, a in enumerate(old_articles) for u in article_units(a.text)]
    new_units = [_Unit(j, u) for j, a in enumerate(new_articles) for u in article_units(a.text)]
    vectors = _Vectors([(u.unit.text, u.unit.lead) for u in old_units + new_units]).vectors
    columns: dict[str, int] = {}
    for vector in vectors:
        for gram in vector:
            columns.setdefault(gram, len(columns))
    matrix = numpy.zeros((len(vectors), max(len(columns), 1)))
    for row, vector in enumerate(vectors):
        for gram, weight in vector.items():
            matrix[row, columns[gram]] = weight
    products = matrix[: len(old_units)] @ matrix[len(old_units) :].T
    raw: dict[int, dict[int, float]] = {}
    for i in range(len(old_units)):
        (candidates,) = numpy.nonzero(products[i] >= CANDIDATE_SCORE)
        raw[i] = {int(j): float(products[i, j]) for j in candidates}
    old_norm = [normalise(u.unit.text) for u in old_units]
    new_norm = [normalise(u.unit.text) for u in new_units]
    cosine = {i: dict(scores) for i, scores in raw.items()}
    old_size = [_size(u.unit) for u in old_units]
    new_size = [_size(u.unit) for u in new_units]
    for i, scores in raw.items():
        for j in scores:
            if old_norm[i] == new_norm[j]:
                scores[j] = 1.0
            else:  # a few shared words make a short item look like anything
                shorter, longer = sorted((old_size[i], new_size[j]))
                scores[j] *= (shorter / longer) ** LENGTH_EXPONENT if longer else 0.0

    # Where the other units of each old article clearly went: a unit rewritten beyond easy
    # recognition most likely went where its neighbours went.
    best_of = {i: max(scores.items(), key=lambda kv: kv[1]) for i, scores in raw.items() if scores}
    anchors: dict[int, list[tuple[int, int]]] = defaultdict(list)  # article -> (unit, new art.)
    for i, (j, score) in best_of.items():
        if score >= ANCHOR_SCORE:
            anchors[old_units[i].article].append((i, new_units[j].article))
    adjusted: list[tuple[float, int, int]] = []
    for i, scores in raw.items():
        article = old_units[i].article
        near = {
            target
            for a in (article - 1, article, article + 1)
            for k, target in anchors.get(a, ())
            if k != i
        }
        for j, score in scores.items():
            distance = 0 if new_units[j].article in near else 1
            bonus = LOCALITY_BONUS if distance == 0 else 0.0
            adjusted.append((score + bonus, i, j))
    adjusted.sort(key=lambda c: (-c[0], abs(old_units[c[1]].article - new_units[c[2]].article)))

    pairs: dict[int, tuple[int, float]] = {}
    used: set[int] = set()
    for score, i, j in adjusted:  # one to one first ...
        if score >= MATCH_SCORE and i not in pairs and j not in used:
            pairs[i] = (j, min(raw[i][j], 1.0))
            used.add(j)
    for score, i, j in adjusted:  # ... then a paragraph merged into one already taken
        if score >= MERGE_SCORE and i not in pairs:
            pairs[i] = (j, min(raw[i][j], 1.0))
    # A paragraph left over whose article's other paragraphs went to one new article: the
    # free paragraph of that article most like it (paragraphs of a rule tend to stay together).
    targets: dict[int, Counter] = defaultdict(Counter)
    for i, (j, _score) in pairs.items():
        targets[old_units[i].article][new_units[j].article] += 1
    for i, unit in enumerate(old_units):
        if i in pairs or not targets[unit.article]:
            continue
        home = targets[unit.article].most_common(1)[0][0]
        # In the order of the paragraphs: after where the paragraph before it went in that
        # article, before where the paragraph after it went.
        before = [
            pairs[k][0]
            for k in range(i - 1, -1, -1)
            if old_units[k].article == unit.article
            and k in pairs
            and new_units[pairs[k][0]].article == home
        ][:1]
        after = [
            pairs[k][0]
            for k in range(i + 1, len(old_units))
            if old_units[k].article == unit.article
            and k in pairs
            and new_units[pairs[k][0]].article == home
        ][:1]
        siblings = [
            (score, j)
            for j, score in raw[i].items()
            if new_units[j].article == home
            and j not in used
            and (not before or j > before[0])
            and (not after or j < after[0])
        ]
        if siblings:
            score, j = max(siblings)
            if score >= SIBLING_SCORE:
                pairs[i] = (j, score)
                used.add(j)
    _gaps_fill(old_units, new_units, pairs, used, cosine)
    return old_units, new_units, pairs


def _gaps_fill(old_units, new_units, pairs, used, cosine) -> None:
    """An old article none of whose units matched, between two neighbours that kept their
    order, may be the unmatched new article between their counterparts (a rewritten rule
    that stayed in place): taken when alike enough (``GAP_SCORE``, before length scoring)."""
    by_article: dict[int, list[int]] = defaultdict(list)
    for i, unit in enumerate(old_units):
        by_article[unit.article].append(i)
    target_of = {
        a: Counter(new_units[pairs[i][0]].article for i in units if i in pairs)
        for a, units in by_article.items()
    }
    taken_articles = {new_units[j].article for j in used}
    articles = sorted(by_article)
    for position, article in enumerate(articles):
        if target_of[article]:
            continue
        low = next((max(target_of[a]) for a in reversed(articles[:position]) if target_of[a]), -1)
        high = next((min(target_of[a]) for a in articles[position + 1 :] if target_of[a]), 10**6)
        for i in by_article[article]:
            window = [
                (score, j)
                for j, score in cosine[i].items()
                if low < new_units[j].article < high
                and new_units[j].article not in taken_articles
                and j not in used
            ]
            if window:
                score, j = max(window)
                if score >= GAP_SCORE:
                    pairs[i] = (j, min(score, 1.0))
                    used.add(j)


def articles_align(
    old_articles: Sequence[_ArticleLike], new_articles: Sequence[_ArticleLike]
) -> list[ArticleChange]:
    """Align two lists of articles (each in number order); rows follow the new order.

    Paragraphs and items are paired first (``_units_align``); an old article's counterpart
    is the new article that received most of its text. Every old article has one row; a new
    article that is no old article's counterpart is added (its ``parts`` name the old
    paragraphs that moved into it).
    """
    old_norm = [normalise(article.text) for article in old_articles]
    new_norm = [normalise(article.text) for article in new_articles]
    old_units, new_units, unit_pairs = _units_align(old_articles, new_articles)

    parts_of: dict[int, list[UnitChange]] = defaultdict(list)
    incoming: dict[int, list[UnitChange]] = defaultdict(list)
    weight: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    length: dict[int, float] = defaultdict(float)
    for k, unit in enumerate(old_units):
        size = len(normalise(unit.unit.text))
        length[unit.article] += size
        old = old_articles[unit.article]
        if k in unit_pairs:
            j, score = unit_pairs[k]
            target = new_units[j]
            weight[unit.article][target.article] += size * score
            change = UnitChange(
                old,
                unit.unit.paragraph,
                unit.unit.item,
                new_articles[target.article],
                target.unit.paragraph,
                target.unit.item,
                score,
            )
            incoming[target.article].append(change)
        else:
            change = UnitChange(old, unit.unit.paragraph, unit.unit.item, None, 0, 0, 0.0)
        parts_of[unit.article].append(change)

    pairs: dict[int, int] = {}
    similarity: dict[int, float] = {}
    by_text: dict[str, list[int]] = defaultdict(list)
    for j, text in enumerate(new_norm):
        by_text[text].append(j)
    used_new: set[int] = set()
    for i, text in enumerate(old_norm):
        free = [j for j in by_text.get(text, ()) if j not in used_new]
        if free:
            number = old_articles[i].number
            j = min(free, key=lambda k: abs(new_articles[k].number - number))
            pairs[i], similarity[i] = j, 1.0
            used_new.add(j)
    for i in range(len(old_articles)):
        if i in pairs or not weight[i]:
            continue
        j, total = max(weight[i].items(), key=lambda kv: (kv[1], -abs(kv[0] - i)))
        share = total / (length[i] or 1.0)
        if share >= ARTICLE_SHARE:
            pairs[i], similarity[i] = j, round(share, 3)
            used_new.add(j)

    rows: list[tuple[tuple[int, int, int], ArticleChange]] = []
    for i, j in pairs.items():
        old, new = old_articles[i], new_articles[j]
        parts = tuple(parts_of[i])
        if old_norm[i] == new_norm[j]:
            status = ChangeStatus.UNCHANGED if old.number == new.number else ChangeStatus.MOVED
            change = ArticleChange(old, new, status, 1.0, parts=parts)
        else:
            change = ArticleChange(
                old, new, ChangeStatus.CHANGED, similarity[i], text_diff(old.text, new.text), parts
            )
        rows.append(((j, 0, i), change))
    for j, new in enumerate(new_articles):
        if j not in used_new:
            parts = tuple(incoming.get(j, ()))
            rows.append(
                ((j, 0, -1), ArticleChange(None, new, ChangeStatus.ADDED, 0.0, parts=parts))
            )
    previous_new = -1
    for i, old in enumerate(old_articles):
        if i in pairs:
            previous_new = pairs[i]
        else:
            change = ArticleChange(old, None, ChangeStatus.REMOVED, 0.0, parts=tuple(parts_of[i]))
            rows.append(((previous_new, 1, i), change))
    rows.sort(key=lambda row: row[0])
    return [change for _key, change in rows]


def versions_align(old: LawVersion, new: LawVersion) -> list[ArticleChange]:
    """Align the articles of two versions of one law (two queries)."""
    return articles_align(list(old.articles.all()), list(new.articles.all()))


def article_counterpart(
    old_article: Article,
    new_version: LawVersion,
    *,
    changes: Sequence[ArticleChange] | None = None,
) -> ArticleChange:
    """What became of ``old_article`` in ``new_version``.

    Pass ``changes`` (from ``versions_align``) when looking up many articles of the same two
    versions, so that the alignment is computed once.
    """
    if old_article.version_id == new_version.pk:
        return ArticleChange(old_article, old_article, ChangeStatus.UNCHANGED, 1.0)
    if changes is None:
        changes = versions_align(old_article.version, new_version)
    for change in changes:
        if change.old is not None and change.old.pk == old_article.pk:
            return change
    raise ValueError("the article does not belong to the version that was aligned")
