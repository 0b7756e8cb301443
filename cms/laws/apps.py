from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LawsConfig(AppConfig):
    """The law library: laws, their versions and articles."""

    name = "cms.laws"
    label = "laws"
    verbose_name = _("法律法规库")
