from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    """The site shell: settings, root URLs, base templates, static files and the demo."""

    name = "cms"
    verbose_name = _("站点")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import checks  # noqa: F401  (registers the deployment checks)
        from .signal_handlers import create_cache_tables
        from .spreadsheets import escape_wagtail_exports

        # Not sender=self: Django sends post_migrate only for apps with models, cms has none.
        post_migrate.connect(create_cache_tables, dispatch_uid="cms_cache_tables")
        escape_wagtail_exports()
