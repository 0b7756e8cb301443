from django.conf import settings
from django.conf.urls.static import static
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms import admin_scoping
from cms import views as cms_views
from cms.people import account as people_account
from cms.people.views import login_redirect

urlpatterns = [
    # One way in: Wagtail's own login forms (the admin's and the front end's, mounted by
    # wagtail_urls) would bypass allauth's MFA step and rate limits, so both hand over to
    # allauth and authenticate nobody.
    path("admin/login/", login_redirect, name="admin_login_redirect"),
    path("_util/login/", login_redirect, name="wagtailcore_login_redirect"),
    # Wagtail's account page with a name panel that fits the single-name user model.
    path("admin/account/", people_account.account),
    # Wagtail's site history report, limited to the viewer's scope (cms.admin_scoping).
    path("admin/reports/site-history/", admin_scoping.site_history_view),
    path("admin/reports/site-history/results/", admin_scoping.site_history_results_view),
    path("admin/pages/<int:page_id>/history/", admin_scoping.page_history_view),
    path("admin/pages/<int:page_id>/history/results/", admin_scoping.page_history_results_view),
    # Wagtail's deliberate crash page (an error-report test): not a page of this site.
    path("admin/failwhale/", cms_views.not_found),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("laws/", include("cms.laws.urls")),
    path("search/", include("cms.courses.urls")),
    path("me/", include("cms.people.urls")),
    path("exams/", include("exams.urls")),
    path("learning/", include("learning.urls")),
    path("my/", include("certification.urls_home")),
    path("certificates/", include("certification.urls")),
    path("verify/", include("certification.verify_urls")),
    path("hr/", include("certification.urls_hr")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]
