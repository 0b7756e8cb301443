"""Import questions from a spreadsheet (xlsx/csv), Moodle GIFT, Moodle XML or Aiken file.

Usage: manage.py import_questions FILE [--topic TOPIC] [--citation CITATION] [--dry-run]

The format is detected from the file. Questions without a citation (or whose citation does
not resolve) are imported as drafts (待补充法条), never drawn into papers; ``--citation`` gives
the citation for questions that cite nothing. ``--topic`` fills questions without a category;
categories the file names that do not exist are created under it (or at the root).

Prints ``imported N, skipped M, errors K`` (with the drafts and warnings when there are any),
then one line per draft, warning (possible duplicate), detail not kept, created category,
skipped question and error; exits with status 1 when there are errors (and then writes
nothing at all).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from exams.services import questions_import, topic_by_path


class Command(BaseCommand):
    help = "Import questions (spreadsheet template, GIFT, Moodle XML, Aiken)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--topic", help="topic name or path for questions that name none")
        parser.add_argument(
            "--citation", default="", help="citation for questions that cite no article"
        )
        parser.add_argument("--dry-run", action="store_true", help="validate only, write nothing")

    def handle(self, *args, file: Path, topic: str | None, citation: str, dry_run: bool, **options):
        if not file.is_file():
            raise CommandError(f"no such file: {file}")
        topic_obj = None
        if topic:
            topic_obj = topic_by_path(topic)
            if topic_obj is None:
                raise CommandError(f"unknown topic: {topic}")
        report = questions_import(
            data=file.read_bytes(),
            filename=file.name,
            topic=topic_obj,
            dry_run=dry_run,
            default_citation=citation,
        )
        self.stdout.write(report.summary + (" (dry run: nothing written)" if dry_run else ""))
        for path in report.created_topics:
            self.stdout.write(f"new topic: {path}")
        for kind, lines in (
            ("draft", report.draft_reasons),
            ("warning", report.warnings),
            ("not kept", report.not_kept),
            ("skipped", report.skipped),
            ("error", report.errors),
        ):
            for line in lines:
                self.stdout.write(f"{kind} {line.position}: {line.message}")
        if report.errors:
            raise SystemExit(1)
