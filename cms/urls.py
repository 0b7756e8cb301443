from django.conf import settings
from django.conf.urls.static import static
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms import views as cms_views
from cms.people import account as people_account
from cms.people.views import admin_login_redirect

urlpatterns = [
    # Before the admin include: Wagtail's own login form would bypass allauth's MFA step.
    path("admin/login/", admin_login_redirect, name="admin_login_redirect"),
    # Wagtail's account page with a name panel that fits the single-name user model.
    path("admin/account/", people_account.account),
    # Wagtail's deliberate crash page (an error-report test): not a page of this site.
    path("admin/failwhale/", cms_views.not_found),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("laws/", include("cms.laws.urls")),
    path("me/", include("cms.people.urls")),
    path("exams/", include("exams.urls")),
    path("learning/", include("learning.urls")),
    path("certificates/", include("certification.urls")),
    path("verify/", include("certification.verify_urls")),
    path("hr/", include("certification.urls_hr")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]
