"""Offline training upload in the admin: the shared upload -> check -> confirm flow
(``cms.uploads``); confirming checks every row again before anything is written."""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from cms.people.models import Role
from cms.people.selectors import user_has_role
from cms.uploads import ReportTable, UploadFlowView, UploadReport, sheet_error_line

from .forms import TrainingUploadForm
from .services import TrainingImportResult, offline_training_import
from .training_sheet import TRAINING_COLUMNS, training_template_xlsx

IMPORTED = _("“%(filename)s”已导入：新增 %(created)s 条学时记录，已有 %(already)s 条未重复计入。")
PREVIEW = _("将新增 %(new)s 条学时记录；%(already)s 条已导入过，不会重复计入。")
TEMPLATE_FILENAME = "线下培训学时模板.xlsx"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def user_can_import_training(user) -> bool:
    """HR (for people within their scope) and superusers record offline training."""
    return user.is_active and (user.is_superuser or user_has_role(user, Role.HR))


class TrainingUploadView(UploadFlowView):
    kind = "offline_training"
    page_title = _("导入线下培训")
    intro = _("先下载模板，按“说明”工作表填写后上传。同一记录重复导入不会重复计入学时。")
    form_class = TrainingUploadForm
    columns = TRAINING_COLUMNS
    template_download_label = _("下载模板（xlsx）")

    def has_permission(self, request) -> bool:
        return user_can_import_training(request.user)

    def flow_url(self) -> str:
        return reverse("learning_training_upload")

    def template_download_url(self) -> str:
        return reverse("learning_training_template")

    def check(self, *, data, filename, options, mapping, dry_run) -> TrainingImportResult:
        return offline_training_import(
            file=io.BytesIO(data),
            filename=filename,
            actor=self.request.user,
            dry_run=dry_run,
            mapping=mapping,
        )

    def report(self, result: TrainingImportResult) -> UploadReport:
        report = UploadReport(result.filename, [sheet_error_line(e) for e in result.errors])
        if result.errors:
            return report
        report.summary.append(str(PREVIEW % result.counts()))
        headers = [
            str(h) for h in (_("行号"), _("人员"), _("培训名称"), _("日期"), _("学时"), _("类别"))
        ]
        rows = [
            [row.row, person, row.training, row.date.isoformat(), row.hours, row.kind]
            for person, row in result.to_create
        ]
        report.tables.append(ReportTable(str(_("将新增的学时记录")), headers, rows))
        return report

    def done(self, request, result: TrainingImportResult) -> HttpResponse:
        messages.success(request, IMPORTED % {"filename": result.filename, **result.counts()})
        return redirect("learning_training_upload")


training_upload = TrainingUploadView.as_view()
training_confirm = TrainingUploadView.as_view(confirm_only=True)


def training_template(request: HttpRequest) -> HttpResponse:
    if not user_can_import_training(request.user):
        raise PermissionDenied
    response = HttpResponse(training_template_xlsx(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, TEMPLATE_FILENAME)
    return response
