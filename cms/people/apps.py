from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from wagtail.users.apps import WagtailUsersAppConfig


class PeopleConfig(AppConfig):
    """People, the org-unit tree and role assignments scoped to a subtree."""

    default = True  # this module also holds the wagtail.users config below
    name = "cms.people"
    label = "people"
    verbose_name = _("人员与组织")

    def ready(self) -> None:
        from allauth.mfa.signals import authenticator_added

        from .signal_handlers import on_authenticator_added

        authenticator_added.connect(on_authenticator_added, dispatch_uid="people_mfa_activated")


class PeopleUsersAppConfig(WagtailUsersAppConfig):
    """Wagtail's user admin, with our forms and scoping (``cms.people.viewsets``).

    Listed in INSTALLED_APPS in place of ``wagtail.users``, as Wagtail's docs describe.
    """

    user_viewset = "cms.people.viewsets.PersonViewSet"
