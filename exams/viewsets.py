"""Admin viewsets of the question bank ("题库"): questions (a snippet) and the topic tree.

Creating and editing a question goes through the services (``question_create`` /
``question_update``), which version a question an attempt has already used; the views only
turn the form into their arguments.
"""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn, Column, DateColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.usage import UsageView as GenericUsageView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import Button, HeaderButton, ListingButton
from wagtail.log_actions import log
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from cms.laws.models import Law

from .forms import OPTION_FIELDS, QuestionForm, TopicForm
from .models import (
    DRAFT_NEEDS_CITATION,
    Citation,
    Question,
    QuestionKind,
    QuestionStatus,
    QuestionVersion,
    Topic,
)
from .selectors import questions_with_versions, topics_with_counts
from .services import (
    amendment_flags_resolve_by_edit,
    question_create,
    question_set_status,
    question_update,
)
from .services.regrades import key_change

MENU_HOOK = "register_question_bank_menu_item"

EXPORT_LABELS = {
    "xlsx": _("导出 Excel（题库模板）"),
    "csv": _("导出 CSV（题库模板）"),
    "gift": _("导出 Moodle GIFT"),
    "xml": _("导出 Moodle XML"),
    "docx": _("导出 Word 题目列表"),
    "txt": _("导出文本题目列表"),
}


# --- Questions ------------------------------------------------------------------------------


class QuestionFilterSet(WagtailFilterSet):
    topic = django_filters.ModelChoiceFilter(
        label=_("知识点（含下级）"),
        queryset=Topic.objects.order_by("path"),
        method="filter_topic",
    )
    kind = django_filters.ChoiceFilter(
        label=_("题型"),
        field_name="current_version__kind",
        choices=QuestionKind.choices,
        empty_label=_("全部"),
    )
    difficulty = django_filters.ChoiceFilter(
        label=_("难度"),
        field_name="current_version__difficulty",
        choices=[(n, str(n)) for n in range(1, 6)],
        empty_label=_("全部"),
    )
    status = django_filters.ChoiceFilter(
        label=_("状态"), choices=QuestionStatus.choices, empty_label=_("全部")
    )
    needs_citation = django_filters.BooleanFilter(
        label=DRAFT_NEEDS_CITATION, method="filter_needs_citation"
    )
    law = django_filters.ModelChoiceFilter(
        label=_("引用法律法规"),
        queryset=Law.objects.order_by("category", "title"),
        method="filter_law",
    )

    class Meta:
        model = Question
        fields = ["topic", "kind", "difficulty", "status", "needs_citation", "law"]

    def filter_topic(self, queryset: QuerySet[Question], name, value: Topic) -> QuerySet[Question]:
        return queryset.filter(topic__path__startswith=value.path)

    def filter_needs_citation(
        self, queryset: QuerySet[Question], name, value
    ) -> QuerySet[Question]:
        """Yes: drafts citing nothing (待补充法条); no: every other question."""
        if value is None:
            return queryset
        waiting = Q(status=QuestionStatus.DRAFT) & ~Exists(
            Citation.objects.filter(version=OuterRef("current_version"))
        )
        return queryset.filter(waiting) if value else queryset.exclude(waiting)

    def filter_law(self, queryset: QuerySet[Question], name, value: Law) -> QuerySet[Question]:
        versions = QuestionVersion.objects.filter(citations__article__version__law=value)
        return queryset.filter(current_version__in=versions.values("pk"))


def questions_filtered(request) -> QuerySet[Question]:
    """The listing's questions for the request's filters and search (used by the export)."""
    queryset = Question.objects.filter(current_version__isnull=False)
    filterset = QuestionFilterSet(request.GET, queryset=queryset, request=request)
    if filterset.is_valid():
        queryset = filterset.qs
    query = (request.GET.get("q") or "").strip()
    if query:
        queryset = queryset.filter(current_version__stem_text__icontains=query)
    return queryset


def _status_label(question: Question) -> str:
    """草稿（待补充法条） for a draft that cites nothing: what it waits for."""
    label = str(question.get_status_display())
    if question.status == QuestionStatus.DRAFT and question.current_version is not None:
        if not question.current_version.citations.all():
            return f"{label}（{DRAFT_NEEDS_CITATION}）"
    return label


def _stem_excerpt(question: Question) -> str:
    version = question.current_version
    return Truncator(version.stem_text).chars(50) if version else ""


def _cited_laws(question: Question) -> str:
    version = question.current_version
    if version is None:
        return ""
    names = dict.fromkeys(c.article.version.law.short_title for c in version.citations.all())
    return "、".join(names)


