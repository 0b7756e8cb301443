"""Import the library's policy documents (the city's implementation plan, …).

Usage::

    manage.py import_policies [DIR] [--dry-run]

Each document listed in ``cms.laws.policies.POLICY_DOCUMENTS`` is read from its text file
under DIR (default: ``settings.SHARED_DIR``) and stored by part, section and item, citable
like an article. Running it again updates in place; nothing is duplicated.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cms.laws.parser import LawParseError
from cms.laws.services import LawImportError, policy_documents_import


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("directory", nargs="?", type=Path, default=None)
        parser.add_argument(
            "--dry-run", action="store_true", help="Parse and check everything, write nothing."
        )

    def handle(self, *args, directory=None, dry_run=False, **options):
        directory = directory or Path(settings.SHARED_DIR)
        try:
            report = policy_documents_import(
                base_dir=directory, stdout=self.stdout, dry_run=dry_run
            )
        except (LawImportError, LawParseError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"documents created: {report.laws_created}, versions created: "
            f"{report.versions_created}, updated: {report.versions_updated}; units created: "
            f"{report.articles_created}, updated: {report.articles_updated}, deleted: "
            f"{report.articles_deleted}" + (" (dry run, nothing written)" if dry_run else "")
        )
