"""Create the reminders due today and e-mail them (run daily, e.g. from cron or the scheduler).

Usage::

    manage.py send_reminders              # every registered reminder, then the e-mails
    manage.py send_reminders --no-mail    # in-site notifications only
    manage.py send_reminders --dry-run    # count what would be created, change nothing

The reminders come from the domain apps (exams closing, hours short, credentials suspended or
expiring, results released), each registered in its AppConfig.ready(); each event reaches a
person once however often this runs. The django-tasks task ``cms.people.tasks.
send_reminders_task`` does the same on the worker.
"""

from django.core.management.base import BaseCommand

from cms.people.notifications import reminders_run


class Command(BaseCommand):
    help = "Create the due reminders (in-site notifications) and e-mail the new ones."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count only; write nothing.")
        parser.add_argument("--no-mail", action="store_true", help="Do not send e-mails.")

    def handle(self, *args, **options):
        run = reminders_run(dry_run=options["dry_run"], mail=not options["no_mail"])
        prefix = "（试运行，未保存）" if options["dry_run"] else ""
        for name, count in run.created.items():
            self.stdout.write(f"{prefix}{name}：新提醒 {count} 条")
        for name in run.failed:
            self.stderr.write(f"{name}：出错，见日志")
        if run.mail is not None:
            self.stdout.write(
                f"邮件：发出 {run.mail.sent} 封（{run.mail.notifications} 条提醒），"
                f"失败 {run.mail.failed} 封"
            )
