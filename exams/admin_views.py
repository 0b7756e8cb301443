"""Question-bank admin pages beyond the viewsets: import, export, amendment review, bulk actions.

Each view checks the model permission, validates a form, calls one service or selector and
answers with a page, a download or a redirect with a message.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction

from cms.uploads import ReportTable, UploadFlowView, UploadReport, position_line

from .formats.detect import FORMAT_LABELS
from .formats.spreadsheet import QUESTION_COLUMNS, template_workbook
from .forms import AmendmentReviewForm, QuestionCiteForm, QuestionImportForm, QuestionMoveForm
from .models import Question, QuestionKind, Topic
from .selectors import (
    EXPORT_FORMATS,
    amendment_review_rows,
    open_amendment_flags,
    question_bank_export,
)
from .services import question_resolve_amendment, questions_import, questions_move, questions_retire
from .services.questions import QuestionImportReport
from .viewsets import questions_filtered

MSG_IMPORTED = _("已导入 %(imported)s 道试题，跳过 %(skipped)s 道。")
MSG_FORMAT = _("文件格式：%(format)s")
MSG_PREVIEW = _(
    "可导入 %(imported)s 道试题（其中 %(drafts)s 道为待补充法条的草稿），跳过 %(skipped)s 道。"
)
MSG_PREVIEW_FIRST = _("将导入的试题（显示前 %(shown)s 道）")
MSG_DRAFTS = _(
    "其中 %(drafts)s 道试题缺少可解析的法条引用，已存为草稿（待补充法条），不会抽入试卷。"
)
MSG_NO_OPEN_FLAGS = _("这道试题没有待复核的法条引用。")
MSG_AMENDMENT_RESOLVED = _("已核对答案、更新引用并重新启用试题“%(question)s”。")
MSG_RETIRED = _("已停用 %(count)d 道试题。")
MSG_MOVED = _("已移动 %(count)d 道试题。")
MSG_BAD_EXPORT_FORMAT = _("不支持的导出格式。")
MSG_CITED = _("已为 %(cited)d 道试题补充法条，启用 %(activated)d 道。")
MSG_NOT_ACTIVATED = _("试题 #%(pk)s 未启用：%(reasons)s")


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(f"exams.{permission}_question"):
        raise PermissionDenied


# --- Import ---------------------------------------------------------------------------------


class QuestionImportView(UploadFlowView):
    """Upload -> check and report -> "确认导入" checks the kept file again and commits."""

    kind = "questions"
    page_title = _("导入试题")
    intro = _("整份文件要么全部导入，要么一道也不导入。")
    form_class = QuestionImportForm
    columns = QUESTION_COLUMNS
    template_download_label = _("下载题库模板（xlsx）")

    def has_permission(self, request) -> bool:
        return request.user.has_perm("exams.add_question")

    def flow_url(self) -> str:
        return reverse("exams_bank_import")

    def template_download_url(self) -> str:
        return reverse("exams_bank_import_template")

    def stored_options(self, options: dict) -> dict:
        topic = options.get("topic")
        topic = Topic.objects.filter(pk=topic).first() if topic else None
        return {**options, "topic": topic}

    def check(self, *, data, filename, options, mapping, dry_run) -> QuestionImportReport:
        return questions_import(
            data=data,
            filename=filename,
            topic=options.get("topic"),
            actor=self.request.user,
            dry_run=dry_run,
            skip_duplicates=bool(options.get("skip_duplicates")),
            mapping=mapping,
        )

    def report(self, result: QuestionImportReport) -> UploadReport:
        report = UploadReport(
            self.filename,
            [position_line(e.position, e.message) for e in result.errors],
        )
        label = FORMAT_LABELS.get(result.format, result.format)
        report.summary.append(str(MSG_FORMAT % {"format": label}))
        if not result.errors:
            counts = {"imported": result.imported, "drafts": result.drafts}
            report.summary.append(str(MSG_PREVIEW % {**counts, "skipped": len(result.skipped)}))
        where, why = str(_("位置")), str(_("原因"))
        if result.preview:
            headers = [_("位置"), _("题型"), _("题干"), _("知识点"), _("引用法条")]
            rows = [
                [
                    row["position"],
                    QuestionKind(row["kind"]).label,
                    row["stem"],
                    row.get("topic", ""),
                    row.get("citations", ""),
                ]
                for row in result.preview
            ]
            title = _("将导入的试题")
            if len(result.preview) < result.imported:
                title = MSG_PREVIEW_FIRST % {"shown": len(result.preview)}
            report.tables.append(ReportTable(str(title), [str(h) for h in headers], rows))
        for title, lines, kind in (
            (_("提示（不影响导入）"), result.warnings, "warning"),
            (_("未保留的内容"), result.not_kept, "warning"),
            (_("跳过的试题"), result.skipped, "info"),
        ):
            if lines:
                rows = [[line.position, line.message] for line in lines]
                report.tables.append(ReportTable(str(title), [where, why], rows, kind))
        if result.created_topics:
            rows = [[name] for name in result.created_topics]
            title = _("将新建的知识点")
            report.tables.append(ReportTable(str(title), [str(_("知识点"))], rows, "info"))
        return report

    def done(self, request, result: QuestionImportReport) -> HttpResponse:
        counts = {"imported": result.imported, "skipped": len(result.skipped)}
        messages.success(request, MSG_IMPORTED % counts)
        if result.drafts:
            messages.warning(request, MSG_DRAFTS % {"drafts": result.drafts})
        return redirect(Question.snippet_viewset.get_url_name("list"))


question_import = QuestionImportView.as_view()


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
