"""The "考试" admin menu: blueprints (组卷规则) and exam sessions (考试场次).

Both are Wagtail ``ModelViewSet``s. A session's own pages (candidates and accommodations, the
candidate-list import, results, the exam-day monitor and its actions) are extra URLs of the
session viewset, in ``session_views``.
Sessions are scoped as ``exams.session_selectors.sessions_visible_to`` says; blueprints are
shared by every administrator (they hold no personal data).
"""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    Panel,
)
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import HeaderButton, ListingButton

from cms.admin_scoping import ScopedViewSetMixin

from . import analysis_views, session_views
from .models import Blueprint, ExamSession
from .services import blueprint_supply
from .session_forms import BlueprintForm, ExamSessionForm
from .session_selectors import session_status, sessions_for_listing, sessions_visible_to

MSG_SUPPLY_SHORT = _(
    "注意：启用试题不足以按组卷规则“%(blueprint)s”组卷（%(details)s），考生将无法开始考试。"
)
SUPPLY_DETAIL = _("%(title)s 缺 %(shortfall)s 道")


def supply_summary(blueprint: Blueprint) -> str:
    """ "题量充足" or "缺 N 题" for listings."""
    short = sum(s.shortfall for s in blueprint_supply(blueprint))
    return str(_("缺 %(n)s 道题") % {"n": short}) if short else str(_("题量充足"))


class BlueprintSupplyPanel(Panel):
    """Whether the active bank can fill the blueprint as saved, section by section."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "exams/admin/sessions/supply_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            blueprint = self.instance
            supply = blueprint_supply(blueprint) if blueprint and blueprint.pk else []
            context["supply"] = supply
            context["short"] = any(s.shortfall for s in supply)
            return context


# --- Blueprints -----------------------------------------------------------------------------


class BlueprintIndexView(generic.IndexView):
    def get_base_queryset(self) -> QuerySet[Blueprint]:
        return super().get_base_queryset().annotate(section_count=Count("sections"))

    @cached_property
    def columns(self):
        title_column_class = self._get_title_column_class(TitleColumn)
        return [
            title_column_class("name", label=_("名称"), get_url=self.get_edit_url, sort_key="name"),
            Column("section_count", label=_("部分数")),
            Column("supply", label=_("题库供给"), accessor=supply_summary),
        ]


class BlueprintViewSet(ModelViewSet):
    unscoped_reason = "shared by every exam administrator; no personal data"
    model = Blueprint
    icon = "list-ol"
    menu_label = _("组卷规则")
    menu_name = "blueprints"
    menu_order = 100
    url_prefix = "exams/blueprints"
    index_view_class = BlueprintIndexView
    copy_view_enabled = False
    inspect_view_enabled = False
    search_fields = ["name"]
    search_backend_name = None
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("description"),
            FieldRowPanel([FieldPanel("balance_papers"), FieldPanel("target_expected_score")]),
            BlueprintSupplyPanel(heading=_("题库能否满足本规则")),
            InlinePanel(
                "sections",
                heading=_("组卷部分"),
                label=_("部分"),
                min_num=1,
                panels=[
                    FieldPanel("title"),
                    FieldRowPanel([FieldPanel("kind"), FieldPanel("count"), FieldPanel("points")]),
                    FieldRowPanel(
                        [
                            FieldPanel("difficulty_min"),
                            FieldPanel("difficulty_max"),
                            FieldPanel("min_score"),
                        ]
                    ),
                    FieldPanel("topics"),
                ],
            ),
        ],
        base_form_class=BlueprintForm,
    )


# --- Sessions ------------------------------------------------------------------------------


class ScopedSessionMixin:
    """Edit/delete only sessions the user may manage (others are a 404)."""

    def get_queryset(self):
        return sessions_visible_to(self.request.user)


def _window(session: ExamSession) -> str:
    opens = timezone.localtime(session.opens_at).strftime("%Y-%m-%d %H:%M")
    closes = timezone.localtime(session.closes_at).strftime("%Y-%m-%d %H:%M")
    return f"{opens} – {closes}"


class SessionIndexView(generic.IndexView):
    def get_base_queryset(self) -> QuerySet[ExamSession]:
        return sessions_for_listing(self.request.user)

    @cached_property
    def columns(self):
        title_column_class = self._get_title_column_class(TitleColumn)
        now = timezone.now()
        return [
            title_column_class(
                "title", label=_("考试名称"), get_url=self.get_edit_url, sort_key="title"
            ),
            Column("kind", label=_("考试类别"), accessor="get_kind_display", sort_key="kind"),
            Column("window", label=_("考试时间"), accessor=_window, sort_key="opens_at"),
            Column("status", label=_("状态"), accessor=lambda s: session_status(s, now)),
            Column("candidate_count", label=_("名单考生")),
            Column("attempt_count", label=_("答卷数")),
        ]

    def get_list_more_buttons(self, instance):
        buttons = list(super().get_list_more_buttons(instance))
        buttons[:0] = [
            ListingButton(
                _("考生与特殊安排"),
                url=reverse(session_views.url_name("candidates"), args=[instance.pk]),
                icon_name="group",
                priority=1,
            ),
            ListingButton(
                _("成绩"),
                url=reverse(session_views.url_name("results"), args=[instance.pk]),
                icon_name="table",
                priority=2,
            ),
            ListingButton(
                _("考场监控"),
                url=reverse(session_views.url_name("monitor"), args=[instance.pk]),
                icon_name="time",
                priority=3,
            ),
            ListingButton(
                _("试题分析"),
                url=reverse(session_views.url_name("analysis"), args=[instance.pk]),
                icon_name="doc-full",
                priority=4,
            ),
        ]
        return buttons


class SupplyWarningMixin:
    """After saving, warn when the bank cannot fill the session's blueprint."""

    def save_action(self):
        blueprint = self.object.blueprint
        short = [s for s in blueprint_supply(blueprint) if s.shortfall]
        if short:
            details = "；".join(
                str(SUPPLY_DETAIL % {"title": s.title, "shortfall": s.shortfall}) for s in short
            )
            messages.warning(
                self.request, MSG_SUPPLY_SHORT % {"blueprint": blueprint, "details": details}
            )
        return super().save_action()


