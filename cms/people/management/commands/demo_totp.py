"""Print the current TOTP code of a demo account, for trying the demo without a phone app.

Usage::

    manage.py demo_totp EMPLOYEE_NUMBER [--force]

The code is computed from the account's stored TOTP secret with allauth's own functions,
so it is exactly what the login's two-factor step accepts. Anyone who can run this can log
in as that account, so it refuses to run unless ``DEBUG`` is on or ``--force`` is given.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_lazy as _

from cms.people.mfa import totp_current_code, totp_seconds_remaining
from cms.people.models import User

NOT_IN_DEBUG_MESSAGE = _(
    "DEBUG 未开启：此命令会泄露账号的动态验证码，仅用于演示环境。确需运行请加 --force。"
)
NO_SUCH_USER_MESSAGE = _("找不到工号为 %(employee_number)s 的账号。")
NO_TOTP_MESSAGE = _("账号 %(employee_number)s 尚未启用动态验证码（身份验证器应用）。")
CODE_MESSAGE = _("%(user)s 当前的动态验证码：%(code)s（%(seconds)s 秒后更新）")


class Command(BaseCommand):
    help = "Print the current TOTP code of an account (demo only; needs DEBUG or --force)."

    def add_arguments(self, parser):
        parser.add_argument("employee_number", help="工号 / employee number")
        parser.add_argument(
            "--force", action="store_true", help="run even though settings.DEBUG is False"
        )

    def handle(self, *args, employee_number: str, force: bool, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(str(NOT_IN_DEBUG_MESSAGE))
        user = User.objects.filter(employee_number=employee_number).first()
        if user is None:
            raise CommandError(str(NO_SUCH_USER_MESSAGE % {"employee_number": employee_number}))
        code = totp_current_code(user=user)
        if code is None:
            raise CommandError(str(NO_TOTP_MESSAGE % {"employee_number": employee_number}))
        self.stdout.write(
            str(CODE_MESSAGE % {"user": user, "code": code, "seconds": totp_seconds_remaining()})
        )
