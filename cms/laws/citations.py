"""Citations of law articles: ``行政许可法第四十二条``, ``《中华人民共和国行政许可法》第42条``,
``行政复议法（2017）第九条``, ``行政复议法(2017-09-01)第九条``.

Several citations may be separated by ``；``, ``;``, ``、`` or line breaks; a citation without a
law name (``行政许可法第四十二条、第四十三条``) refers to the law named before it. Without a
version the current version is meant. ``citation_format`` writes the canonical form that
``citations_resolve`` reads back, so exported questions re-import to the same articles.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import Article, Law, LawVersion
from .numerals import chinese_to_int, int_to_chinese
from .services import TITLE_PREFIX

CITATION_UNRECOGNISED = _("无法识别的法条引用：“%(text)s”")
CITATION_NO_LAW = _("“%(text)s”没有写明法律名称")
LAW_UNKNOWN = _("法律法规库中没有“%(law)s”")
VERSION_UNKNOWN = _("%(law)s没有（%(version)s）这个版本")
VERSION_AMBIGUOUS = _("%(law)s在%(version)s有多个版本，请写明日期，如（%(example)s）")
ARTICLE_UNKNOWN = _("%(law)s没有%(label)s")
CITATION_EMPTY = _("没有法条引用")

SEPARATORS_RE = re.compile(r"[；;、\r\n]+")
FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９－", "0123456789-")
CITATION_RE = re.compile(
    r"""^《?(?P<law>[^《》第]*?)》?
        (?:[（(]\s*(?P<version>\d{4}(?:-\d{1,2}-\d{1,2})?)\s*[)）])?
        第(?P<number>[0-9]+|[零〇一二三四五六七八九十百千两]+)条$""",
    re.VERBOSE,
)


class CitationError(ValueError):
    """One or more citations could not be read or resolved; ``errors`` lists each problem."""

    def __init__(self, errors: list[str]):
        self.errors = [str(error) for error in errors]
        super().__init__("；".join(self.errors))


@dataclass(frozen=True)
class Citation:
    """A parsed citation; ``version`` is ``None`` (current), ``"2017"`` or ``"2017-09-01"``."""

    law: str
    number: int
    version: str | None = None
    source: str = ""

    @property
    def label(self) -> str:
        return f"第{int_to_chinese(self.number)}条"


def _law_name(name: str) -> str:
    return name.strip().removeprefix(TITLE_PREFIX).strip()


def citation_parse(text: str) -> list[Citation]:
    """Split ``text`` into citations; raise ``CitationError`` naming the unreadable parts."""
    citations, errors = [], []
    previous_law = ""
    for raw in SEPARATORS_RE.split(text or ""):
        piece = "".join(raw.split()).translate(FULLWIDTH_DIGITS)
        if not piece:
            continue
        match = CITATION_RE.match(piece)
        number = None
        if match:
            try:
                number = chinese_to_int(match["number"])
            except ValueError:
                number = None
        if not match or not number:
            errors.append(CITATION_UNRECOGNISED % {"text": raw.strip()})
            continue
        law = _law_name(match["law"]) or previous_law
        if not law:
            errors.append(CITATION_NO_LAW % {"text": raw.strip()})
            continue
        previous_law = law
        citations.append(
            Citation(law=law, number=number, version=match["version"], source=raw.strip())
        )
    if errors:
        raise CitationError(errors)
    return citations


def citations_resolve(text: str) -> list[Article]:
    """The articles cited in ``text``, in order, duplicates removed.

    Raises ``CitationError`` listing every citation that names an unknown law, version or
    article (or that cannot be read), and when ``text`` cites nothing at all.
    """
    return CitationResolver().resolve(text)


class CitationResolver:
    """Resolves many citation texts with few queries: laws and versions are read once, and the
    articles of each version once, so that importing thousands of questions stays fast."""

    def __init__(self) -> None:
        self._laws: dict[str, Law] | None = None
        self._versions: dict[int, list[LawVersion]] = {}
        self._articles: dict[int, dict[int, Article]] = {}

    def _load_laws(self) -> dict[str, Law]:
        if self._laws is None:
            self._laws = {law.short_title: law for law in Law.objects.all()}
            for version in LawVersion.objects.select_related("law").order_by("-version_date"):
                self._versions.setdefault(version.law_id, []).append(version)
        return self._laws

    def _article(self, version: LawVersion, number: int) -> Article | None:
        if version.pk not in self._articles:
            self._articles[version.pk] = {
                article.number: article
                for article in Article.objects.filter(version=version).select_related(
                    "version__law"
                )
            }
        return self._articles[version.pk].get(number)

    def resolve(self, text: str) -> list[Article]:
        citations = citation_parse(text)
        if not citations:
            raise CitationError([CITATION_EMPTY])
        laws = self._load_laws()
        errors: list[str] = []
        articles: list[Article] = []
        for citation in citations:
            law = laws.get(citation.law)
            if law is None:
                errors.append(LAW_UNKNOWN % {"law": citation.law})
                continue
            version = _version_pick(citation, law, self._versions.get(law.pk, []), errors)
            if version is None:
                continue
            article = self._article(version, citation.number)
            if article is None:
                name = citation.law if version.is_current else f"{citation.law}（{citation.version}）"
                errors.append(ARTICLE_UNKNOWN % {"law": name, "label": citation.label})
            elif article not in articles:
                articles.append(article)
        if errors:
            raise CitationError(errors)
        return articles


def _version_pick(
    citation: Citation, law: Law, versions: list[LawVersion], errors: list[str]
) -> LawVersion | None:
    if citation.version is None:
        current = [version for version in versions if version.is_current]
        if not current:
            errors.append(VERSION_UNKNOWN % {"law": citation.law, "version": _("现行")})
            return None
        return current[0]
    if "-" in citation.version:
        try:
            wanted_date = datetime.date.fromisoformat(
                "-".join(part.zfill(2) for part in citation.version.split("-"))
            )
        except ValueError:
            wanted_date = None
        matches = [version for version in versions if version.version_date == wanted_date]
    else:
        matches = [
            version for version in versions if version.version_date.year == int(citation.version)
        ]
    if len(matches) == 1:
        return matches[0]
    if matches:
        errors.append(
            VERSION_AMBIGUOUS
            % {
                "law": citation.law,
                "version": citation.version,
                "example": f"{matches[0].version_date:%Y-%m-%d}",
            }
        )
    else:
        errors.append(VERSION_UNKNOWN % {"law": citation.law, "version": citation.version})
    return None


def citation_format(article: Article) -> str:
    """Canonical citation: ``行政许可法第四十二条``, ``行政复议法（2017）第九条`` if not current.

    The year alone names the version unless the law has two versions in that year; then the
    full date is written.
    """
    version = article.version
    law = version.law
    if version.is_current:
        return f"{law.short_title}{article.label}"
    same_year = law.versions.filter(version_date__year=version.version_date.year).count()
    stamp = f"{version.version_date:%Y}" if same_year == 1 else f"{version.version_date:%Y-%m-%d}"
    return f"{law.short_title}（{stamp}）{article.label}"
