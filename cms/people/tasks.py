"""Background work of the people app (django-tasks; database backend in production)."""

from django_tasks import task

from .notifications import reminders_run


@task()
def send_reminders_task() -> dict:
    """Create the due reminders and e-mail the new ones (enqueue daily)."""
    run = reminders_run()
    return {
        "created": run.created,
        "failed": list(run.failed),
        "mailed": run.mail.sent if run.mail else 0,
        "mail_failed": run.mail.failed if run.mail else 0,
    }
