"""Reads of the law library for the front office (each a fixed number of queries)."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Case, Count, Q, QuerySet, Value, When

from .alignment import ArticleChange, ChangeStatus, DiffSegment, UnitChange
from .models import (
    Article,
    ArticleCorrespondence,
    Law,
    LawVersion,
    ParagraphCorrespondence,
    VersionAlignment,
)
from .policies import POLICY_CATEGORY, part_anchor, section_anchor, unit_path

#: Categories in the order of the legal hierarchy; others follow alphabetically.
MAX_TERM_LENGTH = 40
CATEGORY_ORDER = ["宪法", "宪法相关法", "行政法", "行政法规", "地方性法规", POLICY_CATEGORY]


@dataclass
class Section:
    title: str
    articles: list[Article] = field(default_factory=list)


@dataclass
class Chapter:
    title: str
    sections: list[Section] = field(default_factory=list)

    @property
    def articles(self) -> list[Article]:
        return [article for section in self.sections for article in section.articles]


@dataclass
class PolicyUnit:
    """A citable unit of a policy document as the page shows it (sub-items indented)."""

    article: Article
    is_sub_item: bool


@dataclass
class PolicySection:
    title: str
    anchor: str
    units: list[PolicyUnit] = field(default_factory=list)

    @property
    def shows_heading(self) -> bool:
        """A section whose first unit is the section itself starts with its own text (the
        heading is that text's first sentence), so no separate heading is shown."""
        return not self.units or unit_path(self.units[0].article.number)[2] != 0


@dataclass
class PolicyPart:
    title: str
    anchor: str
    sections: list[PolicySection] = field(default_factory=list)


@dataclass
class Comparison:
    old: LawVersion
    new: LawVersion
    changes: list[ArticleChange]
    counts: dict[ChangeStatus, int]


def laws_by_category() -> list[tuple[str, list[Law]]]:
    """Every law with its current version (date, article count), grouped by category."""
    laws = Law.objects.annotate(
        article_count=Count("versions__articles", filter=Q(versions__is_current=True)),
        version_count=Count("versions", distinct=True),
    ).order_by("title")
    current_dates = dict(
        LawVersion.objects.filter(is_current=True).values_list("law_id", "version_date")
    )
    groups: dict[str, list[Law]] = {}
    for law in laws:
        law.current_date = current_dates.get(law.pk)
        groups.setdefault(law.category, []).append(law)

    def rank(category: str) -> tuple[int, str]:
        order = (
            CATEGORY_ORDER.index(category) if category in CATEGORY_ORDER else len(CATEGORY_ORDER)
        )
        return order, category

    return [(category, groups[category]) for category in sorted(groups, key=rank)]


def law_version_get(*, key: str, version_date: datetime.date | None = None) -> LawVersion | None:
    """The named version of a law, or its current version; ``None`` if there is none."""
    versions = LawVersion.objects.select_related("law").filter(law__key=key)
    if version_date is None:
        return versions.filter(is_current=True).first()
    return versions.filter(version_date=version_date).first()


def law_versions(law: Law) -> list[LawVersion]:
    """All versions of a law, newest first."""
    return list(law.versions.order_by("-version_date"))


def version_chapters(version: LawVersion) -> list[Chapter]:
    """The version's articles grouped by chapter and section, in order (one query)."""
    chapters: list[Chapter] = []
    for article in version.articles.order_by("number"):
        article.version = version  # saves a query per get_absolute_url()
        if not chapters or chapters[-1].title != article.chapter:
            chapters.append(Chapter(article.chapter))
        chapter = chapters[-1]
        if not chapter.sections or chapter.sections[-1].title != article.section:
            chapter.sections.append(Section(article.section))
        chapter.sections[-1].articles.append(article)
    return chapters


def policy_outline(version: LawVersion) -> list[PolicyPart]:
    """A policy document's units grouped by part and section, in order (one query)."""
    parts: list[PolicyPart] = []
    for article in version.articles.order_by("number"):
        article.version = version  # saves a query per get_absolute_url()
        part, section, _item, sub_item = unit_path(article.number)
        if not parts or parts[-1].anchor != part_anchor(part):
            parts.append(PolicyPart(title=article.chapter, anchor=part_anchor(part)))
        sections = parts[-1].sections
        anchor = section_anchor(part, section)
        if not sections or sections[-1].anchor != anchor:
            sections.append(PolicySection(title=article.section, anchor=anchor))
        sections[-1].units.append(PolicyUnit(article=article, is_sub_item=bool(sub_item)))
    return parts


def articles_search(*, query: str, all_versions: bool = False) -> QuerySet[Article]:
    """Articles whose text contains every whitespace-separated term of ``query``.

    A substring match (``LIKE '%…%'``), so a term is found inside Chinese text without any
    segmentation: "行政处罚" finds "依法实施行政处罚的". On PostgreSQL a trigram index
    serves it (migration ``0004_article_trigram``). The articles of a law whose name
    contains a term come first (行政处罚法 for "行政处罚"), then the library's order.
    """
    terms = search_terms(query)
    if not terms:
        return Article.objects.none()
    articles = Article.objects.select_related("version__law")
    if not all_versions:
        articles = articles.filter(version__is_current=True)
    for term in terms:
        articles = articles.filter(text__icontains=term)
    title_hits = sum(
        (
            Case(When(version__law__title__icontains=term, then=Value(1)), default=Value(0))
            for term in terms
        ),
        start=Value(0),
    )
    return articles.annotate(title_hits=title_hits).order_by(
        "-title_hits",
        "version__law__category",
        "version__law__title",
        "-version__version_date",
        "number",
    )


def search_terms(query: str) -> list[str]:
    """Distinct terms of a search query, longest first (so highlighting prefers them), each
    cut to ``MAX_TERM_LENGTH`` characters."""
    terms = {term[:MAX_TERM_LENGTH] for term in (query or "").split()}
    return sorted(terms, key=len, reverse=True)[:10]


def versions_compare(*, law: Law, old: LawVersion, new: LawVersion) -> Comparison:
    """The article-by-article comparison of two versions with a count per status."""
    changes = stored_alignment(old=old, new=new)
    counted = Counter(change.status for change in changes)
    counts = {status: counted.get(status, 0) for status in ChangeStatus}
    return Comparison(old=old, new=new, changes=changes, counts=counts)


def stored_alignment(*, old: LawVersion, new: LawVersion) -> list[ArticleChange]:
    """The stored alignment of two versions (three queries), in the comparison's row order.

    Stored when a version is imported; a pair never aligned before (two versions compared
    across a version in between, or data older than the stored alignments) is aligned and
    stored on first use.
    """
    alignment = VersionAlignment.objects.filter(old_version=old, new_version=new).first()
    if alignment is None:
        from .services import version_alignment_store

        alignment = version_alignment_store(old=old, new=new)
    versions = {old.pk: old, new.pk: new}
    rows = list(
        ArticleCorrespondence.objects.filter(alignment=alignment).select_related(
            "old_article", "new_article"
        )
    )
    paragraphs = ParagraphCorrespondence.objects.filter(alignment=alignment).select_related(
        "old_article", "new_article"
    )
    parts_of: dict[int, list[UnitChange]] = {}
    incoming: dict[int, list[UnitChange]] = {}
    for row in paragraphs:
        for article in (row.old_article, row.new_article):
            if article is not None:
                article.version = versions[article.version_id]
        part = UnitChange(
            row.old_article,
            row.old_paragraph,
            row.old_item,
            row.new_article,
            row.new_paragraph,
            row.new_item,
            row.similarity,
        )
        parts_of.setdefault(row.old_article_id, []).append(part)
        if row.new_article_id is not None:
            incoming.setdefault(row.new_article_id, []).append(part)
    changes = []
    for row in rows:
        for article in (row.old_article, row.new_article):
            if article is not None:
                article.version = versions[article.version_id]
        if row.old_article_id is not None:
            parts = parts_of.get(row.old_article_id, [])
        else:
            parts = [p for p in incoming.get(row.new_article_id, []) if p.old is not None]
        changes.append(
            ArticleChange(
                row.old_article,
                row.new_article,
                ChangeStatus(row.status),
                row.similarity,
                tuple(DiffSegment(kind, text) for kind, text in row.diff),
                tuple(parts),
            )
        )
    return changes


def current_counterparts(articles: list[Article]) -> dict[int, Article | None]:
    """For articles of superseded versions: the article of the law's current version that
    carries each on (``None``: not kept), from the stored alignments; queries do not grow with
    the number of articles (two). Articles of current versions, or of a pair never aligned, are
    left out."""
    old = [a for a in articles if not a.version.is_current]
    if not old:
        return {}
    alignments = VersionAlignment.objects.filter(
        old_version__in={a.version_id for a in old}, new_version__is_current=True
    ).values_list("pk", flat=True)
    rows = ArticleCorrespondence.objects.filter(
        alignment__in=list(alignments), old_article__in=[a.pk for a in old]
    ).select_related("new_article__version__law")
    return {row.old_article_id: row.new_article for row in rows}
