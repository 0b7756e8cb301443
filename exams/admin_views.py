"""Question-bank admin pages beyond the viewsets: import, export, amendment review, bulk actions.

Each view checks the model permission, validates a form, calls one service or selector and
answers with a page, a download or a redirect with a message.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction

from .formats.detect import FORMAT_LABELS
from .formats.spreadsheet import template_workbook
from .forms import AmendmentReviewForm, QuestionCiteForm, QuestionImportForm, QuestionMoveForm
from .models import Question, QuestionKind, Topic
from .selectors import EXPORT_FORMATS, open_amendment_flags, question_bank_export
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
MSG_AMENDMENT_RESOLVED = _("已更新引用并重新启用试题“%(question)s”。")
MSG_RETIRED = _("已停用 %(count)d 道试题。")
MSG_MOVED = _("已移动 %(count)d 道试题。")
MSG_BAD_EXPORT_FORMAT = _("不支持的导出格式。")
MSG_CITED = _("已为 %(cited)d 道试题补充法条，启用 %(activated)d 道。")
MSG_NOT_ACTIVATED = _("试题 #%(pk)s 未启用：%(reasons)s")


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
    """修法复核: re-point the citations of amended articles and reactivate the question."""
    _require(request, "change")
    question = get_object_or_404(Question.objects.select_related("current_version"), pk=pk)
    edit_url = reverse(Question.snippet_viewset.get_url_name("edit"), args=[question.pk])
    flags = list(open_amendment_flags(question))
    if not flags:
        messages.info(request, MSG_NO_OPEN_FLAGS)
        return redirect(edit_url)
    form = AmendmentReviewForm(request.POST or None, flags=flags)
    if request.method == "POST" and form.is_valid():
        question_resolve_amendment(
            question=question, replacements=form.replacements(), actor=request.user
        )
        messages.success(request, MSG_AMENDMENT_RESOLVED % {"question": question})
        return redirect(edit_url)
    rows = [(flag, form[form.field_name(flag)]) for flag in flags]
    context = {"question": question, "form": form, "rows": rows, "edit_url": edit_url}
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


class CiteBulkAction(QuestionBulkAction):
    """补充法条: one citation for the selected drafts, or per question an article suggested by
    its wording; the drafts that become sound may be activated in the same step."""

    display_name = _("补充法条")
    action_type = "cite"
    aria_label = _("为所选试题补充引用法条")
    template_name = "exams/admin/bulk_cite.html"
    action_priority = 10
    form_class = QuestionCiteForm

    def _questions(self) -> list[Question]:
        if not hasattr(self, "_selected"):
            objects, _without = self.get_actionable_objects()
            ids = [q.pk for q in objects]
            self._selected = list(
                Question.objects.filter(pk__in=ids).select_related("current_version").order_by("pk")
            )
        return self._selected

    def get_form_kwargs(self):
        from .article_suggestions import ArticleIndex, question_search_text

        questions = self._questions()
        index = ArticleIndex() if questions else None
        suggestions = {
            q.pk: index.suggest(question_search_text(q.current_version))
            for q in questions
            if q.current_version is not None
        }
        return {**super().get_form_kwargs(), "questions": questions, "suggestions": suggestions}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = context["form"].rows()
        return context

    def get_execution_context(self):
        return {
            **super().get_execution_context(),
            "citations": self.cleaned_form.citations(),
            "activate": self.cleaned_form.cleaned_data.get("activate", False),
            "request": self.request,
        }

    @classmethod
    def execute_action(cls, objects, user=None, citations=None, activate=False, request=None):
        from .services.question_cite import questions_cite

        allowed = {q.pk for q in objects}
        result = questions_cite(
            citations={pk: parts for pk, parts in (citations or {}).items() if pk in allowed},
            activate=activate,
            actor=user,
        )
        if request is not None:
            for pk, reasons in result.not_activated.items():
                messages.warning(
                    request, MSG_NOT_ACTIVATED % {"pk": pk, "reasons": "；".join(reasons)}
                )
        return result.cited, result.activated

    def get_success_message(self, num_parent_objects, num_child_objects):
        return MSG_CITED % {"cited": num_parent_objects, "activated": num_child_objects}
