from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ExamsConfig(AppConfig):
    name = "exams"
    verbose_name = _("考试")

    def ready(self) -> None:
        from cms.laws.signals import law_version_added

        from . import reminders, signal_handlers

        law_version_added.connect(
            signal_handlers.flag_questions_on_amendment, dispatch_uid="exams_flag_amended"
        )
        post_migrate.connect(signal_handlers.ensure_default_topics, sender=self)
        post_migrate.connect(signal_handlers.grant_exam_admin_permissions, sender=self)
        reminders.register()