class SessionCreateView(SupplyWarningMixin, generic.CreateView):
    def save_instance(self) -> ExamSession:
        self.form.instance.created_by = self.request.user
        return super().save_instance()


class SessionEditView(SupplyWarningMixin, ScopedSessionMixin, generic.EditView):
    @cached_property
    def header_buttons(self):
        return [
            *super().header_buttons,
            HeaderButton(
                _("考生与特殊安排"),
                url=reverse(session_views.url_name("candidates"), args=[self.object.pk]),
                icon_name="group",
            ),
            HeaderButton(
                _("成绩"),
                url=reverse(session_views.url_name("results"), args=[self.object.pk]),
                icon_name="table",
            ),
            HeaderButton(
                _("考场监控"),
                url=reverse(session_views.url_name("monitor"), args=[self.object.pk]),
                icon_name="time",
            ),
            HeaderButton(
                _("试卷难度"),
                url=reverse(session_views.url_name("papers"), args=[self.object.pk]),
                icon_name="list-ol",
            ),
            HeaderButton(
                _("试题分析"),
                url=reverse(session_views.url_name("analysis"), args=[self.object.pk]),
                icon_name="doc-full",
            ),
        ]


class SessionDeleteView(ScopedSessionMixin, generic.DeleteView):
    pass


def _help(text):
    return {"help_text": text}


