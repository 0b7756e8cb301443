from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    """People, the org-unit tree and role assignments scoped to a subtree."""

    name = "cms.people"
    label = "people"
    verbose_name = _("人员与组织")
