"""Import the law library from a directory of law texts.

Usage::

    manage.py import_laws [DIR] [--dry-run]

DIR holds ``manifest.csv`` and one Markdown file per law version (default:
``settings.SHARED_DIR / "laws"``). Running it again updates in place; nothing is duplicated.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cms.laws.parser import LawParseError
from cms.laws.services import LawImportError, law_library_import


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("directory", nargs="?", type=Path, default=None)
        parser.add_argument(
            "--dry-run", action="store_true", help="Parse and check everything, write nothing."
        )

    def handle(self, *args, directory=None, dry_run=False, **options):
        directory = directory or Path(settings.SHARED_DIR) / "laws"
        try:
            report = law_library_import(directory=directory, stdout=self.stdout, dry_run=dry_run)
        except (LawImportError, LawParseError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"laws created: {report.laws_created}, versions created: {report.versions_created}, "
            f"updated: {report.versions_updated}; articles created: {report.articles_created}, "
            f"updated: {report.articles_updated}, deleted: {report.articles_deleted}"
            + (" (dry run, nothing written)" if dry_run else "")
        )
