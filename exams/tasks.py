"""Background work of the exam app (django-tasks, database backend in production)."""

from django_tasks import task

from .services import attempts_close_overdue
from .services.analysis import item_analysis_run
from .services.regrade_runs import regrade_run
from .services.wrong_book import session_book_reviews


@task()
def close_overdue_attempts_task() -> int:
    """Finalise every attempt whose time ran out, with the answers that were saved.

    Attempts are also finalised lazily when the candidate comes back; this catches those who
    never do, so that results and unit summaries are complete. Enqueue it periodically from a
    scheduler (or run ``manage.py close_overdue_attempts`` from cron instead); running it twice
    at once is harmless, each attempt is finalised under a row lock exactly once.
    """
    return attempts_close_overdue()


@task()
def regrade_task(regrade_id: int) -> dict:
    """Rescore the attempts a confirmed ``Regrade`` affects; progress goes to its row.

    Safe to retry: an attempt already rescored comes out unchanged and is not touched again.
    """
    return regrade_run(regrade_id)


@task()
def item_analysis_task(analysis_id: int) -> dict:
    """Compute a session's item analysis (``ItemAnalysis`` row; progress goes to it)."""
    return item_analysis_run(analysis_id)


@task()
def wrong_book_session_task(session_id: int) -> int:
    """Put the released papers of a session into their candidates' wrong-answer books.

    Enqueued when an administrator releases the results of a "full after close" session.
    Safe to retry or to run beside a learner opening the book: each attempt is booked once.
    """
    return session_book_reviews(session_id=session_id)
