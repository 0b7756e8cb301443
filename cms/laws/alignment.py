"""Align the articles of two versions of one law by content.

A revision renumbers articles, rewrites some, adds and drops others, so matching by number
alone would pair unrelated texts. Articles are paired first by identical text (whitespace
ignored), then by similarity (``difflib`` ratio) with a preference for pairs that keep the
order of the already-paired articles. Whatever is left is added or removed.
"""

from __future__ import annotations

import bisect
import difflib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .data import ChangeStatus, DiffSegment

if TYPE_CHECKING:
    from .models import Article, LawVersion

__all__ = [
    "ArticleChange",
    "ChangeStatus",
    "DiffSegment",
    "article_counterpart",
    "articles_align",
    "versions_align",
]

#: Pairs below this similarity are not the same article.
MATCH_THRESHOLD = 0.5
#: A pair that keeps the order of the surrounding pairs may be a little less similar.
ORDERED_MATCH_THRESHOLD = 0.4
#: Pairs at least this similar are taken first, even when they moved out of order.
STRONG_MATCH = 0.8
#: An in-order pair also matches when this share of the shorter text is found in the other
#: (an article that gained or lost a paragraph) ...
CONTAINMENT_THRESHOLD = 0.7
#: ... provided the shorter text has at least this many characters and the texts are
#: not too unlike overall (a short new article carved out of a long old one is not it).
CONTAINMENT_MIN_LENGTH = 20
CONTAINMENT_MIN_RATIO = 0.3
#: How much a containment counts against a ratio when choosing between candidates.
CONTAINMENT_WEIGHT = 0.8
#: Equal runs this short between two edits are folded into the edit, so that a diff
#: reads as whole phrases rather than scattered characters.
DIFF_MIN_EQUAL = 2


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


def articles_align(
    old_articles: Sequence[_ArticleLike], new_articles: Sequence[_ArticleLike]
) -> list[ArticleChange]:
    """Align two lists of articles (each in number order); rows follow the new order."""
    old_norm = [normalise(article.text) for article in old_articles]
    new_norm = [normalise(article.text) for article in new_articles]
    pairs: dict[int, int] = {}  # old index -> new index
    similarity: dict[int, float] = {}

    # 1. Identical texts; when a text occurs more than once, the nearest number wins.
    by_text: dict[str, list[int]] = defaultdict(list)
    for j, text in enumerate(new_norm):
        by_text[text].append(j)
    used_new: set[int] = set()
    for i, text in enumerate(old_norm):
        free = [j for j in by_text.get(text, ()) if j not in used_new]
        if free:
            number = old_articles[i].number
            j = min(free, key=lambda k: abs(new_articles[k].number - number))
            pairs[i] = j
            similarity[i] = 1.0
            used_new.add(j)

    # 2. Similar texts. Near-identical pairs first; then, with the pairs so far as order
    # anchors, pairs that keep the order (which may be less similar, or extend the old
    # text); last, similar pairs that moved out of order.
    candidates = _similar_candidates(old_norm, new_norm, set(pairs), used_new)

    def take(selected: list[_Candidate]) -> None:
        for candidate in selected:
            if candidate.i not in pairs and candidate.j not in used_new:
                pairs[candidate.i] = candidate.j
                similarity[candidate.i] = candidate.ratio
                used_new.add(candidate.j)

    anchors = _order_anchors(pairs)
    take(
        sorted(
            (c for c in candidates if c.ratio >= STRONG_MATCH),
            key=lambda c: (not _fits(c, anchors, len(new_articles)), -c.ratio, c.distance),
        )
    )
    anchors = _order_anchors(pairs)
    take(
        sorted(
            (
                c
                for c in candidates
                if (c.ratio >= ORDERED_MATCH_THRESHOLD or c.containment >= CONTAINMENT_THRESHOLD)
                and _fits(c, anchors, len(new_articles))
            ),
            key=lambda c: (-max(c.ratio, c.containment * CONTAINMENT_WEIGHT), c.distance),
        )
    )
    take(
        sorted(
            (c for c in candidates if c.ratio >= MATCH_THRESHOLD),
            key=lambda c: (-c.ratio, c.distance),
        )
    )

    # 3. Rows: new order, each removed article after the row of its nearest paired predecessor.
    rows: list[tuple[tuple[int, int, int], ArticleChange]] = []
    for i, j in pairs.items():
        old, new = old_articles[i], new_articles[j]
        if old_norm[i] == new_norm[j]:
            status = ChangeStatus.UNCHANGED if old.number == new.number else ChangeStatus.MOVED
            change = ArticleChange(old, new, status, 1.0)
        else:
            change = ArticleChange(
                old, new, ChangeStatus.CHANGED, similarity[i], text_diff(old.text, new.text)
            )
        rows.append(((j, 0, i), change))
    for j, new in enumerate(new_articles):
        if j not in used_new:
            rows.append(((j, 0, -1), ArticleChange(None, new, ChangeStatus.ADDED, 0.0)))
    previous_new = -1
    for i, old in enumerate(old_articles):
        if i in pairs:
            previous_new = pairs[i]
        else:
            rows.append(((previous_new, 1, i), ArticleChange(old, None, ChangeStatus.REMOVED, 0.0)))
    rows.sort(key=lambda row: row[0])
    return [change for _key, change in rows]


