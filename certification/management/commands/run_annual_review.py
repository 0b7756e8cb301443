"""Run the annual review (年审) of enforcement credentials for a year.

Usage::

    manage.py run_annual_review --year 2026 --dry-run   # print outcomes and totals, change nothing
    manage.py run_annual_review --year 2026             # suspend / revoke as the review decides

Each credential gets one line: number, holder, exam, hours, verdict and reasons; then the
totals and the credentials due for renewal within CREDENTIAL_RENEWAL_WINDOW_DAYS.
Running it again for the same year skips the credentials already reviewed.
"""

from django.core.management.base import BaseCommand

from certification.services import annual_review_run
from certification.services.reviews import CONSEQUENCE_LABELS


class Command(BaseCommand):
    help = "Annual review of enforcement credentials (--dry-run changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, year: int, dry_run: bool, **options):
        report = annual_review_run(year=year, dry_run=dry_run)
        mode = "预演（不做任何修改）" if dry_run else "执行"
        self.stdout.write(f"{year} 年度执法证年审 · {mode}")
        for o in report.outcomes:
            exam = "考试合格" if o.exam_passed else "考试未通过"
            hours = f"学时 {o.hours_earned}/{o.hours_required}"
            reasons = "；".join(o.reasons) or "—"
            self.stdout.write(
                f"{o.number}\t{o.holder_name}\t{exam}\t{hours}\t"
                f"{CONSEQUENCE_LABELS[o.consequence]}\t{reasons}"
            )
        totals = report.totals
        self.stdout.write(
            "合计：年审 {reviewed}，合格 {passed}，不合格 {failed}（暂扣 {suspended}，吊销 "
            "{revoked}，维持暂扣 {kept_suspended}），已年审跳过 {skipped}，待换证 "
            "{renewal_due}".format(**totals)
        )
        for number, name, valid_until in report.renewal_due:
            self.stdout.write(f"待换证：{number}\t{name}\t有效期至 {valid_until.isoformat()}")
