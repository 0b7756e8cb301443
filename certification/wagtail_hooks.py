"""Admin registration: the "执法证件" menu, its pages and the audit-log actions."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from cms.admin_scoping import SCOPE_HOOK
from cms.people.models import Role
from cms.people.selectors import people_visible_to, user_has_role

from . import admin_views
from .models import AppraisalRecord, Certificate, Credential
from .selectors import credentials_visible_to

MENU_HOOK = "register_certification_menu_item"

admin_urls = [
    path("", admin_views.credential_index, name="index"),
    path("<int:pk>/", admin_views.credential_detail, name="detail"),
    path("<int:pk>/<str:action>/", admin_views.credential_transition, name="transition"),
    path("issue/", admin_views.credential_issue_view, name="issue"),
    path("review/", admin_views.annual_review, name="review"),
    path("renewals/", admin_views.renewals, name="renewals"),
    path("batch/", admin_views.batch, name="batch"),
    path("jobs/<int:pk>/", admin_views.job_detail, name="job"),
    path("jobs/<int:pk>/download/", admin_views.job_download, name="job_download"),
]


def _legal(request) -> bool:
    return request.user.is_superuser or user_has_role(request.user, Role.LEGAL_AFFAIRS)


def _documents(request) -> bool:
    return _legal(request) or user_has_role(request.user, Role.HR)


class LegalAffairsMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return _legal(request)


class DocumentsMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return _documents(request)


class CredentialsMenu(SubmenuMenuItem):
    """ "执法证件": shown when any of its items is."""


@hooks.register(SCOPE_HOOK)
def register_certification_scopes():
    def certificates_visible_to(user):
        return Certificate.objects.filter(holder__in=people_visible_to(user).values("pk"))

    def appraisal_records_visible_to(user):
        return AppraisalRecord.objects.filter(person__in=people_visible_to(user).values("pk"))

    return [
        (Credential, credentials_visible_to),
        (Certificate, certificates_visible_to),
        (AppraisalRecord, appraisal_records_visible_to),
    ]


@hooks.register("register_admin_urls")
def register_certification_urls():
    return [path("credentials/", include((admin_urls, "certification_admin")))]


@hooks.register("register_admin_menu_item")
def register_credentials_menu():
    return CredentialsMenu(
        _("执法证件"),
        Menu(register_hook_name=MENU_HOOK),
        name="credentials",
        icon_name="clipboard-list",
        order=400,
    )


@hooks.register(MENU_HOOK)
def register_index_item():
    return LegalAffairsMenuItem(
        _("执法证列表"), reverse("certification_admin:index"), name="credential-list", order=100
    )


@hooks.register(MENU_HOOK)
def register_issue_item():
    return LegalAffairsMenuItem(
        _("核发执法证"), reverse("certification_admin:issue"), name="credential-issue", order=200
    )


@hooks.register(MENU_HOOK)
def register_review_item():
    return LegalAffairsMenuItem(
        _("年审"), reverse("certification_admin:review"), name="credential-review", order=300
    )


@hooks.register(MENU_HOOK)
def register_renewals_item():
    return LegalAffairsMenuItem(
        _("换证提醒"),
        reverse("certification_admin:renewals"),
        name="credential-renewals",
        order=400,
    )


@hooks.register(MENU_HOOK)
def register_batch_item():
    return DocumentsMenuItem(
        _("批量生成证书"), reverse("certification_admin:batch"), name="certificate-batch", order=500
    )


@hooks.register("register_log_actions")
def register_certification_log_actions(actions):
    for action, label in (
        ("issue", _("核发执法证")),
        ("suspend", _("暂扣执法证")),
        ("restore", _("恢复执法证")),
        ("revoke", _("吊销执法证")),
        ("cancel", _("注销执法证")),
        ("renew", _("执法证换证")),
        ("expire", _("执法证到期失效")),
    ):
        actions.register_action(f"certification.credential.{action}", label, label)
    actions.register_action("certification.review.passed", _("年审合格"), _("执法证年审合格"))
    actions.register_action("certification.review.failed", _("年审不合格"), _("执法证年审不合格"))
    actions.register_action("certification.certificate.issue", _("颁发证书"), _("颁发了证书"))
    actions.register_action(
        "certification.certificate.revoke", _("撤销证书"), _("成绩作废，撤销了证书")
    )
    actions.register_action(
        "certification.appraisal.review", _("审核年度学法考核"), _("审核了年度学法考核记录")
    )
    actions.register_action(
        "certification.appraisal.unlock", _("解锁年度学法考核"), _("解锁了年度学法考核记录")
    )
    actions.register_action(
        "certification.certificate.withdraw", _("撤回证书"), _("重新评分后撤回了证书")
    )
    actions.register_action(
        "certification.certificate.reinstate", _("恢复证书"), _("重新评分后恢复了证书")
    )
    actions.register_action(
        "certification.certificate.rescore", _("更正证书成绩"), _("重新评分后更正了证书上的成绩")
    )
    actions.register_action(
        "certification.review.regraded", _("年审重新认定"), _("重新评分后重新认定了执法证年审")
    )
    actions.register_action(
        "certification.appraisal.recompute",
        _("重新计算年度学法考核"),
        _("重新计算了年度学法考核记录"),
    )
    actions.register_action(
        "certification.appraisal.flag",
        _("年度学法考核待重新计算"),
        _("重新评分涉及已锁定的考核记录，标记为待解锁后重新计算"),
    )
    actions.register_action(
        "certification.appointment.blocked", _("任前考试阻断任用"), _("任前考试补考仍不合格")
    )
