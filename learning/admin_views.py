"""Offline training upload in the admin: upload -> errors or preview -> confirm -> counts.

As with the roster, the checked file waits in the (database-backed) session, and
confirming checks every row again before anything is written.
"""

from __future__ import annotations

import base64
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from cms.people.models import Role
from cms.people.selectors import user_has_role

from .forms import TrainingUploadForm
from .services import offline_training_import
from .training_sheet import training_template_xlsx

SESSION_KEY = "learning_training_upload"
UPLOAD_EXPIRED = _("待确认的培训记录已失效，请重新上传。")
IMPORTED = _("“%(filename)s”已导入：新增 %(created)s 条学时记录，已有 %(already)s 条未重复计入。")
STILL_INVALID = _("文件未通过检查，未写入任何数据。")
TEMPLATE_FILENAME = "线下培训学时模板.xlsx"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def user_can_import_training(user) -> bool:
    """HR (for people within their scope) and superusers record offline training."""
    return user.is_active and (user.is_superuser or user_has_role(user, Role.HR))


def _check(request: HttpRequest) -> None:
    if not user_can_import_training(request.user):
        raise PermissionDenied


def _render(request, form, result=None) -> TemplateResponse:
    context = {
        "page_title": _("导入线下培训"),
        "header_icon": "upload",
        "form": form,
        "result": result,
        "template_url": reverse("learning_training_template"),
    }
    return TemplateResponse(request, "learning/admin/training_upload.html", context)


def training_upload(request: HttpRequest) -> HttpResponse:
    _check(request)
    if request.method != "POST":
        return _render(request, TrainingUploadForm())
    form = TrainingUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render(request, form)
    upload = form.cleaned_data["file"]
    data = upload.read()
    result = offline_training_import(
        file=io.BytesIO(data), filename=upload.name, actor=request.user, dry_run=True
    )
    if result.ok:
        request.session[SESSION_KEY] = {
            "filename": upload.name,
            "data": base64.b64encode(data).decode("ascii"),
        }
    else:
        request.session.pop(SESSION_KEY, None)
    return _render(request, TrainingUploadForm(), result)


def training_confirm(request: HttpRequest) -> HttpResponse:
    _check(request)
    if request.method != "POST":
        return redirect("learning_training_upload")
    pending = request.session.pop(SESSION_KEY, None)
    if not pending:
        messages.error(request, UPLOAD_EXPIRED)
        return redirect("learning_training_upload")
    result = offline_training_import(
        file=io.BytesIO(base64.b64decode(pending["data"])),
        filename=pending["filename"],
        actor=request.user,
    )
    if not result.ok:
        messages.error(request, STILL_INVALID)
        return _render(request, TrainingUploadForm(), result)
    messages.success(request, IMPORTED % {"filename": result.filename, **result.counts()})
    return redirect("learning_training_upload")


def training_template(request: HttpRequest) -> HttpResponse:
    _check(request)
    response = HttpResponse(training_template_xlsx(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, TEMPLATE_FILENAME)
    return response
