from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificationConfig(AppConfig):
    name = "certification"
    verbose_name = _("证件与考核")

    def ready(self) -> None:
        from exams.signals import attempt_graded, regrade_consequences, results_regraded

        from . import reminders, signal_handlers

        attempt_graded.connect(
            signal_handlers.on_attempt_graded, dispatch_uid="certification_attempt_graded"
        )
        regrade_consequences.connect(
            signal_handlers.on_regrade_consequences,
            dispatch_uid="certification_regrade_consequences",
        )
        results_regraded.connect(
            signal_handlers.on_results_regraded, dispatch_uid="certification_results_regraded"
        )
        reminders.register()
