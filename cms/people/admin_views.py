"""Roster upload in the admin: the shared upload -> check -> confirm flow (``cms.uploads``).

Confirming runs the whole validation again before anything is written.
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from cms.uploads import ReportTable, UploadFlowView, UploadReport, sheet_error_line

from .forms import RosterUploadForm
from .models import Role
from .roster import ROSTER_COLUMNS, roster_template_xlsx
from .selectors import user_has_role
from .services import RosterImportResult, roster_import

ROSTER_IMPORTED = _(
    "花名册“%(filename)s”已导入：新增 %(created)s 人，更新 %(updated)s 人，"
    "未变 %(unchanged)s 人，停用 %(deactivated)s 人。"
)
ROSTER_PREVIEW = _(
    "将新增 %(created)s 人，更新 %(updated)s 人，未变 %(unchanged)s 人，停用 %(deactivated)s 人。"
)
TEMPLATE_FILENAME = "花名册模板.xlsx"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def user_can_import_roster(user) -> bool:
    """HR (within their scope) and superusers maintain the roster."""
    return user.is_active and (user.is_superuser or user_has_role(user, Role.HR))


class RosterUploadView(UploadFlowView):
    kind = "roster"
    page_title = _("导入花名册")
    intro = _("先下载模板，按“说明”工作表填写后上传。")
    form_class = RosterUploadForm
    columns = ROSTER_COLUMNS
    template_download_label = _("下载花名册模板（xlsx）")

    def has_permission(self, request) -> bool:
        return user_can_import_roster(request.user)

    def flow_url(self) -> str:
        return reverse("people_roster_upload")

    def template_download_url(self) -> str:
        return reverse("people_roster_template")

    def check(self, *, data, filename, options, mapping, dry_run) -> RosterImportResult:
        return roster_import(
            file=io.BytesIO(data),
            filename=filename,
            actor=self.request.user,
            dry_run=dry_run,
            deactivate_missing=bool(options.get("deactivate_missing")),
            mapping=mapping,
        )

    def report(self, result: RosterImportResult) -> UploadReport:
        report = UploadReport(result.filename, [sheet_error_line(e) for e in result.errors])
        if result.errors:
            return report
        report.summary.append(str(ROSTER_PREVIEW % result.counts()))
        headers = [str(_("工号")), str(_("姓名")), str(_("单位"))]
        for title, changes, fields in (
            (_("将新增"), result.to_create, False),
            (_("将更新"), result.to_update, True),
            (_("将停用"), result.to_deactivate, False),
        ):
            if changes:
                rows = [
                    [c.employee_number, c.name, c.unit, *(["、".join(c.fields)] if fields else [])]
                    for c in changes
                ]
                extra = [str(_("变更项"))] if fields else []
                report.tables.append(ReportTable(str(title), headers + extra, rows))
        return report

    def done(self, request, result: RosterImportResult) -> HttpResponse:
        messages.success(
            request, ROSTER_IMPORTED % {"filename": result.filename, **result.counts()}
        )
        return redirect("people_roster_upload")


roster_upload = RosterUploadView.as_view()
roster_confirm = RosterUploadView.as_view(confirm_only=True)


def roster_template(request: HttpRequest) -> HttpResponse:
    """The blank roster template with its "说明" sheet."""
    if not user_can_import_roster(request.user):
        raise PermissionDenied
    response = HttpResponse(roster_template_xlsx(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, TEMPLATE_FILENAME)
    return response
