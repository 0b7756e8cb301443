"""One upload -> check -> confirm flow for every import of the back office.

The roster, offline training, a session's candidate list and the question bank are each a
small ``UploadFlowView`` subclass that declares who may use it, its form's options, the
service it calls and its messages; the steps are the same for all:

1. GET: the form (file and the flow's options) and a link to the template.
2. POST the file: the size is checked before it is read (``settings.UPLOAD_MAX_BYTES``, in
   ``UploadForm``: the one place), the file is kept in the private storage under a random
   token (only the token goes to the browser, and it is bound to the uploader's session and
   the flow), its header is located (a spreadsheet whose required columns are not found gets
   the column-mapping step), and the flow's check runs as a dry run: every error of the file,
   sorted by row, and a preview of what would be written.
3. POST the mapping (re-check): the columns chosen for the file's unmapped headers are
   remembered for the uploader's org unit and this kind of import (``ColumnMapping``), and
   the kept file is checked again with them.
4. POST "确认导入" with the token: the kept file is checked again and written all or nothing;
   the file is deleted and the counts are shown. ``purge_private_files`` removes kept files
   never confirmed.
"""

from __future__ import annotations

import datetime
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views import View
from wagtail.admin import messages

from cms import spreadsheets
from cms.people.models import ColumnMapping
from cms.private_files import private_files_older_than, private_storage

PENDING_UPLOAD_DIRECTORY = "uploads/pending"
PENDING_UPLOAD_TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")
SESSION_PREFIX = "upload_flow:"
SHEET_SUFFIXES = (".xlsx", ".csv")

UPLOAD_EXPIRED = _("待确认的文件已失效，请重新上传。")
UPLOAD_STILL_INVALID = _("文件未通过再次检查，未写入任何数据。")
FILE_TYPE_SHEET = _("请上传 .xlsx 或 .csv 文件。")
COLUMNS_MISSING = _(
    "文件中没有找到必需的列：%(columns)s。请在下面为文件的列选择对应的字段，然后重新检查。"
)
MAPPING_REMEMBERED = _("已记住这些列的对应关系，本单位以后上传的文件将自动按此对应。")
NOT_IMPORTED = _("（不导入）")
FILE_POSITION = _("文件")


# --- files kept between the check and the confirmation ------------------------------------------


def pending_upload_save(*, data: bytes) -> str:
    """Keep an uploaded file until it is confirmed; returns its token (128 random bits)."""
    token = secrets.token_hex(16)
    private_storage().save(f"{PENDING_UPLOAD_DIRECTORY}/{token}", ContentFile(data))
    return token


def _pending_name(token: str) -> str | None:
    if not PENDING_UPLOAD_TOKEN_RE.match(token or ""):
        return None
    return f"{PENDING_UPLOAD_DIRECTORY}/{token}"


def pending_upload_read(*, token: str) -> bytes | None:
    """The kept file, or ``None`` when the token is malformed or the file is gone."""
    name = _pending_name(token)
    if name is None:
        return None
    try:
        with private_storage().open(name, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def pending_upload_delete(*, token: str) -> None:
    name = _pending_name(token)
    if name is not None:
        private_storage().delete(name)


def pending_uploads_purge(*, cutoff: datetime.datetime, dry_run: bool = False) -> list[str]:
    """Delete kept files older than ``cutoff`` (never confirmed); returns their names."""
    names = list(private_files_older_than(PENDING_UPLOAD_DIRECTORY, cutoff))
    if not dry_run:
        for name in names:
            private_storage().delete(name)
    return names


# --- column mappings remembered per org unit and kind of import --------------------------------


def column_mapping_for(*, user, kind: str) -> dict[str, str]:
    """The mapping the uploader's org unit chose for this kind of import (header -> column)."""
    found = ColumnMapping.objects.filter(org_unit_id=user.org_unit_id, kind=kind).first()
    return dict(found.mapping) if found else {}


def column_mapping_remember(*, user, kind: str, mapping: dict[str, str]) -> ColumnMapping:
    """Add the chosen pairs to the unit's mapping for this kind (later choices win)."""
    chosen = {spreadsheets.header_key(k): v for k, v in mapping.items() if k.strip()}
    record = ColumnMapping.objects.filter(org_unit_id=user.org_unit_id, kind=kind).first()
    if record is None:
        record = ColumnMapping(org_unit_id=user.org_unit_id, kind=kind)
    record.mapping = {**record.mapping, **chosen}
    record.updated_by = user
    record.full_clean(validate_constraints=False)
    record.save()
    return record


# --- the report every flow shows ---------------------------------------------------------------


@dataclass(frozen=True)
class ReportLine:
    """One problem, located as the person sees it (``第 3 行`` / ``表头`` / ``第 3 题``)."""

    position: str
    column: str
    message: str
    order: tuple = (0, "")


@dataclass
class ReportTable:
    title: str
    headers: list[str]
    rows: list[list[Any]]
    kind: str = "preview"  # "preview", "warning" or "info"

    @property
    def open(self) -> bool:
        return len(self.rows) <= 20


@dataclass
class UploadReport:
    """What a check found, in the one shape the template shows."""

    filename: str
    errors: list[ReportLine] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)  # "将新增 3 人" lines
    tables: list[ReportTable] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def refused(self) -> bool:
        """The file as a whole was refused (an error on no row and no column)."""
        return any(line.order[0] == 0 and not line.column for line in self.errors)

    def sort(self) -> UploadReport:
        self.errors.sort(key=lambda line: line.order)
        return self