class QuestionIndexView(snippet_views.IndexView):
    @cached_property
    def columns(self):
        title_column_class = self._get_title_column_class(TitleColumn)
        return [
            BulkActionsCheckboxColumn("bulk_actions", obj_type="snippet"),
            Column("id", label="ID", sort_key="id", width="6%"),
            title_column_class(
                "stem",
                label=_("题干"),
                accessor=_stem_excerpt,
                get_url=self.get_edit_url,
                get_title_id=lambda q: f"snippet_{q.pk}_title",
            ),
            Column("name", label=_("试题名称"), accessor="name"),
            Column("kind", label=_("题型"), accessor="current_version.kind_label"),
            Column("topic", label=_("知识点"), accessor="topic.name"),
            Column("difficulty", label=_("难度"), accessor="current_version.difficulty"),
            Column("status", label=_("状态"), accessor=_status_label, sort_key="status"),
            Column("laws", label=_("引用法律"), accessor=_cited_laws),
            DateColumn("updated_at", label=_("修改时间"), sort_key="updated_at"),
        ]

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        query = self.request.GET.copy()
        query.pop("p", None)
        for index, (fmt, label) in enumerate(EXPORT_LABELS.items()):
            query["format"] = fmt
            buttons.append(
                Button(
                    label,
                    url=f"{reverse('exams_bank_export')}?{query.urlencode()}",
                    icon_name="download",
                    priority=100 + index,
                )
            )
        return buttons

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if self.request.user.has_perm("exams.add_question"):
            buttons.append(
                HeaderButton(_("导入试题"), url=reverse("exams_bank_import"), icon_name="upload")
            )
        return buttons


class QuestionCreateView(snippet_views.CreateView):
    def save_instance(self) -> Question:
        data = self.form.cleaned_data
        return question_create(
            topic=data["topic"],
            status=data["status"],
            actor=self.request.user,
            **self.form.service_kwargs(),
        )


class QuestionEditView(snippet_views.EditView):
    def form_valid(self, form):
        """A changed key of a question candidates have answered is a key correction: the edit
        is kept aside and the editor goes to its dry run instead of saving silently."""
        kwargs = form.service_kwargs()
        new_key = key_change(
            question=self.object,
            kind=kwargs["kind"],
            options=kwargs["options"],
            answer_true=kwargs["answer_true"],
        )
        if new_key is None:
            return super().form_valid(form)
        if self.expects_json_response:  # an autosave: a key correction is never silent
            from .regrade_views import MSG_KEY_CHANGE

            return self.json_error_response("key_correction", str(MSG_KEY_CHANGE))
        from wagtail.admin import messages

        from .regrade_views import MSG_KEY_CHANGE, pending_edit_keep

        pending_edit_keep(self.request, self.object, form)
        messages.warning(self.request, MSG_KEY_CHANGE)
        return redirect("exams_regrade_key", pk=self.object.pk)

    def save_instance(self) -> Question:
        data = self.form.cleaned_data
        question = self.object
        previous_status = Question.objects.values_list("status", flat=True).get(pk=question.pk)
        changes_status = data["status"] != previous_status
        # Leaving "active" first (an active question may not lose its citation), becoming
        # active last (the soundness rule asks about the edited version).
        if changes_status and data["status"] != QuestionStatus.ACTIVE:
            question_set_status(question=question, status=data["status"], actor=self.request.user)
        question_update(
            question=question,
            topic=data["topic"],
            actor=self.request.user,
            **self.form.service_kwargs(),
        )
        question.refresh_from_db()
        amendment_flags_resolve_by_edit(question=question, actor=self.request.user)
        if changes_status and data["status"] == QuestionStatus.ACTIVE:
            question_set_status(question=question, status=data["status"], actor=self.request.user)
        return question

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        buttons.append(
            HeaderButton(
                _("试题分析"),
                url=reverse("exams_question_statistics", args=[self.object.pk]),
                icon_name="doc-full",
            )
        )
        if self.object.amendment_flags.filter(resolved_at__isnull=True).exists():
            buttons.append(
                HeaderButton(
                    _("修法复核"),
                    url=reverse("exams_bank_amendments", args=[self.object.pk]),
                    icon_name="warning",
                )
            )
        return buttons


def _remedy_links(row) -> str:
    """The drop / full-marks links of a usage row (or the remedy already made)."""
    if row.remedy is not None:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("exams_regrade", args=[row.remedy.pk]),
            row.remedy.get_action_display(),
        )
    if not row.graded:
        return ""
    from .models import Regrade

    links = [
        (
            reverse("exams_regrade_remedy", args=[row.question_id, row.session.pk, action]),
            action,
            Regrade.Action(action).label,
        )
        for action in (Regrade.Action.DROP, Regrade.Action.FULL_MARKS)
    ]
    return format_html_join(
        " · ", '<a href="{}" data-remedy="{}">{}</a>', ((u, a, str(label)) for u, a, label in links)
    )


