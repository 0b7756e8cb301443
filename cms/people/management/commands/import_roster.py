"""Import an HR roster (xlsx or csv) of people.

Usage:
    manage.py import_roster FILE [--dry-run] [--deactivate-missing]

Every row is checked first; if any row is wrong, each error is printed on its own line,
nothing is written and the command exits non-zero. ``--deactivate-missing`` deactivates
(never deletes) people of the units named in the file who are absent from it.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cms.people.services import roster_import


class Command(BaseCommand):
    help = "导入人员花名册（xlsx 或 csv）。"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入。")
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help="停用文件所列单位中未出现在文件里的人员（不删除）。",
        )

    def handle(self, *args, file: Path, dry_run: bool, deactivate_missing: bool, **options):
        try:
            handle = file.open("rb")
        except OSError as exc:
            raise CommandError(_("无法打开文件：%(error)s") % {"error": exc}) from exc
        with handle:
            result = roster_import(
                file=handle,
                filename=file.name,
                dry_run=dry_run,
                deactivate_missing=deactivate_missing,
            )
        if result.errors:
            for error in result.errors:
                self.stdout.write(str(error))
            raise CommandError(
                _("花名册有 %(count)s 处错误，未写入任何数据。") % {"count": len(result.errors)}
            )
        prefix = _("试运行（未写入）：") if dry_run else ""
        self.stdout.write(
            prefix
            + _(
                "新增 %(created)s 人，更新 %(updated)s 人，未变 %(unchanged)s 人，停用 %(deactivated)s 人。"
            )
            % result.counts()
        )
