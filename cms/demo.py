"""The demo: a small city with real course material, loaded by ``manage.py load_demo``.

Each part is idempotent, so running the demo again creates nothing new. The cms parts are
loaded first (people, the law library, courses); domain apps contribute their own part through
a ``demo`` module with a ``demo_load(*, stdout)`` function, discovered like admin modules, so
that ``cms`` imports no domain app.
"""

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.db.models import Model

from cms.courses.demo import demo_courses_load
from cms.courses.models import CoursePage, LessonPage
from cms.laws.models import Article, Law, LawVersion
from cms.laws.services import law_library_import, policy_documents_import
from cms.people.demo import DEMO_PASSWORD, DEMO_PEOPLE, demo_people_load
from cms.people.mfa import mfa_totp_activate_with_secret, user_requires_mfa
from cms.people.models import ROLE_GROUPS, Notification, OrgUnit, RoleAssignment, User
from cms.people.notifications import reminders_run

CMS_APPS = {"cms", "people", "laws", "courses"}


@dataclass(frozen=True)
class Counted:
    label: str
    count: Callable[[], int]


def _count(model: type[Model], **filters) -> Callable[[], int]:
    return lambda: model.objects.filter(**filters).count()


SUMMARY = [
    Counted("组织单位", _count(OrgUnit)),
    Counted("人员（学员）", _count(User, is_active=True)),
    *(
        Counted(f"人员：{ROLE_GROUPS[role]}", _count(RoleAssignment, role=role))
        for role in ROLE_GROUPS
    ),
    Counted("人员：领导干部", _count(User, is_leading_cadre=True)),
    Counted("人员：行政执法人员", _count(User, is_enforcement_officer=True)),
    Counted("法律法规", _count(Law)),
    Counted("法律版本", _count(LawVersion)),
    Counted("法条", _count(Article)),
    Counted("课程", _count(CoursePage)),
    Counted("课时（课程章节）", _count(LessonPage)),
    Counted("站内提醒", _count(Notification)),
]


def demo_totp_secret(employee_number: str) -> str:
    """A fixed per-account TOTP secret so that the printed instructions keep working."""
    digest = hashlib.sha256(f"fazhi-demo:{employee_number}".encode()).digest()
    return base64.b32encode(digest[:20]).decode()


def _domain_demo_modules():
    """Each domain app may have a ``demo`` module with ``demo_load(*, stdout)`` and
    ``DEMO_COUNTS`` ([(label, callable returning a count)]) for the summary."""
    for config in apps.get_app_configs():
        if config.label in CMS_APPS or not find_spec(f"{config.name}.demo"):
            continue
        module = import_module(f"{config.name}.demo")
        if hasattr(module, "demo_load"):
            yield module


def demo_load(*, stdout) -> dict[str, tuple[int, int]]:
    """Load every part of the demo; returns {label: (total, created this run)}."""
    modules = list(_domain_demo_modules())
    summary = SUMMARY + [
        Counted(label, count) for m in modules for label, count in getattr(m, "DEMO_COUNTS", [])
    ]
    before = {c.label: c.count() for c in summary}
    demo_people_load()
    for user in User.objects.filter(employee_number__in=[p.employee_number for p in DEMO_PEOPLE]):
        if user_requires_mfa(user):
            mfa_totp_activate_with_secret(user=user, secret=demo_totp_secret(user.employee_number))
    law_library_import(directory=settings.SHARED_DIR / "laws", stdout=stdout)
    policy_documents_import(base_dir=settings.SHARED_DIR, stdout=stdout)
    demo_courses_load(stdout=stdout)
    for module in modules:
        module.demo_load(stdout=stdout)
    # The reminders due today (an exam closing soon, hours short near the year's end, the
    # suspended and expiring credentials, the released case-analysis results), in-site only:
    # the daily send_reminders mails them. Each event once, so a second load adds nothing.
    run = reminders_run(mail=False)
    stdout.write(f"提醒：新建 {run.total} 条\n")
    return {c.label: (c.count(), c.count() - before[c.label]) for c in summary}


def demo_logins() -> list[tuple[str, str, str, str]]:
    """(employee number, name, what the account is for, TOTP secret or "") for the printout."""
    rows = []
    users = {
        u.employee_number: u
        for u in User.objects.filter(employee_number__in=[p.employee_number for p in DEMO_PEOPLE])
    }
    for person in DEMO_PEOPLE:
        user = users.get(person.employee_number)
        if user is None:
            continue
        secret = demo_totp_secret(person.employee_number) if user_requires_mfa(user) else ""
        note = person.note or "、".join(
            label
            for flag, label in (
                (True, "公务员"),
                (user.is_leading_cadre, "领导干部"),
                (user.is_enforcement_officer, "行政执法人员"),
            )
            if flag
        )
        rows.append((person.employee_number, person.name, note, secret))
    return rows


__all__ = ["DEMO_PASSWORD", "demo_load", "demo_logins", "demo_totp_secret"]
