from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    name = "learning"
    verbose_name = _("学习")

    def ready(self) -> None:
        from . import reminders

        reminders.register()
