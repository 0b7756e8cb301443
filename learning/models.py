"""Enrolment, lesson progress with active study time, the study-hour ledger, requirements.

Time spent on a lesson is measured on the server from heartbeats (``services``); the
per-person ``StudyClock`` row is the single place that decides how much of the wall clock
may still be credited, so that two tabs or two devices never count the same minute twice.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class StudyKind(models.TextChoices):
    ONLINE = "online", _("网络课程")
    OFFLINE = "offline", _("线下培训")
    ROTATION = "rotation", _("轮训")


class RequirementCategory(models.TextChoices):
    """Keys match ``settings.STUDY_HOURS_REQUIRED``; a person gets the largest that applies."""

    DEFAULT = "default", _("全体公务员")
    LEADING_CADRE = "leading_cadre", _("领导干部")
    ENFORCEMENT_OFFICER = "enforcement_officer", _("行政执法人员")


class EnrolmentSource(models.TextChoices):
    SELF = "self", _("自主选学")
    ASSIGNED = "assigned", _("按适用对象指派")


class Enrolment(models.Model):
    """A person studies a course in a year: chosen by them or assigned by audience/unit."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("人员"),
        on_delete=models.CASCADE,
        related_name="enrolments",
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("课程"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    year = models.PositiveIntegerField(_("年度"))
    source = models.CharField(
        _("来源"), max_length=16, choices=EnrolmentSource.choices, default=EnrolmentSource.SELF
    )
    created_at = models.DateTimeField(_("选课时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("选课")
        verbose_name_plural = _("选课")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course", "year"], name="learning_enrolment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.course_id} · {self.year}"


class CourseUnitAssignment(models.Model):
    """A course assigned to everyone in an org unit and its sub-units, every year."""

    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("课程"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    org_unit = models.ForeignKey(
        "people.OrgUnit",
        verbose_name=_("单位"),
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("本单位及下级单位的全体人员每年都要学习该课程。"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("单位指定课程")
        verbose_name_plural = _("单位指定课程")
        constraints = [
            models.UniqueConstraint(
                fields=["course", "org_unit"], name="learning_courseunitassignment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.course} → {self.org_unit}"


class StudyClock(models.Model):
    """One row per person: when their last heartbeat (from any tab or device) was taken.

    Locked for every heartbeat, so credits are serialised per person and their sum can
    never exceed the wall-clock time between heartbeats.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="study_clock"
    )
    last_beat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("学习计时")
        verbose_name_plural = _("学习计时")

    def __str__(self) -> str:
        return f"{self.user_id} · {self.last_beat_at}"


class LessonProgress(models.Model):
    """A person's progress in one lesson: active seconds, reaching the end, self-checks."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("人员"),
        on_delete=models.CASCADE,
        related_name="lesson_progress",
    )
    lesson = models.ForeignKey(
        "courses.LessonPage",
        verbose_name=_("课节"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("课程"),
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("课节所属课程（冗余保存，便于按课程统计）。"),
    )
    active_seconds = models.PositiveIntegerField(_("有效学习时间（秒）"), default=0)
    reached_end = models.BooleanField(_("已读到结尾"), default=False)
    answered_checks = models.JSONField(_("已作答的随堂自测"), default=list, blank=True)
    resume_position = models.FloatField(
        _("阅读位置"), default=0.0, help_text=_("页面滚动比例 0–1，用于返回时继续阅读。")
    )
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("最近学习时间"), auto_now=True)

    class Meta:
        verbose_name = _("课节学习进度")
        verbose_name_plural = _("课节学习进度")
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="learning_progress_unique")
        ]
        indexes = [models.Index(fields=["user", "course"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.lesson_id}"


class StudyHourEntry(models.Model):
    """One earned amount of study hours. ``source`` makes each earning unique per person."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        related_name="study_hour_entries",
    )
    year = models.PositiveIntegerField(_("年度"), db_index=True)
    hours = models.DecimalField(
        _("学时"), max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal("0.1"))]
    )
    kind = models.CharField(_("类别"), max_length=16, choices=StudyKind.choices)
    title = models.CharField(_("名称"), max_length=200)
    source = models.CharField(
        _("来源标识"),
        max_length=255,
        help_text=_("如 course:12 或 offline:培训名称:日期，同一人同一来源只计一次。"),
    )
    date = models.DateField(_("日期"))
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("课程"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("学时记录")
        verbose_name_plural = _("学时记录")
        ordering = ["-date", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "source"], name="learning_entry_unique_source")
        ]
        indexes = [models.Index(fields=["user", "year"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.year} · {self.title} · {self.hours}"


class StudyRequirement(models.Model):
    """The hours a category of people must earn in a year (overrides the settings default)."""

    year = models.PositiveIntegerField(_("年度"))
    category = models.CharField(_("人员类别"), max_length=32, choices=RequirementCategory.choices)
    hours = models.DecimalField(
        _("应修学时"), max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal("0"))]
    )
    counted_kinds = models.JSONField(
        _("计入的学时类别"),
        default=list,
        help_text=_("哪些类别的学时计入本要求，如 online、offline、rotation。"),
    )

    class Meta:
        verbose_name = _("年度学时要求")
        verbose_name_plural = _("年度学时要求")
        ordering = ["-year", "category"]
        constraints = [
            models.UniqueConstraint(fields=["year", "category"], name="learning_requirement_unique")
        ]

    def __str__(self) -> str:
        return f"{self.year} · {self.get_category_display()} · {self.hours}"
