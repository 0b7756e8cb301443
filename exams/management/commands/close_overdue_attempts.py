"""Finalise attempts whose time ran out (deadline plus the network grace), as saved.

Usage: manage.py close_overdue_attempts

Prints ``finalised N attempts``. Attempts are also finalised lazily when the candidate comes
back; this is for those who never do. Run it periodically, for instance every five minutes
from cron::

    */5 * * * *  cd /srv/app && .venv/bin/python manage.py close_overdue_attempts

or let a scheduler enqueue the django-tasks task ``exams.tasks.close_overdue_attempts_task``
(run by ``manage.py db_worker``), which calls the same service. Running twice at once is
harmless: each attempt is finalised under a row lock exactly once.
"""

from django.core.management.base import BaseCommand

from exams.services import attempts_close_overdue


class Command(BaseCommand):
    help = "Finalise exam attempts whose time ran out, with the answers that were saved."

    def handle(self, *args, **options):
        count = attempts_close_overdue()
        self.stdout.write(f"finalised {count} attempts")
