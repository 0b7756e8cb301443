"""Record the courses assigned to each person for a year (by audience and unit).

Usage: manage.py assign_courses [--year YYYY]

Idempotent; run at the start of each year (or whenever audiences change).
"""

from django.core.management.base import BaseCommand

from learning.selectors import local_year
from learning.services import course_assignments_sync


class Command(BaseCommand):
    help = "按适用对象和单位为每人指派本年度课程。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=None)

    def handle(self, *args, year: int | None, **options):
        year = year or local_year()
        added = course_assignments_sync(year=year)
        self.stdout.write(f"{year} 年度新增指派 {added} 条。")