_NUMBER = re.compile(r"\d+")


def sheet_error_line(error: spreadsheets.SheetError) -> ReportLine:
    position = _("第 %(row)s 行") % {"row": error.row} if error.row else _("表头")
    return ReportLine(str(position), error.column, error.message, (error.row or 0, error.column))


def position_line(position: str, message: str) -> ReportLine:
    """A line located in words (``第 12 行``, ``第 3 题``, ``文件``): sorted by its number."""
    number = _NUMBER.search(position or "")
    return ReportLine(position, "", message, (int(number[0]) if number else 0, ""))


# --- the form and the view -----------------------------------------------------------------------


class UploadForm(forms.Form):
    """The file of every flow, checked against the size limit before it is read."""

    file = forms.FileField(label=_("文件"))
    sheet_only = True  # only .xlsx / .csv

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            spreadsheets.check_upload_size(upload.size)
        except spreadsheets.UploadLimitExceeded as exc:
            raise ValidationError(str(exc)) from exc
        if self.sheet_only and not upload.name.lower().endswith(SHEET_SUFFIXES):
            raise ValidationError(FILE_TYPE_SHEET)
        return upload

    def options(self) -> dict:
        """The flow's options as kept with the file (JSON): every field but the file."""
        return {k: v for k, v in self.cleaned_data.items() if k != "file"}


