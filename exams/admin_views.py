"""Question-bank admin pages beyond the viewsets: import, export, amendment review, bulk actions.

Each view checks the model permission, validates a form, calls one service or selector and
answers with a page, a download or a redirect with a message.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction

from .formats.detect import FORMAT_LABELS
from .formats.spreadsheet import template_workbook
from .forms import AmendmentReviewForm, QuestionImportForm, QuestionMoveForm
from .models import Question, QuestionKind, Topic
from .selectors import (
    EXPORT_FORMATS,
    amendment_review_rows,
    open_amendment_flags,
    question_bank_export,
)
from .services import question_resolve_amendment, questions_import, questions_move, questions_retire
from .services.pending_imports import (
    pending_import_delete,
    pending_import_read,
    pending_import_save,
)
from .viewsets import questions_filtered

IMPORT_SESSION_KEY = "exams_question_import"

MSG_IMPORTED = _("已导入 %(imported)s 道试题，跳过 %(skipped)s 道。")
MSG_IMPORT_EXPIRED = _("待确认的导入已失效，请重新上传文件。")
MSG_FILE_TOO_LARGE = _("文件过大，上限为 %(limit)s KB。")
MSG_NO_OPEN_FLAGS = _("这道试题没有待复核的法条引用。")
MSG_AMENDMENT_RESOLVED = _("已核对答案、更新引用并重新启用试题“%(question)s”。")
MSG_RETIRED = _("已停用 %(count)d 道试题。")
MSG_MOVED = _("已移动 %(count)d 道试题。")
MSG_BAD_EXPORT_FORMAT = _("不支持的导出格式。")


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(f"exams.{permission}_question"):
        raise PermissionDenied


# --- Import ---------------------------------------------------------------------------------


def question_import(request: HttpRequest) -> HttpResponse:
    """Upload -> dry run and report -> "确认导入" re-validates the kept file and commits."""
    _require(request, "add")
    if request.method == "POST" and request.POST.get("action") == "commit":
        return _import_commit(request)
    form = QuestionImportForm(request.POST or None, request.FILES or None)
    context = {"form": form, "report": None}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.UPLOAD_MAX_BYTES:
            limit = settings.UPLOAD_MAX_BYTES // 1024
            form.add_error("file", MSG_FILE_TOO_LARGE % {"limit": limit})
        else:
            data = upload.read()
            topic = form.cleaned_data["topic"]
            report = questions_import(
                data=data, filename=upload.name, topic=topic, actor=request.user, dry_run=True
            )
            context["report"] = report
            for row in report.preview:
                row["kind_label"] = QuestionKind(row["kind"]).label
            context["format_label"] = FORMAT_LABELS.get(report.format, report.format)
            if not report.errors:
                context["token"] = _import_keep(request, data, upload.name, topic)
    return TemplateResponse(request, "exams/admin/question_import.html", context)


def _import_keep(request: HttpRequest, data: bytes, filename: str, topic: Topic | None) -> str:
    """Keep the checked file until it is confirmed (only its token goes to the browser)."""
    _import_discard(request)
    token = pending_import_save(data=data)
    request.session[IMPORT_SESSION_KEY] = {
        "token": token,
        "filename": filename,
        "topic": topic.pk if topic else None,
    }
    return token


def _import_discard(request: HttpRequest) -> None:
    pending = request.session.pop(IMPORT_SESSION_KEY, None)
    if pending:
        pending_import_delete(token=pending.get("token", ""))


def _import_commit(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(IMPORT_SESSION_KEY) or {}
    token = request.POST.get("token", "")
    data = pending_import_read(token=token) if pending.get("token") == token else None
    if data is None:
        messages.error(request, MSG_IMPORT_EXPIRED)
        return redirect("exams_bank_import")
    topic = Topic.objects.filter(pk=pending.get("topic")).first() if pending.get("topic") else None
    report = questions_import(
        data=data, filename=pending["filename"], topic=topic, actor=request.user
    )
    _import_discard(request)
    if report.errors:  # the bank changed since the preview (e.g. a duplicate was added)
        form = QuestionImportForm(initial={"topic": topic})
        context = {
            "form": form,
            "report": report,
            "format_label": FORMAT_LABELS.get(report.format, report.format),
        }
        return TemplateResponse(request, "exams/admin/question_import.html", context)
    messages.success(
        request, MSG_IMPORTED % {"imported": report.imported, "skipped": len(report.skipped)}
    )
    return redirect(Question.snippet_viewset.get_url_name("list"))


def question_import_template(request: HttpRequest) -> HttpResponse:
    _require(request, "add")
    response = HttpResponse(template_workbook(), content_type=EXPORT_FORMATS["xlsx"][0])
    response["Content-Disposition"] = 'attachment; filename="question-bank-template.xlsx"'
    return response


# --- Export ---------------------------------------------------------------------------------


def question_export(request: HttpRequest) -> HttpResponse:
    """The listing's filtered questions (or all) in one of the exchange formats."""
    _require(request, "change")
    fmt = request.GET.get("format", "xlsx")
    if fmt not in EXPORT_FORMATS:
        raise Http404(MSG_BAD_EXPORT_FORMAT)
    content_type, extension = EXPORT_FORMATS[fmt]
    content = question_bank_export(questions=questions_filtered(request), fmt=fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="questions.{extension}"'
    return response


# --- Amendment review -----------------------------------------------------------------------


def question_amendments(request: HttpRequest, pk: int) -> HttpResponse:
    """修法复核: old and new article side by side with the question's key; the reviewer
    confirms the key (or edits the question) before the question may become active."""
    _require(request, "change")
    question = get_object_or_404(Question.objects.select_related("current_version"), pk=pk)
    edit_url = reverse(Question.snippet_viewset.get_url_name("edit"), args=[question.pk])
    flags = list(open_amendment_flags(question))
    if not flags:
        messages.info(request, MSG_NO_OPEN_FLAGS)
        return redirect(edit_url)
    form = AmendmentReviewForm(request.POST or None, flags=flags)
    if request.method == "POST" and form.is_valid():
        try:
            question_resolve_amendment(
                question=question,
                replacements=form.replacements(),
                confirmed=form.cleaned_data["confirmed"],
                actor=request.user,
            )
        except ValidationError as refused:
            for message in refused.messages:
                form.add_error(None, message)
        else:
            messages.success(request, MSG_AMENDMENT_RESOLVED % {"question": question})
            return redirect(edit_url)
    context = {
        "question": question,
        "version": question.current_version,
        "form": form,
        "rows": amendment_review_rows(flags, form),
        "edit_url": edit_url,
    }
    return TemplateResponse(request, "exams/admin/question_amendments.html", context)


# --- Bulk actions ---------------------------------------------------------------------------


class QuestionBulkAction(SnippetBulkAction):
    models = [Question]

    def check_perm(self, question: Question) -> bool:
        return self.request.user.has_perm("exams.change_question")

    def get_execution_context(self):
        return {"user": self.request.user}


class RetireBulkAction(QuestionBulkAction):
    display_name = _("停用试题")
    action_type = "retire"
    aria_label = _("停用所选试题")
    template_name = "exams/admin/bulk_retire.html"
    action_priority = 20

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        return questions_retire(questions=objects, actor=user), 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return MSG_RETIRED % {"count": num_parent_objects}


class MoveBulkAction(QuestionBulkAction):
    display_name = _("移动到知识点")
    action_type = "move"
    aria_label = _("将所选试题移动到另一个知识点")
    template_name = "exams/admin/bulk_move.html"
    action_priority = 30
    form_class = QuestionMoveForm

    def get_execution_context(self):
        return {**super().get_execution_context(), "topic": self.cleaned_form.cleaned_data["topic"]}

    @classmethod
    def execute_action(cls, objects, user=None, topic=None, **kwargs):
        return questions_move(questions=objects, topic=topic, actor=user), 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return MSG_MOVED % {"count": num_parent_objects}
