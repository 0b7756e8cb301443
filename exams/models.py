"""Question bank: a topic tree, questions with versions, and their citations of the law.

A question's text lives in ``QuestionVersion``; once an attempt has used a version it is
locked, and editing the question makes a new version, so that any attempt can be shown again
exactly as the candidate saw it. Options are stored with the version as JSON (stable ``id``s,
``text``, ``correct``): a paper pins a version and an option order, and keys never leave the
server before the attempt is finished.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node
from wagtail.models import PreviewableMixin

from cms.laws.models import Article


class Topic(MP_Node):
    """A knowledge area (知识点), e.g. 行政法 › 行政许可."""

    name = models.CharField(_("名称"), max_length=100)
    node_order_by = ["name"]

    class Meta:
        verbose_name = _("知识点")
        verbose_name_plural = _("知识点")

    def __str__(self) -> str:
        return self.name

    @property
    def full_path(self) -> str:
        return (
            "/".join(a.name for a in self.get_ancestors())
            + ("/" if self.depth > 1 else "")
            + self.name
        )


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选题")
    MULTIPLE = "multiple", _("多选题")
    TRUE_FALSE = "true_false", _("判断题")


class QuestionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ACTIVE = "active", _("启用")
    NEEDS_REVIEW = "needs_review", _("待复核")
    RETIRED = "retired", _("停用")


class Question(PreviewableMixin, models.Model):
    """A question across its versions; status and topic belong to the question.

    Previewable in the admin: the edit form attaches an unsaved ``preview_version`` built from
    what is being edited, so the preview shows that content rather than the saved version.
    """

    topic = models.ForeignKey(
        Topic, verbose_name=_("知识点"), on_delete=models.PROTECT, related_name="questions"
    )
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=QuestionStatus.choices,
        default=QuestionStatus.ACTIVE,
        db_index=True,
    )
    current_version = models.OneToOneField(
        "QuestionVersion",
        verbose_name=_("当前版本"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("试题")
        verbose_name_plural = _("试题")
        ordering = ["-id"]

    def __str__(self) -> str:
        version = self.current_version
        stem = version.stem_text if version else ""
        return f"#{self.pk} {stem[:40]}"

    def get_preview_template(self, request, mode_name):
        return "exams/admin/question_preview.html"

    def get_preview_context(self, request, mode_name):
        context = super().get_preview_context(request, mode_name)
        version = getattr(self, "preview_version", None) or self.current_version
        if version is not None and version.pk:
            citations = version.citations.select_related("article__version__law")
            articles = [citation.article for citation in citations]
        else:
            articles = getattr(version, "preview_articles", [])
        options = version.options if version is not None else []
        if version is not None and version.kind == QuestionKind.TRUE_FALSE:
            key = "".join(o["text"] for o in options if o["correct"])
        else:
            key = "".join("ABCDEFGH"[i] for i, o in enumerate(options[:8]) if o["correct"])
        context.update(version=version, articles=articles, key=key)
        return context


class QuestionVersion(models.Model):
    question = models.ForeignKey(
        Question, verbose_name=_("试题"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("版本号"))
    kind = models.CharField(_("题型"), max_length=16, choices=QuestionKind.choices)
    stem = models.TextField(_("题干"))
    stem_text = models.TextField(_("题干（纯文本）"), help_text=_("用于检索。"))
    stem_key = models.CharField(
        _("查重键"), max_length=255, db_index=True, help_text=_("去除标点空白后的题干，用于查重。")
    )
    options = models.JSONField(_("选项"), default=list)
    explanation = models.TextField(_("解析"), blank=True)
    difficulty = models.PositiveSmallIntegerField(
        _("难度"), default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    locked = models.BooleanField(
        _("已被作答"), default=False, help_text=_("已被考试使用的版本不再修改，编辑时生成新版本。")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    articles = models.ManyToManyField(
        Article, through="Citation", verbose_name=_("引用法条"), related_name="question_versions"
    )

    class Meta:
        verbose_name = _("试题版本")
        verbose_name_plural = _("试题版本")
        ordering = ["question", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "number"], name="exams_version_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.question_id} v{self.number}"

    @property
    def correct_ids(self) -> list[int]:
        return [o["id"] for o in self.options if o["correct"]]


class Citation(models.Model):
    """A question version cites a law article that supports its key."""

    version = models.ForeignKey(QuestionVersion, on_delete=models.CASCADE, related_name="citations")
    article = models.ForeignKey(
        Article, verbose_name=_("法条"), on_delete=models.PROTECT, related_name="citations"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("法条引用")
        verbose_name_plural = _("法条引用")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "article"], name="exams_citation_unique"),
        ]


class AmendmentFlag(models.Model):
    """A cited article was amended: the question waits for a reviewer before it is used again."""

    class Change(models.TextChoices):
        CHANGED = "changed", _("条文已修改")
        MOVED = "moved", _("条文已移至其他条号")
        REMOVED = "removed", _("条文已删除")

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="amendment_flags")
    old_article = models.ForeignKey(
        Article, verbose_name=_("原引用法条"), on_delete=models.PROTECT, related_name="+"
    )
    suggested_article = models.ForeignKey(
        Article,
        verbose_name=_("新版本对应法条"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    change = models.CharField(_("变化"), max_length=16, choices=Change.choices)
    created_at = models.DateTimeField(_("标记时间"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("修法复核标记")
        verbose_name_plural = _("修法复核标记")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "old_article"],
                condition=models.Q(resolved_at__isnull=True),
                name="exams_one_open_flag_per_citation",
            )
        ]