class QuestionUsageView(snippet_views.UsageView):
    """Where the question was used: sessions in the viewer's scope and the attempts on each
    version, with the remedies (key correction in the editor, drop, full marks)."""

    template_name = "exams/admin/question_usage.html"
    paginate_by = 50

    def get_queryset(self):
        from .regrade_selectors import question_usage

        rows = question_usage(self.object, self.request.user)
        for row in rows:
            row.question_id = self.object.pk
        return rows

    @cached_property
    def columns(self):
        from .session_views import url_name

        return [
            TitleColumn(
                "session",
                label=_("考试场次"),
                accessor="session.title",
                get_url=lambda r: reverse(url_name("results"), args=[r.session.pk]),
            ),
            Column("version", label=_("版本")),
            Column("graded", label=_("已评分答卷")),
            Column("in_progress", label=_("作答中")),
            Column("voided", label=_("已作废")),
            Column("remedy", label=_("处理"), accessor=_remedy_links),
        ]

    def get_table(self, object_list, **kwargs):
        return super(GenericUsageView, self).get_table(object_list, **kwargs)

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if self.object.versions.filter(locked=True).exists():
            buttons.append(
                HeaderButton(
                    _("更正答案"),
                    url=self.get_edit_url(self.object),
                    icon_name="warning",
                )
            )
        return buttons

    def get_context_data(self, *args, **kwargs):
        from .regrade_selectors import question_regrades

        context = super().get_context_data(*args, **kwargs)
        context["regrades"] = question_regrades(self.object, self.request.user)[:50]
        return context


class QuestionViewSet(SnippetViewSet):
    unscoped_reason = "the city-wide question bank; no personal data"
    model = Question
    icon = "help"
    menu_label = _("试题")
    menu_name = "questions"
    menu_order = 100
    add_to_admin_menu = False
    base_url_path = "exams/questions"
    index_view_class = QuestionIndexView
    add_view_class = QuestionCreateView
    edit_view_class = QuestionEditView
    usage_view_class = QuestionUsageView
    copy_view_enabled = False
    filterset_class = QuestionFilterSet
    search_fields = ["current_version__stem_text", "name"]
    search_backend_name = None
    list_per_page = 50
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("topic"), FieldPanel("status")]),
            FieldRowPanel([FieldPanel("kind"), FieldPanel("difficulty"), FieldPanel("indefinite")]),
            FieldPanel("name"),
            FieldPanel("stem"),
            MultiFieldPanel(
                [FieldPanel(name) for name in OPTION_FIELDS] + [FieldPanel("answer")],
                heading=_("选项与答案"),
            ),
            FieldPanel("explanation"),
            MultiFieldPanel(
                [FieldPanel("model_answer"), FieldPanel("rubric")],
                heading=_("案例分析题、简答题的评分"),
            ),
            FieldPanel("citations"),
            HelpPanel(template="exams/admin/panels/question_versions.html", heading=_("版本")),
        ],
        base_form_class=QuestionForm,
    )

    @property
    def menu_hook(self) -> str:
        return MENU_HOOK

    def get_queryset(self, request) -> QuerySet[Question]:
        return questions_with_versions(Question.objects.all())


# --- Topics ---------------------------------------------------------------------------------


def _indented_name(topic: Topic) -> str:
    return "\u3000" * (topic.depth - 1) + ("└ " if topic.depth > 1 else "") + topic.name


class TopicIndexView(generic.IndexView):
    def get_base_queryset(self) -> QuerySet[Topic]:
        return topics_with_counts()

    @cached_property
    def columns(self):
        title_column_class = self._get_title_column_class(TitleColumn)
        return [
            title_column_class(
                "name", label=_("知识点"), accessor=_indented_name, get_url=self.get_edit_url
            ),
            Column("active", label=_("启用试题")),
            Column("total", label=_("试题总数")),
        ]

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.add_url:
            buttons.insert(
                0,
                ListingButton(
                    _("添加下级知识点"),
                    url=f"{self.add_url}?parent={instance.pk}",
                    icon_name="plus",
                    priority=5,
                ),
            )
        return buttons


class TopicCreateView(generic.CreateView):
    def get_initial(self):
        initial = super().get_initial()
        if parent := self.request.GET.get("parent"):
            initial["parent"] = parent
        return initial

    def save_instance(self) -> Topic:
        parent = self.form.cleaned_data.get("parent")
        name = self.form.cleaned_data["name"]
        topic = parent.add_child(name=name) if parent else Topic.add_root(name=name)
        log(instance=topic, action="wagtail.create", user=self.request.user)
        return topic


class TopicViewSet(ModelViewSet):
    unscoped_reason = "the city-wide topic tree; no personal data"
    model = Topic
    icon = "folder-open-1"
    menu_label = _("知识点")
    menu_name = "topics"
    menu_order = 200
    add_to_admin_menu = False
    url_prefix = "exams/topics"
    index_view_class = TopicIndexView
    add_view_class = TopicCreateView
    copy_view_enabled = False
    inspect_view_enabled = False
    list_per_page = 200

    @property
    def menu_hook(self) -> str:
        return MENU_HOOK

    def get_form_class(self, for_update: bool = False):
        return TopicForm