@dataclass(frozen=True)
class _Candidate:
    i: int
    j: int
    ratio: float
    containment: float

    @property
    def distance(self) -> int:
        return abs(self.i - self.j)


def _similar_candidates(
    old_norm: list[str], new_norm: list[str], paired_old: set[int], paired_new: set[int]
) -> list[_Candidate]:
    """Unpaired (old, new) pairs similar enough to be considered, pruned by cheap bounds."""
    candidates = []
    matcher = difflib.SequenceMatcher(autojunk=False)
    free_old = [i for i in range(len(old_norm)) if i not in paired_old]
    for j, new_text in enumerate(new_norm):
        if j in paired_new or not new_text:
            continue
        matcher.set_seq2(new_text)
        for i in free_old:
            old_text = old_norm[i]
            if not old_text:
                continue
            total, shorter = len(old_text) + len(new_text), min(len(old_text), len(new_text))
            matcher.set_seq1(old_text)
            bound = matcher.quick_ratio()
            can_contain = (
                shorter >= CONTAINMENT_MIN_LENGTH
                and bound * total / 2 / shorter >= CONTAINMENT_THRESHOLD
            )
            if bound < CONTAINMENT_MIN_RATIO or (
                bound < ORDERED_MATCH_THRESHOLD and not can_contain
            ):
                continue
            ratio = matcher.ratio()
            matched = ratio * total / 2
            containment = (
                matched / shorter
                if shorter >= CONTAINMENT_MIN_LENGTH and ratio >= CONTAINMENT_MIN_RATIO
                else 0.0
            )
            if ratio >= ORDERED_MATCH_THRESHOLD or containment >= CONTAINMENT_THRESHOLD:
                candidates.append(_Candidate(i, j, ratio, containment))
    return candidates


def _order_anchors(pairs: dict[int, int]) -> list[tuple[int, int]]:
    """The longest run of pairs whose new positions increase with the old ones."""
    ordered = sorted(pairs.items())
    tails: list[int] = []  # smallest new index ending a run of each length
    tail_at: list[int] = []  # position in ``ordered`` of that tail
    previous = [-1] * len(ordered)
    for position, (_i, j) in enumerate(ordered):
        length = bisect.bisect_left(tails, j)
        if length == len(tails):
            tails.append(j)
            tail_at.append(position)
        else:
            tails[length] = j
            tail_at[length] = position
        previous[position] = tail_at[length - 1] if length > 0 else -1
    run = []
    position = tail_at[-1] if tail_at else -1
    while position != -1:
        run.append(ordered[position])
        position = previous[position]
    return run[::-1]


def _fits(candidate: _Candidate, anchors: list[tuple[int, int]], new_count: int) -> bool:
    """Whether the pair lies between the anchors around its old article, keeping the order."""
    position = bisect.bisect_left(anchors, (candidate.i, -1))
    low = anchors[position - 1][1] if position > 0 else -1
    high = anchors[position][1] if position < len(anchors) else new_count
    return low < candidate.j < high


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
