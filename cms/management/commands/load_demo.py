"""Load the demo city, people, law library, courses and the domain apps' demo data.

Usage: manage.py load_demo

Idempotent: a second run creates nothing and prints 0 created for every line.
"""

from django.core.management.base import BaseCommand

from cms.demo import DEMO_PASSWORD, demo_load, demo_logins


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        summary = demo_load(stdout=self.stdout)
        self.stdout.write("")
        self.stdout.write("演示数据 / demo data        总数 total   本次新建 created")
        for label, (total, created) in summary.items():
            self.stdout.write(f"  {label:<20}{total:>10}{created:>12}")
        self.stdout.write("")
        self.stdout.write(
            f"演示账号（密码均为 {DEMO_PASSWORD}）/ demo logins (password {DEMO_PASSWORD}):"
        )
        for employee_number, name, note, secret in demo_logins():
            line = f"  {employee_number:<12} {name:<6} {note}"
            if secret:
                line += f"\n      两步验证密钥 TOTP secret: {secret}"
            self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(
            "管理人员登录需两步验证：把密钥加入身份验证器应用，或运行 "
            "`.venv/bin/python manage.py demo_totp <工号>` 获取当前验证码。\n"
            "Staff accounts need a second factor: add the secret to an authenticator app, or run "
            "`.venv/bin/python manage.py demo_totp <employee number>` for the current code."
        )
