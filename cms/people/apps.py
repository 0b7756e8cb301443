from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from wagtail.users.apps import WagtailUsersAppConfig


class PeopleConfig(AppConfig):
    """People, the org-unit tree and role assignments scoped to a subtree."""

    name = "cms.people"
    label = "people"
    verbose_name = _("人员与组织")


class PeopleUsersAppConfig(WagtailUsersAppConfig):
    """Wagtail's user admin, with our forms and scoping (``cms.people.viewsets``).

    Listed in INSTALLED_APPS in place of ``wagtail.users``, as Wagtail's docs describe.
    """

    user_viewset = "cms.people.viewsets.PersonViewSet"