class UploadFlowView(View):
    """The steps of every import; subclasses say what is imported and by whom."""

    kind: str = ""  # names the flow (session key, remembered mappings)
    page_title = ""
    intro = ""
    form_class: type[UploadForm] = UploadForm
    columns: spreadsheets.Columns | None = None  # a spreadsheet's columns, for the mapping step
    template_download_label = ""
    template_name = "cms/admin/upload_flow.html"
    confirm_only = False  # the URL that only confirms (kept URL names of the old pages)
    filename = ""  # of the file being checked (for ``report``)

    # --- what a flow declares ---
    def has_permission(self, request: HttpRequest) -> bool:
        raise NotImplementedError

    def check(self, *, data: bytes, filename: str, options: dict, mapping: dict, dry_run: bool):
        """Run the import's service (a dry run, or the write); returns its result."""
        raise NotImplementedError

    def report(self, result) -> UploadReport:
        raise NotImplementedError

    def done(self, request: HttpRequest, result) -> HttpResponse:
        """After the write: the message with the counts, and where to go."""
        raise NotImplementedError

    def template_download_url(self) -> str | None:
        return None

    def flow_url(self) -> str:
        """The flow's page (a confirm-only URL sends its GETs and expiries there)."""
        return self.request.path

    def scope(self) -> str:
        """What the kept file belongs to besides the flow (e.g. the exam session)."""
        return ""

    def form_initial(self, options: dict) -> dict:
        return options

    def extra_context(self) -> dict:
        return {}

    # --- the steps ---
    def dispatch(self, request, *args, **kwargs):
        if not self.has_permission(request):
            raise PermissionDenied
        self.prepare(**kwargs)
        return super().dispatch(request, *args, **kwargs)

    def prepare(self, **kwargs) -> None:
        """Load what the URL names (e.g. the exam session, a 404 outside one's scope)."""

    def get(self, request, *args, **kwargs):
        if self.confirm_only:
            return redirect(self.flow_url())
        return self.render(self.form_class())

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action", "confirm" if self.confirm_only else "check")
        if action == "confirm":
            return self.confirm()
        if action == "remap":
            return self.remap()
        form = self.form_class(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(form)
        self.discard()
        upload = form.cleaned_data["file"]
        data = upload.read()
        options = form.options()
        token = pending_upload_save(data=data)
        self.request.session[self.session_key] = {
            "token": token,
            "filename": upload.name,
            "options": _jsonable(options),
            "scope": self.scope(),
        }
        return self.checked(data, upload.name, options, token, form)

    def remap(self) -> HttpResponse:
        pending = self.pending()
        if pending is None:
            return self.expired()
        sources = self.request.POST.getlist("map_from")
        targets = self.request.POST.getlist("map_to")
        allowed = set(self.columns.names) if self.columns else set()
        chosen = {s: t for s, t in zip(sources, targets, strict=False) if t == "" or t in allowed}
        if chosen:
            column_mapping_remember(user=self.request.user, kind=self.kind, mapping=chosen)
            messages.success(self.request, MAPPING_REMEMBERED)
        options = self.stored_options(pending["options"])
        form = self.form_class(initial=self.form_initial(pending["options"]))
        return self.checked(pending["data"], pending["filename"], options, pending["token"], form)

    def checked(self, data, filename, options, token, form) -> HttpResponse:
        self.filename = filename
        mapping = column_mapping_for(user=self.request.user, kind=self.kind)
        try:
            header = self.header(data, filename, mapping)
        except spreadsheets.SpreadsheetFileError as exc:
            self.discard()
            report = UploadReport(filename, [ReportLine(str(FILE_POSITION), "", str(exc))])
            return self.render(form, report=report, filename=filename)
        if header is not None and header.missing:
            columns = "、".join(header.missing)
            step = {"message": COLUMNS_MISSING % {"columns": columns}}
            return self.render(form, token=token, filename=filename, header=header, step=step)
        result = self.check(
            data=data, filename=filename, options=options, mapping=mapping, dry_run=True
        )
        report = self.report(result).sort()
        # A file with errors is kept only for a re-check with another mapping, and never one
        # refused as a whole (over a limit, unreadable).
        if not report.ok and (not (header and header.unmapped) or report.refused):
            self.discard()
            token = None
        return self.render(form, report=report, token=token, filename=filename, header=header)

    def confirm(self) -> HttpResponse:
        pending = self.pending()
        if pending is None:
            return self.expired()
        self.discard()
        self.filename = pending["filename"]
        mapping = column_mapping_for(user=self.request.user, kind=self.kind)
        result = self.check(
            data=pending["data"],
            filename=pending["filename"],
            options=self.stored_options(pending["options"]),
            mapping=mapping,
            dry_run=False,
        )
        report = self.report(result).sort()
        if not report.ok:  # something changed since the check (a duplicate, a person moved)
            messages.error(self.request, UPLOAD_STILL_INVALID)
            form = self.form_class(initial=self.form_initial(pending["options"]))
            return self.render(form, report=report, filename=pending["filename"])
        return self.done(self.request, result)

    # --- helpers ---
    @property
    def session_key(self) -> str:
        return SESSION_PREFIX + self.kind

    def pending(self) -> dict | None:
        """The kept file, when the posted token is the one this person's session holds for
        this flow (and scope): any other token (tampered, another person's, another
        session's) finds nothing."""
        kept = self.request.session.get(self.session_key) or {}
        token = self.request.POST.get("token", "")
        if not token or kept.get("token") != token or kept.get("scope") != self.scope():
            return None
        data = pending_upload_read(token=token)
        if data is None:
            return None
        return {**kept, "data": data}

    def discard(self) -> None:
        kept = self.request.session.pop(self.session_key, None)
        if kept:
            pending_upload_delete(token=kept.get("token", ""))

    def expired(self) -> HttpResponse:
        messages.error(self.request, UPLOAD_EXPIRED)
        return redirect(self.flow_url())

    def stored_options(self, options: dict) -> dict:
        """Options as the flow's ``check`` takes them (override to turn ids into objects)."""
        return options

    def header(self, data: bytes, filename: str, mapping: dict) -> spreadsheets.Header | None:
        if self.columns is None or not filename.lower().endswith(SHEET_SUFFIXES):
            return None
        try:
            header = spreadsheets.locate_header(data, filename, self.columns, mapping)
        except spreadsheets.SpreadsheetFileError:
            return None  # the check reports it, in the import's own words
        if header.missing:
            # Before a person is asked to map a file's columns, the whole file must be within
            # the limits (rows, columns, cells): raises ``SpreadsheetFileError`` otherwise.
            rows = spreadsheets.iter_upload_rows(
                data, filename, sheet_index=header.sheet_index, header_row=header.last_row
            )
            for _row in rows:
                pass
        return header

    def render(self, form, **context) -> TemplateResponse:
        header = context.get("header")
        if header is not None and self.columns is not None:
            context["mapping_rows"] = self.mapping_rows(header)
        context.update(
            {
                "page_title": self.page_title,
                "header_icon": "upload",
                "intro": self.intro,
                "form": form,
                "template_url": self.template_download_url(),
                "template_label": self.template_download_label,
                "action_url": self.flow_url(),
                **self.extra_context(),
            }
        )
        return TemplateResponse(self.request, self.template_name, context)

    def mapping_rows(self, header: spreadsheets.Header) -> list[dict]:
        """Each column of the file that is none of the import's, with the choices left."""
        found = set(header.found)
        choices = [("", str(NOT_IMPORTED))] + [(n, n) for n in self.columns.names if n not in found]
        return [{"text": text, "choices": choices} for _i, text in header.unmapped]


def _jsonable(options: dict) -> dict:
    """Model instances kept by their primary key (sessions store JSON)."""
    return {k: getattr(v, "pk", v) for k, v in options.items()}
