"""Admin registration: the article chooser and the read-only law library listing."""

from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .models import LawVersion
from .viewsets import ReadOnlyPermissionPolicy, article_chooser_viewset, law_version_viewset

# Registered before the viewset so that it replaces Wagtail's fallback policy.
register_permission_policy(LawVersion, ReadOnlyPermissionPolicy(LawVersion), exact_class=True)


@hooks.register("register_admin_viewset")
def register_law_viewsets():
    return [article_chooser_viewset, law_version_viewset]
