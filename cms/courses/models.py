"""Course content as Wagtail pages: home -> course index -> course -> lesson.

Pages hold content only. Listings come from ``selectors.py``; a learner's own progress is
added to these templates by template tags of the learning app, never imported here.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from cms.blocks import RICH_TEXT_FEATURES, LessonStreamBlock
from cms.search import cjk_pieces_fields


class Track(models.TextChoices):
    """The four strands of officials' law study named by the implementation plan."""

    CONSTITUTION = "constitution", _("宪法")
    ADMINISTRATIVE_LAW = "administrative_law", _("行政法")
    RULE_OF_LAW_PLAN = "rule_of_law_plan", _("依法行政实施纲要与实施方案")
    SPECIALISED_LAW = "specialised_law", _("专门法律知识")


class Audience(models.TextChoices):
    ALL_CIVIL_SERVANTS = "all_civil_servants", _("全体公务员")
    LEADING_CADRES = "leading_cadres", _("领导干部")
    ENFORCEMENT_OFFICERS = "enforcement_officers", _("行政执法人员")


AUDIENCE_INVALID = _("请选择有效的适用对象。")
AUDIENCE_REQUIRED = _("请至少选择一类适用对象。")


def validate_audience(value: object) -> None:
    """The audience is stored as a JSON list of ``Audience`` values (several may apply)."""
    if not isinstance(value, list) or not value:
        raise ValidationError(AUDIENCE_REQUIRED, code="audience_required")
    if any(item not in Audience.values for item in value):
        raise ValidationError(AUDIENCE_INVALID, code="unknown_audience")


class CoursePageForm(WagtailAdminPageForm):
    """Shows the audience list as check boxes instead of a raw JSON text area."""

    audience = forms.MultipleChoiceField(
        label=_("适用对象"),
        choices=Audience.choices,
        widget=forms.CheckboxSelectMultiple,
    )


class HomePage(Page):
    """The site root: a short introduction and the live courses by track."""

    intro = RichTextField(_("简介"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    search_fields = Page.search_fields + [index.SearchField("intro")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.CourseIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = _("首页")
        verbose_name_plural = _("首页")

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        from . import selectors  # selectors import these models

        context = super().get_context(request, *args, **kwargs)
        context["track_groups"] = selectors.course_groups_by_track(root=self)
        context["course_index"] = (
            CourseIndexPage.objects.live().descendant_of(self).only("url_path").first()
        )
        return context


class CourseIndexPage(Page):
    """The course catalogue; the moderation workflow is attached here (``services``)."""

    intro = RichTextField(_("简介"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    search_fields = Page.search_fields + [index.SearchField("intro")]

    parent_page_types = ["courses.HomePage"]
    subpage_types = ["courses.CoursePage"]

    class Meta:
        verbose_name = _("课程中心")
        verbose_name_plural = _("课程中心")

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        from . import selectors  # selectors import these models

        context = super().get_context(request, *args, **kwargs)
        track = request.GET.get("track", "")
        if track not in Track.values:
            track = ""
        context["tracks"] = Track.choices
        context["current_track"] = track
        context["courses"] = selectors.course_cards(root=self, track=track or None)
        return context


class CoursePage(Page):
    """A course: a track, its audiences, the study hours it earns, and its lessons as children."""

    track = models.CharField(_("课程类别"), max_length=32, choices=Track.choices)
    audience = models.JSONField(
        _("适用对象"),
        default=list,
        validators=[validate_audience],
        help_text=_("可多选。"),
    )
    study_hours = models.DecimalField(
        _("学时"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5"))],
        help_text=_("学完全部课节后计入的学时数。"),
    )
    intro = RichTextField(_("课程简介"), features=RICH_TEXT_FEATURES)
    cover = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("封面图片"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    base_form_class = CoursePageForm
    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [FieldPanel("track"), FieldPanel("audience"), FieldPanel("study_hours")],
            heading=_("课程信息"),
        ),
        FieldPanel("intro"),
        FieldPanel("cover"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("intro"),
        index.FilterField("track"),
    ]
    # Chinese text is also indexed as its two-character pieces (``cms.search``).
    search_fields += cjk_pieces_fields(search_fields)

    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = _("课程")
        verbose_name_plural = _("课程")

    @property
    def audience_labels(self) -> list[str]:
        labels = dict(Audience.choices)
        return [labels[value] for value in self.audience if value in labels]

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        from . import selectors  # selectors import these models

        context = super().get_context(request, *args, **kwargs)
        lessons = selectors.course_lessons(course=self)
        context["lessons"] = lessons
        context["total_minutes"] = sum(lesson.min_active_minutes for lesson in lessons)
        context["breadcrumb"] = selectors.page_breadcrumb(page=self)
        return context


class LessonPage(Page):
    """One lesson; completing it needs ``min_active_minutes`` of active study (learning app)."""

    summary = models.TextField(_("摘要"), max_length=500, help_text=_("一两句话说明本课要点。"))
    body = StreamField(LessonStreamBlock(), verbose_name=_("正文"))
    min_active_minutes = models.PositiveIntegerField(
        _("最少学习时间（分钟）"),
        default=10,
        validators=[MinValueValidator(1)],
        help_text=_("学员须在页面上有效学习满该时长，本课方可记为完成。"),
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("min_active_minutes"),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
    ]
    # Chinese text is also indexed as its two-character pieces (``cms.search``).
    search_fields += cjk_pieces_fields(search_fields)

    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("课节")
        verbose_name_plural = _("课节")

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        from . import selectors  # selectors import these models

        context = super().get_context(request, *args, **kwargs)
        context["breadcrumb"] = selectors.page_breadcrumb(page=self)
        context["navigation"] = selectors.lesson_navigation(lesson=self)
        return context
