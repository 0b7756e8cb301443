"""Load the demo courses built from the real law texts and the implementation plan.

Usage: ``manage.py import_laws`` first, then ``manage.py load_demo_courses``.
Idempotent: pages that already exist (by slug) are left untouched.
"""

from django.core.management.base import BaseCommand, CommandError

from cms.courses.demo import DemoContentError, demo_courses_load


class Command(BaseCommand):
    help = "创建演示课程（宪法、行政法律制度、依法行政实施方案）。需先导入法律法规库。"

    def handle(self, *args, **options):
        try:
            counts = demo_courses_load(stdout=self.stdout)
        except DemoContentError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                "新建：首页 {home}，课程中心 {course_index}，课程 {courses}，课节 {lessons}".format(
                    **counts
                )
            )
        )
