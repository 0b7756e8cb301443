"""Import offline training attendance (study hours) from an xlsx/csv file.

Usage: manage.py import_training FILE [--dry-run]

Columns: 工号, 姓名 (optional, checked), 培训名称, 日期, 学时, 类别 (线下培训 / 轮训). Every row
is checked first; if any row fails, the errors are listed by row and nothing is written.
Rows imported before are skipped, so running it twice with the same file adds nothing.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from learning.services import offline_training_import


class Command(BaseCommand):
    help = "导入线下培训学时（xlsx/csv）；有任何错误则不写入。"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入。")

    def handle(self, *args, file: Path, dry_run: bool, **options):
        if not file.exists():
            raise CommandError(f"文件不存在：{file}")
        with file.open("rb") as handle:
            result = offline_training_import(file=handle, filename=file.name, dry_run=dry_run)
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(f"发现 {len(result.errors)} 处错误，未写入任何数据。")
        counts = result.counts()
        if dry_run:
            self.stdout.write(f"检查通过：将新增 {counts['new']} 条，已有 {counts['already']} 条。")
        else:
            self.stdout.write(
                f"已导入 {counts['created']} 条学时记录；{counts['already']} 条已存在，未重复计入。"
            )
