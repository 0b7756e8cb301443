from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    """The site shell: settings, root URLs, base templates, static files and the demo."""

    name = "cms"
    verbose_name = _("站点")

    def ready(self) -> None:
        from .spreadsheets import escape_wagtail_exports

        escape_wagtail_exports()
