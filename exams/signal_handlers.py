"""Receivers: they only call services."""

from .services.topics import topics_ensure_defaults


def flag_questions_on_amendment(sender, *, version, previous, **kwargs) -> None:
    from .services import questions_flag_amended

    questions_flag_amended(previous=previous, version=version)


def ensure_default_topics(sender, **kwargs) -> None:
    topics_ensure_defaults()


EXAM_ADMIN_PERMISSIONS = [
    f"exams.{action}_{model}"
    for model in ("question", "topic", "blueprint", "examsession", "candidate")
    for action in ("add", "change", "delete", "view")
] + ["exams.view_attempt"]


def grant_exam_admin_permissions(sender, **kwargs) -> None:
    from django.contrib.auth.management import create_permissions

    from cms.people.models import Role
    from cms.people.services import role_group_grant

    # Our receiver may run before auth's own post_migrate receiver has made this app's
    # permissions (apps are listed before django.contrib.auth); making them is idempotent.
    create_permissions(sender, verbosity=0, using=kwargs.get("using", "default"))
    role_group_grant(role=Role.EXAM_ADMIN, permissions=EXAM_ADMIN_PERMISSIONS)
