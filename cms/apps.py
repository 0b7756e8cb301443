from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    """The site shell: settings, root URLs, base templates, static files and the demo."""

    name = "cms"
    verbose_name = _("站点")

    def ready(self):
        from . import checks  # noqa: F401  (registers the deployment checks)
