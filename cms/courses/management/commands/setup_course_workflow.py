"""Create or repair the course author/reviewer groups and the "课程审核" workflow.

Usage: ``manage.py setup_course_workflow`` (idempotent; run again after adding a course index).
"""

from django.core.management.base import BaseCommand

from cms.courses.services import course_workflow_setup


class Command(BaseCommand):
    help = "设置课程作者、课程审核员用户组及“课程审核”工作流。"

    def handle(self, *args, **options):
        workflow = course_workflow_setup()
        self.stdout.write(self.style.SUCCESS(f"工作流“{workflow.name}”已就绪。"))
