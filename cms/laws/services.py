"""Writes of the law library: importing the official texts.

The library is filled only from the shared law files (``manifest.csv`` + one Markdown file
per version), so the import is the single place where laws, versions and articles change.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .alignment import articles_align
from .models import (
    Article,
    ArticleCorrespondence,
    Law,
    LawKind,
    LawVersion,
    ParagraphCorrespondence,
    VersionAlignment,
)
from .parser import ParsedLaw, law_file_parse
from .policies import POLICY_DOCUMENTS, PolicyDocumentSource, policy_text_parse
from .signals import law_version_added

MANIFEST_NAME = "manifest.csv"
MANIFEST_COLUMNS = ("law", "file", "title", "category", "first_adopted", "version_date")
TITLE_PREFIX = "中华人民共和国"

MANIFEST_MISSING = _("目录中没有 manifest.csv：%(path)s")
MANIFEST_BAD_COLUMNS = _("manifest.csv 缺少列：%(columns)s")
MANIFEST_BAD_ROW = _("manifest.csv 第 %(line)s 行：%(error)s")
TITLE_MISMATCH = _("%(file)s 的标题“%(found)s”与 manifest.csv 中的“%(expected)s”不一致")
ARTICLE_FIELDS = ("label", "chapter", "section", "text")


class LawImportError(Exception):
    """The law directory cannot be imported; nothing was written."""


@dataclass
class LawImportReport:
    """What one import run did (counts), and the versions that were new to the database."""

    laws_created: int = 0
    versions_created: int = 0
    versions_updated: int = 0
    articles_created: int = 0
    articles_updated: int = 0
    articles_deleted: int = 0
    articles_per_file: dict[str, int] = field(default_factory=dict)
    new_versions: list[LawVersion] = field(default_factory=list)
    #: Versions whose articles were created, changed or deleted by this run (their stored
    #: alignments are computed again).
    changed_versions: set[int] = field(default_factory=set)

    @property
    def changed(self) -> bool:
        return bool(
            self.laws_created
            or self.versions_created
            or self.versions_updated
            or self.articles_created
            or self.articles_updated
            or self.articles_deleted
        )


@dataclass(frozen=True)
class ManifestRow:
    law: str
    file: str
    title: str
    category: str
    first_adopted: datetime.date | None
    version_date: datetime.date
    kind: str = LawKind.LAW


def short_title_from(title: str) -> str:
    """``中华人民共和国行政许可法`` -> ``行政许可法``; other titles stay as they are."""
    return title.removeprefix(TITLE_PREFIX) or title


def manifest_read(directory: Path) -> list[ManifestRow]:
    """Read and check ``manifest.csv``; raise ``LawImportError`` naming the bad line."""
    path = Path(directory) / MANIFEST_NAME
    if not path.is_file():
        raise LawImportError(MANIFEST_MISSING % {"path": path})
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [column for column in MANIFEST_COLUMNS if column not in (reader.fieldnames or [])]
        if missing:
            raise LawImportError(MANIFEST_BAD_COLUMNS % {"columns": "、".join(missing)})
        rows = []
        for line, record in enumerate(reader, start=2):
            try:
                first = (record["first_adopted"] or "").strip()
                rows.append(
                    ManifestRow(
                        law=record["law"].strip(),
                        file=record["file"].strip(),
                        title=record["title"].strip(),
                        category=record["category"].strip(),
                        first_adopted=datetime.date.fromisoformat(first) if first else None,
                        version_date=datetime.date.fromisoformat(record["version_date"].strip()),
                    )
                )
            except (ValueError, AttributeError) as error:
                raise LawImportError(MANIFEST_BAD_ROW % {"line": line, "error": error}) from error
    return rows


def law_library_import(
    *, directory: Path, stdout: TextIO | None = None, dry_run: bool = False
) -> LawImportReport:
    """Import every law version listed in ``directory/manifest.csv``.

    Idempotent: rows are matched by law key, version date and article number and updated in
    place, so running it twice changes nothing. All-or-nothing per run. The newest version of
    each law becomes current. ``law_version_added`` is sent for each version new to the
    database that has a predecessor. With ``dry_run`` everything is rolled back and no signal
    is sent.
    """
    directory = Path(directory)
    rows = manifest_read(directory)
    parsed = {row.file: law_file_parse(directory / row.file) for row in rows}
    for row in rows:
        if parsed[row.file].title != row.title:
            raise LawImportError(
                TITLE_MISMATCH
                % {"file": row.file, "found": parsed[row.file].title, "expected": row.title}
            )

    return _rows_import(rows=rows, parsed=parsed, stdout=stdout, dry_run=dry_run)


def _rows_import(
    *,
    rows: list[ManifestRow],
    parsed: dict[str, ParsedLaw],
    stdout: TextIO | None,
    dry_run: bool,
) -> LawImportReport:
    report = LawImportReport()
    with transaction.atomic():
        laws: dict[str, Law] = {}
        for row in rows:
            if row.law not in laws:
                laws[row.law] = _law_store(row=row, report=report)
            version = _version_store(
                law=laws[row.law], row=row, parsed=parsed[row.file], report=report
            )
            count = len(parsed[row.file].articles)
            report.articles_per_file[row.file] = count
            if stdout is not None:
                stdout.write(f"{row.file}: {count} articles\n")
            del version
        _current_versions_mark(laws.values())
        if dry_run:
            transaction.set_rollback(True)
        else:
            _alignments_refresh(laws=laws.values(), changed=report.changed_versions)
            for version in report.new_versions:
                previous = (
                    LawVersion.objects.filter(
                        law=version.law, version_date__lt=version.version_date
                    )
                    .order_by("-version_date")
                    .first()
                )
                if previous is not None:
                    version.refresh_from_db(fields=["is_current"])
                    law_version_added.send(sender=LawVersion, version=version, previous=previous)
    return report


def policy_documents_import(
    *,
    base_dir: Path,
    documents: Iterable[PolicyDocumentSource] = POLICY_DOCUMENTS,
    stdout: TextIO | None = None,
    dry_run: bool = False,
) -> LawImportReport:
    """Import the library's policy documents (``cms.laws.policies.POLICY_DOCUMENTS``), each
    from its text file under ``base_dir`` (``settings.SHARED_DIR``).

    The same rules as ``law_library_import``: idempotent (units are matched by their place in
    the text, which their number encodes), all-or-nothing, the newest version current, and
    ``law_version_added`` sent for a revised text so that questions citing it are reviewed.
    """
    base_dir = Path(base_dir)
    documents = list(documents)
    rows, parsed = [], {}
    for document in documents:
        text = policy_text_parse((base_dir / document.path).read_text(encoding="utf-8"))
        if text.title != document.title:
            raise LawImportError(
                TITLE_MISMATCH
                % {"file": document.path, "found": text.title, "expected": document.title}
            )
        rows.append(
            ManifestRow(
                law=document.key,
                file=document.path,
                title=document.title,
                category=document.category,
                first_adopted=document.first_adopted,
                version_date=document.version_date,
                kind=LawKind.POLICY,
            )
        )
        parsed[document.path] = text
    return _rows_import(rows=rows, parsed=parsed, stdout=stdout, dry_run=dry_run)


def _law_store(*, row: ManifestRow, report: LawImportReport) -> Law:
    values = {
        "title": row.title,
        "short_title": short_title_from(row.title),
        "category": row.category,
        "first_adopted": row.first_adopted,
        "kind": row.kind,
    }
    law = Law.objects.filter(key=row.law).first()
    if law is None:
        law = Law(key=row.law, **values)
        report.laws_created += 1
    elif all(getattr(law, name) == value for name, value in values.items()):
        return law
    else:
        for name, value in values.items():
            setattr(law, name, value)
    law.full_clean()
    law.save()
    return law


def _version_store(
    *, law: Law, row: ManifestRow, parsed: ParsedLaw, report: LawImportReport
) -> LawVersion:
    values = {
        "source_file": row.file,
        "history": "\n".join(parsed.history),
        "preamble": "\n".join(parsed.preamble),
    }
    version = LawVersion.objects.filter(law=law, version_date=row.version_date).first()
    if version is None:
        version = LawVersion(law=law, version_date=row.version_date, **values)
        version.full_clean(validate_constraints=False)
        version.save()
        report.versions_created += 1
        report.new_versions.append(version)
    elif any(getattr(version, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(version, name, value)
        version.full_clean(validate_constraints=False)
        version.save(update_fields=list(values))
        report.versions_updated += 1
    _articles_store(version=version, parsed=parsed, report=report)
    return version


def _articles_store(*, version: LawVersion, parsed: ParsedLaw, report: LawImportReport) -> None:
    """Bring the version's articles in line with the file: create, update, delete by number."""
    existing = {article.number: article for article in version.articles.all()}
    to_create, to_update = [], []
    for item in parsed.articles:
        values = {name: getattr(item, name) for name in ARTICLE_FIELDS}
        article = existing.pop(item.number, None)
        if article is None:
            article = Article(version=version, number=item.number, **values)
            to_create.append(article)
        elif any(getattr(article, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(article, name, value)
            to_update.append(article)
        else:
            continue
        # The version link and uniqueness are left to the database: checking them per
        # row would cost a query per article.
        article.full_clean(exclude=["version"], validate_unique=False, validate_constraints=False)
    Article.objects.bulk_create(to_create, batch_size=200)
    Article.objects.bulk_update(to_update, ARTICLE_FIELDS, batch_size=200)
    if existing:
        Article.objects.filter(pk__in=[article.pk for article in existing.values()]).delete()
    if to_create or to_update or existing:
        report.changed_versions.add(version.pk)
    report.articles_created += len(to_create)
    report.articles_updated += len(to_update)
    report.articles_deleted += len(existing)


def _current_versions_mark(laws: Iterable[Law]) -> None:
    """The newest version of each law is current (cleared first: one current per law)."""
    for law in laws:
        newest = law.versions.order_by("-version_date").values_list("pk", flat=True).first()
        law.versions.exclude(pk=newest).filter(is_current=True).update(is_current=False)
        law.versions.filter(pk=newest, is_current=False).update(is_current=True)


def _alignments_refresh(*, laws: Iterable[Law], changed: set[int]) -> None:
    """Store the alignment of every pair of versions of each law (older -> newer) that has
    none yet or whose articles changed in this run."""
    for law in laws:
        versions = list(law.versions.order_by("version_date"))
        if len(versions) < 2:
            continue
        stored = set(
            VersionAlignment.objects.filter(old_version__law=law).values_list(
                "old_version_id", "new_version_id"
            )
        )
        for index, old in enumerate(versions):
            for new in versions[index + 1 :]:
                if (old.pk, new.pk) not in stored or {old.pk, new.pk} & changed:
                    version_alignment_store(old=old, new=new)


@transaction.atomic
def version_alignment_store(*, old: LawVersion, new: LawVersion) -> VersionAlignment:
    """Align two versions of a law (paragraphs and items included) and store the result,
    replacing what was stored for the pair."""
    VersionAlignment.objects.filter(old_version=old, new_version=new).delete()
    alignment = VersionAlignment.objects.create(old_version=old, new_version=new)
    changes = articles_align(list(old.articles.all()), list(new.articles.all()))
    ArticleCorrespondence.objects.bulk_create(
        ArticleCorrespondence(
            alignment=alignment,
            position=position,
            old_article=change.old,
            new_article=change.new,
            status=str(change.status),
            similarity=change.similarity,
            diff=[[segment.kind, segment.text] for segment in change.segments],
        )
        for position, change in enumerate(changes)
    )
    ParagraphCorrespondence.objects.bulk_create(
        ParagraphCorrespondence(
            alignment=alignment,
            old_article=part.old,
            old_paragraph=part.old_paragraph,
            old_item=part.old_item,
            new_article=part.new,
            new_paragraph=part.new_paragraph,
            new_item=part.new_item,
            similarity=part.similarity,
        )
        for change in changes
        if change.old is not None
        for part in change.parts
    )
    return alignment
