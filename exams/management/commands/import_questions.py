"""Import questions from a spreadsheet (xlsx/csv), Moodle GIFT, Moodle XML or Aiken file.

Usage: manage.py import_questions FILE [--topic TOPIC] [--dry-run]

The format is detected from the file. Prints ``imported N, skipped M, errors K`` and then one
line per skipped question or error; exits with status 1 when there are errors (and then writes
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
        parser.add_argument("--dry-run", action="store_true", help="validate only, write nothing")

    def handle(self, *args, file: Path, topic: str | None, dry_run: bool, **options):
        if not file.is_file():
            raise CommandError(f"no such file: {file}")
        topic_obj = None
        if topic:
            topic_obj = topic_by_path(topic)
            if topic_obj is None:
                raise CommandError(f"unknown topic: {topic}")
        report = questions_import(
            data=file.read_bytes(), filename=file.name, topic=topic_obj, dry_run=dry_run
        )
        self.stdout.write(report.summary + (" (dry run: nothing written)" if dry_run else ""))
        for line in report.skipped:
            self.stdout.write(f"skipped {line.position}: {line.message}")
        for line in report.errors:
            self.stdout.write(f"error {line.position}: {line.message}")
        if report.errors:
            raise SystemExit(1)
