"""Delete private files past their retention period (run hourly from cron).

Usage::

    manage.py purge_private_files             # files older than PRIVATE_FILE_RETENTION_DAYS
    manage.py purge_private_files --dry-run   # list what would go, change nothing
    manage.py purge_private_files --days 2    # a shorter period for this run

Removes the files of background jobs (HR exports, certificate and card zips) that finished
before the cutoff, keeping each job row with a note that its file expired; stray files of the
jobs directory; and uploads (rosters, training records, candidate lists, question banks)
kept for confirmation but never confirmed.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from certification.services.batches import job_files_purge
from cms.private_files import retention_cutoff
from cms.uploads import pending_uploads_purge


class Command(BaseCommand):
    help = "Delete private files (exports, batch zips, pending imports) past their retention."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List, delete nothing.")
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Retention in days for this run (default: PRIVATE_FILE_RETENTION_DAYS).",
        )

    def handle(self, *args, dry_run: bool, days: int | None, **options):
        if days is not None and days < 0:
            raise CommandError("--days must be zero or more.")
        if days is None:
            days = settings.PRIVATE_FILE_RETENTION_DAYS
        cutoff = retention_cutoff(days=days)
        jobs = job_files_purge(cutoff=cutoff, dry_run=dry_run)
        imports = pending_uploads_purge(cutoff=cutoff, dry_run=dry_run)
        verb = "would delete" if dry_run else "deleted"
        for pk in jobs.jobs:
            self.stdout.write(f"job #{pk}: file {verb}")
        for name in [*jobs.orphans, *imports]:
            self.stdout.write(f"{name}: {verb}")
        self.stdout.write(
            f"{verb} (older than {days} days): {len(jobs.jobs)} job files, "
            f"{len(jobs.orphans)} stray files, {len(imports)} pending imports"
        )