class ExamSessionViewSet(ScopedViewSetMixin, ModelViewSet):
    """Every view (index, edit, delete, history, usage) scoped by ``sessions_visible_to``."""

    model = ExamSession
    icon = "date"
    menu_label = _("考试场次")
    menu_name = "sessions"
    menu_order = 200
    url_prefix = "exams/sessions"
    index_view_class = SessionIndexView
    add_view_class = SessionCreateView
    edit_view_class = SessionEditView
    delete_view_class = SessionDeleteView
    copy_view_enabled = False
    inspect_view_enabled = False
    list_filter = ["kind"]
    search_fields = ["title"]
    search_backend_name = None
    edit_handler = ObjectList(
        [
            FieldPanel(
                "title", **_help(_("考生在首页和考试页面看到的名称，如“2026年度学法考试”。"))
            ),
            FieldRowPanel(
                [
                    FieldPanel("kind", **_help(_("决定考试规则，如任前考试允许一次补考。"))),
                    FieldPanel("blueprint", **_help(_("每位考生按此规则从题库随机抽题组卷。"))),
                ]
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel(
                        [
                            FieldPanel("opens_at", **_help(_("在此之前不能开始答题。"))),
                            FieldPanel(
                                "closes_at",
                                **_help(_("此后不能开始答题；正在作答的答卷最迟于此时交卷。")),
                            ),
                        ]
                    ),
                    FieldRowPanel(
                        [
                            FieldPanel(
                                "duration_minutes",
                                **_help(_("从开始答题起计算；考生的延长时间另加。")),
                            ),
                            FieldPanel(
                                "attempts_allowed",
                                **_help(
                                    _("每位考生可参加的次数（任前考试固定为一次考试加一次补考）。")
                                ),
                            ),
                        ]
                    ),
                ],
                heading=_("时间与次数"),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel(
                        [
                            FieldPanel("pass_mark", **_help(_("百分制，默认 60 分。"))),
                            FieldPanel("scoring", **_help(_("仅影响多选题。"))),
                        ]
                    ),
                    FieldRowPanel(
                        [
                            FieldPanel(
                                "result_release", **_help(_("“由管理员公布”时在成绩页面公布。"))
                            ),
                            FieldPanel(
                                "review_policy",
                                **_help(
                                    _(
                                        "考生考后能看到的内容。“交卷后立即显示”仅限模拟考试，"
                                        "新建模拟考试时默认选用。"
                                    )
                                ),
                            ),
                        ]
                    ),
                    FieldRowPanel(
                        [
                            FieldPanel("double_marking"),
                            FieldPanel("marking_tolerance"),
                        ]
                    ),
                ],
                heading=_("评分与公布"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel(
                        "eligible_unit",
                        **_help(
                            _(
                                "该单位及其下级单位的人员均可参加；留空则只有考生名单中的人员可参加。"
                            )
                        ),
                    ),
                    FieldRowPanel(
                        [
                            FieldPanel("only_leading_cadres", **_help(_("仅限领导干部参加。"))),
                            FieldPanel(
                                "only_enforcement_officers", **_help(_("仅限行政执法人员参加。"))
                            ),
                        ]
                    ),
                ],
                heading=_("考生范围"),
                help_text=_("考生名单中的人员不受以上条件限制，可在“考生与特殊安排”中导入。"),
            ),
            FieldPanel("instructions", **_help(_("开考前向考生显示的须知。"))),
        ],
        base_form_class=ExamSessionForm,
    )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/candidates/", session_views.candidates, name="candidates"),
            path(
                "<int:pk>/candidates/import/",
                session_views.candidates_import_view,
                name="candidates_import",
            ),
            path(
                "candidates/template/",
                session_views.candidates_template,
                name="candidates_template",
            ),
            path("<int:pk>/results/", session_views.results, name="results"),
            path("<int:pk>/results/export/", session_views.results_export, name="results_export"),
            path("<int:pk>/results/release/", session_views.results_release, name="release"),
            path("<int:pk>/papers/", session_views.papers, name="papers"),
            path("<int:pk>/analysis/", analysis_views.analysis, name="analysis"),
            path(
                "<int:pk>/analysis/compute/",
                analysis_views.analysis_compute,
                name="analysis_compute",
            ),
            path(
                "<int:pk>/analysis/progress/",
                analysis_views.analysis_progress,
                name="analysis_progress",
            ),
            path(
                "<int:pk>/analysis/export/", analysis_views.analysis_export, name="analysis_export"
            ),
            path("<int:pk>/monitor/", session_views.monitor, name="monitor"),
            path("<int:pk>/marking/", session_views.marking, name="marking"),
            path("<int:pk>/monitor/table/", session_views.monitor_table, name="monitor_table"),
            path("<int:pk>/monitor/extend/", session_views.monitor_extend, name="monitor_extend"),
            path(
                "attempts/<int:attempt_id>/<slug:action>/",
                session_views.attempt_action,
                name="attempt_action",
            ),
        ]


class ExamViewSetGroup(ViewSetGroup):
    """The "考试" menu, beside the question bank's "题库"."""

    menu_label = _("考试")
    menu_icon = "date"
    menu_order = 310
    items = (BlueprintViewSet("exams_blueprints"), ExamSessionViewSet(session_views.URL_NAMESPACE))
