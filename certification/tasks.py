"""Background work of the certification app (django-tasks; database backend in production)."""

from django_tasks import task

from .services import batch_job_run, credentials_expire_due


@task()
def batch_job_task(job_id: int) -> dict:
    """Run a ``BatchJob`` (annual review or batch PDFs); progress goes to its row."""
    return batch_job_run(job_id)


@task()
def expire_credentials_task() -> int:
    """Record the expiry of every credential past its validity (enqueue daily)."""
    return credentials_expire_due()
