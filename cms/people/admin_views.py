"""Roster upload in the admin: upload -> validation report / preview -> confirm -> counts.

The uploaded file waits for confirmation in the session (database-backed), not on a local
disk, so that any app process behind the load balancer can handle the confirming request.
Confirming runs the whole validation again before anything is written.
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

from .forms import RosterUploadForm
from .models import Role
from .roster import roster_template_xlsx
from .selectors import user_has_role
from .services import roster_import

SESSION_KEY = "people_roster_upload"
ROSTER_EXPIRED = _("待确认的花名册已失效，请重新上传。")
ROSTER_IMPORTED = _(
    "花名册“%(filename)s”已导入：新增 %(created)s 人，更新 %(updated)s 人，"
    "未变 %(unchanged)s 人，停用 %(deactivated)s 人。"
)
ROSTER_STILL_INVALID = _("花名册未通过检查，未写入任何数据。")
TEMPLATE_FILENAME = "花名册模板.xlsx"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def user_can_import_roster(user) -> bool:
    """HR (within their scope) and superusers maintain the roster."""
    return user.is_active and (user.is_superuser or user_has_role(user, Role.HR))


def _check(request: HttpRequest) -> None:
    if not user_can_import_roster(request.user):
        raise PermissionDenied


def _render(request, form, result=None, status=200) -> TemplateResponse:
    context = {
        "page_title": _("导入花名册"),
        "header_icon": "upload",
        "form": form,
        "result": result,
        "template_url": reverse("people_roster_template"),
    }
    return TemplateResponse(request, "people/admin/roster_upload.html", context, status=status)


def roster_upload(request: HttpRequest) -> HttpResponse:
    """Step 1 and 2: take the file, check every row, show errors or what would change."""
    _check(request)
    if request.method != "POST":
        return _render(request, RosterUploadForm())
    form = RosterUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render(request, form)
    upload = form.cleaned_data["file"]
    data = upload.read()
    deactivate = form.cleaned_data["deactivate_missing"]
    result = roster_import(
        file=io.BytesIO(data),
        filename=upload.name,
        actor=request.user,
        dry_run=True,
        deactivate_missing=deactivate,
    )
    if result.ok:
        request.session[SESSION_KEY] = {
            "filename": upload.name,
            "data": base64.b64encode(data).decode("ascii"),
            "deactivate_missing": deactivate,
        }
    else:
        request.session.pop(SESSION_KEY, None)
    return _render(request, RosterUploadForm(), result)


def roster_confirm(request: HttpRequest) -> HttpResponse:
    """Step 3: write the checked file (checked again) and report the counts."""
    _check(request)
    if request.method != "POST":
        return redirect("people_roster_upload")
    pending = request.session.get(SESSION_KEY)
    if not pending:
        messages.error(request, ROSTER_EXPIRED)
        return redirect("people_roster_upload")
    result = roster_import(
        file=io.BytesIO(base64.b64decode(pending["data"])),
        filename=pending["filename"],
        actor=request.user,
        deactivate_missing=pending["deactivate_missing"],
    )
    del request.session[SESSION_KEY]
    if not result.ok:
        messages.error(request, ROSTER_STILL_INVALID)
        return _render(request, RosterUploadForm(), result)
    messages.success(request, ROSTER_IMPORTED % {"filename": result.filename, **result.counts()})
    return redirect("people_roster_upload")


def roster_template(request: HttpRequest) -> HttpResponse:
    """The blank roster template with its "说明" sheet."""
    _check(request)
    response = HttpResponse(roster_template_xlsx(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, TEMPLATE_FILENAME)
    return response
