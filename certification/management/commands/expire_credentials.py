"""Record the expiry of credentials whose validity has ended (run daily from cron).

Usage::

    manage.py expire_credentials
"""

from django.core.management.base import BaseCommand

from certification.services import credentials_expire_due


class Command(BaseCommand):
    help = "Mark active or suspended credentials past their validity as expired."

    def handle(self, *args, **options):
        count = credentials_expire_due()
        self.stdout.write(f"已到期失效：{count}")
