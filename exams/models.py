"""Question bank: a topic tree, questions with versions, and their citations of the law.

A question's text lives in ``QuestionVersion``; once an attempt has used a version it is
locked, and editing the question makes a new version, so that any attempt can be shown again
exactly as the candidate saw it. Options are stored with the version as JSON (stable ``id``s,
``text``, ``correct``): a paper pins a version and an option order, and keys never leave the
server before the attempt is finished.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from treebeard.mp_tree import MP_Node
from wagtail.models import PreviewableMixin

from cms.laws.alignment import paragraph_count, unit_label
from cms.laws.models import Article
from cms.people.models import OrgUnit

from . import data


class Topic(MP_Node):
    """A knowledge area (知识点), e.g. 行政法 › 行政许可."""

    name = models.CharField(_("名称"), max_length=100)
    node_order_by = ["name"]

    class Meta:
        verbose_name = _("知识点")
        verbose_name_plural = _("知识点")

    def __str__(self) -> str:
        return self.name


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选题")
    MULTIPLE = "multiple", _("多选题")
    TRUE_FALSE = "true_false", _("判断题")
    CASE_ANALYSIS = "case_analysis", _("案例分析题")
    SHORT_ANSWER = "short_answer", _("简答题")


INDEFINITE_LABEL = _("不定项选择题")

# Kinds answered in writing and marked by people against a rubric (the machine-scored kinds
# are ``grading.MACHINE_SCORED_KINDS``).
MARKED_KINDS = frozenset({QuestionKind.CASE_ANALYSIS, QuestionKind.SHORT_ANSWER})


class QuestionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ACTIVE = "active", _("启用")
    NEEDS_REVIEW = "needs_review", _("待复核")
    RETIRED = "retired", _("停用")


DRAFT_NEEDS_CITATION = _("待补充法条")


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
    # The file's own name for the question (Moodle's question name), kept for search.
    name = models.CharField(_("试题名称"), max_length=255, blank=True, db_index=True)
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

    @property
    def draft_reason(self) -> str:
        """Why a draft cannot be activated yet ("待补充法条"), or "" (select ``current_version``)."""
        if self.status != QuestionStatus.DRAFT or self.current_version is None:
            return ""
        if not self.current_version.citations.exists():
            return str(DRAFT_NEEDS_CITATION)
        return ""

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
    options = models.JSONField(_("选项"), default=list, blank=True)
    explanation = models.TextField(_("解析"), blank=True)
    # Marked kinds only: the model answer and the rubric, a list of
    # ``{"criterion": str, "points": "<decimal>"}``. The rubric's points are weights: a slot's
    # points are shared out in proportion to them (``grading.rubric_earned``).
    model_answer = models.TextField(_("参考答案"), blank=True)
    rubric = models.JSONField(_("评分标准"), default=list, blank=True)
    difficulty = models.PositiveSmallIntegerField(
        _("难度"), default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    # 不定项选择题: a multiple-choice question that may have a single correct option; graded
    # exactly as a multiple choice.
    indefinite = models.BooleanField(_("不定项"), default=False)
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

    @property
    def is_marked(self) -> bool:
        return self.kind in MARKED_KINDS

    @property
    def kind_label(self) -> str:
        """The kind as shown: 不定项选择题 for an indefinite multiple choice."""
        if self.kind == QuestionKind.MULTIPLE and self.indefinite:
            return str(INDEFINITE_LABEL)
        return str(self.get_kind_display())


class Citation(models.Model):
    """A question version cites a law article (or one of its 款 / 项) that supports its key."""

    version = models.ForeignKey(QuestionVersion, on_delete=models.CASCADE, related_name="citations")
    article = models.ForeignKey(
        Article, verbose_name=_("法条"), on_delete=models.PROTECT, related_name="citations"
    )
    # 第N款 and 第（N）项 of the article, 1-based; empty when the whole article is cited.
    paragraph = models.PositiveSmallIntegerField(_("款"), null=True, blank=True)
    item = models.PositiveSmallIntegerField(_("项"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("法条引用")
        verbose_name_plural = _("法条引用")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "article", "paragraph", "item"], name="exams_citation_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} → {self.article_id}"

    @property
    def label(self) -> str:
        """E.g. 行政处罚法第三十二条第一款第（二）项 (select ``article__version__law``)."""
        from cms.laws.citations import part_label

        return f"{self.article}{part_label(self.paragraph, self.item)}"


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
    # Which paragraph (款) / item (项) of the old article the question tests, and where that
    # rule stands in the new version (0: the whole article / paragraph).
    old_paragraph = models.PositiveSmallIntegerField(_("原款"), default=0)
    old_item = models.PositiveSmallIntegerField(_("原项"), default=0)
    suggested_paragraph = models.PositiveSmallIntegerField(_("建议款"), default=0)
    suggested_item = models.PositiveSmallIntegerField(_("建议项"), default=0)
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

    # --- Papers and sittings ---------------------------------------------------------------

    def __str__(self) -> str:
        return f"#{self.question_id} {self.get_change_display()}"

    @property
    def old_label(self) -> str:
        """``第十七条第二款``: the part of the old article the question tests."""
        return unit_label(
            self.old_article.label,
            self.old_paragraph,
            self.old_item,
            paragraphs=paragraph_count(self.old_article.text),
        )

    @property
    def suggested_label(self) -> str:
        """``第二十四条第一款第（二）项``: where that rule stands now ("" if nowhere)."""
        if self.suggested_article is None:
            return ""
        return unit_label(
            self.suggested_article.label,
            self.suggested_paragraph,
            self.suggested_item,
            paragraphs=paragraph_count(self.suggested_article.text),
        )


class Blueprint(ClusterableModel):
    """What a paper consists of: sections of so many questions of a type from some topics.

    A cluster, so that the admin edits a blueprint together with its sections (InlinePanel).
    """

    name = models.CharField(_("名称"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    # Papers of equal difficulty (exams/balance.py): each paper's expected score is kept
    # within EXAM_BALANCE_BAND points of the target.
    balance_papers = models.BooleanField(
        _("均衡各卷难度"),
        default=True,
        help_text=_(
            "按试题的通过率（历次考试的得分率，结合命题难度）调整抽题，使每份试卷的期望得分"
            "接近目标。"
        ),
    )
    target_expected_score = models.DecimalField(
        _("目标期望得分"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("百分制。留空则取题库按本规则随机组卷的平均期望得分。"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("组卷规则")
        verbose_name_plural = _("组卷规则")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BlueprintSection(models.Model):
    blueprint = ParentalKey(Blueprint, on_delete=models.CASCADE, related_name="sections")
    sort_order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    title = models.CharField(_("部分名称"), max_length=100)
    topics = models.ManyToManyField(Topic, verbose_name=_("知识点"), help_text=_("含下级知识点。"))
    kind = models.CharField(_("题型"), max_length=16, choices=QuestionKind.choices)
    count = models.PositiveSmallIntegerField(_("题量"), validators=[MinValueValidator(1)])
    points = models.DecimalField(_("每题分值"), max_digits=5, decimal_places=2)
    difficulty_min = models.PositiveSmallIntegerField(
        _("最低难度"), default=1, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    difficulty_max = models.PositiveSmallIntegerField(
        _("最高难度"), default=5, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    min_score = models.DecimalField(
        _("本部分最低分"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("如执法资格考试的公共法律知识与专业法律知识须分别达到的分数。"),
    )

    # The admin's InlinePanel numbers the sections in the order they are arranged.
    sort_order_field = "sort_order"

    class Meta:
        verbose_name = _("组卷部分")
        verbose_name_plural = _("组卷部分")
        ordering = ["blueprint", "sort_order", "pk"]

    def __str__(self) -> str:
        return f"{self.title}（{self.get_kind_display()} × {self.count}）"


class ExamKind(models.TextChoices):
    """The model field's choices: values from ``exams.data.ExamKind`` (what other apps import),
    labels here (translated)."""

    PRE_APPOINTMENT = data.ExamKind.PRE_APPOINTMENT.value, _("任前法律知识考试")
    ANNUAL_ROTATION = data.ExamKind.ANNUAL_ROTATION.value, _("执法人员年度轮训考试")
    ANNUAL_LAW = data.ExamKind.ANNUAL_LAW.value, _("年度学法考试")
    QUALIFICATION = data.ExamKind.QUALIFICATION.value, _("执法资格考试")
    MOCK = data.ExamKind.MOCK.value, _("模拟考试")


class ScoringRule(models.TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", _("全部选对才得分")
    PARTIAL = "partial", _("少选得一半分，错选不得分")


class ResultRelease(models.TextChoices):
    IMMEDIATELY = "immediately", _("交卷后立即公布")
    AT_CLOSE = "at_close", _("考试结束后公布")
    MANUAL = "manual", _("由管理员公布")


class ReviewPolicy(models.TextChoices):
    NONE = "none", _("不提供回顾")
    SCORE_ONLY = "score_only", _("仅显示成绩")
    FULL_AFTER_CLOSE = "full_after_close", _("考试结束后显示作答、答案与解析")
    # Mock exams only (``MOCK_ONLY_REVIEW_POLICIES``): a mock is for learning, so the keys and
    # explanations open as soon as the candidate hands in (and the score is out).
    FULL_AFTER_SUBMIT = "full_after_submit", _("交卷后立即显示作答、答案与解析")


# Review policies that show the keys while other candidates may still be sitting: allowed for
# mock exams only. A formal exam (pre-appointment, annual, qualification) shows no key before
# its close.
MOCK_ONLY_REVIEW_POLICIES = frozenset({ReviewPolicy.FULL_AFTER_SUBMIT})

ERR_REVIEW_POLICY_MOCK_ONLY = _(
    "只有模拟考试可以交卷后立即显示答案与解析；正式考试须在考试结束后才能显示答案。"
)


def default_review_policy(kind: str) -> str:
    """The review policy a new session of this kind starts with: a mock teaches (answers,
    keys and explanations right after submit); the other kinds show the score only."""
    if kind == ExamKind.MOCK:
        return ReviewPolicy.FULL_AFTER_SUBMIT
    return ReviewPolicy.SCORE_ONLY


class ExamSession(models.Model):
    """One scheduled exam: a window, a duration, a blueprint and the rules of the sitting."""

    title = models.CharField(_("考试名称"), max_length=200)
    kind = models.CharField(_("考试类别"), max_length=32, choices=ExamKind.choices)
    blueprint = models.ForeignKey(
        Blueprint, verbose_name=_("组卷规则"), on_delete=models.PROTECT, related_name="sessions"
    )
    opens_at = models.DateTimeField(_("开考时间"))
    closes_at = models.DateTimeField(_("截止时间"))
    duration_minutes = models.PositiveIntegerField(
        _("答题时长（分钟）"), validators=[MinValueValidator(1)]
    )
    attempts_allowed = models.PositiveSmallIntegerField(
        _("可考次数"), default=1, validators=[MinValueValidator(1)]
    )
    pass_mark = models.DecimalField(_("合格分数线"), max_digits=5, decimal_places=2, default=60)
    scoring = models.CharField(
        _("多选题计分"),
        max_length=16,
        choices=ScoringRule.choices,
        default=ScoringRule.ALL_OR_NOTHING,
    )
    result_release = models.CharField(
        _("成绩公布"),
        max_length=16,
        choices=ResultRelease.choices,
        default=ResultRelease.IMMEDIATELY,
    )
    results_released_at = models.DateTimeField(_("成绩公布时间"), null=True, blank=True)
    review_policy = models.CharField(
        _("考后回顾"), max_length=20, choices=ReviewPolicy.choices, default=ReviewPolicy.SCORE_ONLY
    )
    instructions = models.TextField(_("考试须知"), blank=True)
    # Case-analysis and short-answer questions: every answer is marked once, or twice
    # independently; two marks further apart than the tolerance go to a third marker.
    double_marking = models.BooleanField(
        _("双评"), default=False, help_text=_("主观题由两名阅卷人分别评分，取平均分。")
    )
    marking_tolerance = models.DecimalField(
        _("双评允许分差"),
        max_digits=5,
        decimal_places=2,
        default=2,
        validators=[MinValueValidator(0)],
        help_text=_("两评分差（按评分标准的分值）超过此值时，交第三名阅卷人评定，以其评分为准。"),
    )
    # Eligibility by rule: everyone in the unit's subtree, optionally only cadres / officers.
    eligible_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("适用单位（含下级）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    only_leading_cadres = models.BooleanField(_("仅领导干部"), default=False)
    only_enforcement_officers = models.BooleanField(_("仅行政执法人员"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("考试场次")
        verbose_name_plural = _("考试场次")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="exams_session_window"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        if self.review_policy in MOCK_ONLY_REVIEW_POLICIES and self.kind != ExamKind.MOCK:
            raise ValidationError({"review_policy": ERR_REVIEW_POLICY_MOCK_ONLY})


class Candidate(models.Model):
    """A person on a session's candidate list, with their accommodations."""

    session = models.ForeignKey(ExamSession, on_delete=models.CASCADE, related_name="candidates")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("考生"),
        on_delete=models.CASCADE,
        related_name="exam_candidacies",
    )
    listed = models.BooleanField(
        _("在考生名单中"), default=True, help_text=_("否：仅记录按规则参考者的特殊安排。")
    )
    extra_minutes = models.PositiveIntegerField(_("延长时间（分钟）"), default=0)
    extra_attempts = models.PositiveSmallIntegerField(_("增加次数"), default=0)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("考生")
        verbose_name_plural = _("考生")
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="exams_candidate_unique")
        ]

    def __str__(self) -> str:
        return f"{self.session_id} · {self.user_id}"


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("作答中")
    SUBMITTED = "submitted", _("已交卷")
    EXPIRED = "expired", _("超时自动交卷")
    VOIDED = "voided", _("成绩作废")


# Handed in or timed out: the finished attempts that count (not voided, not running).
FINISHED_STATUSES = (AttemptStatus.SUBMITTED, AttemptStatus.EXPIRED)


class Attempt(models.Model):
    session = models.ForeignKey(
        ExamSession, verbose_name=_("考试场次"), on_delete=models.PROTECT, related_name="attempts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("考生"),
        on_delete=models.PROTECT,
        related_name="exam_attempts",
    )
    number = models.PositiveSmallIntegerField(_("第几次"))
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=AttemptStatus.choices,
        default=AttemptStatus.IN_PROGRESS,
        db_index=True,
    )
    seed = models.BigIntegerField(_("组卷随机种子"))
    # The paper's expected score (0–100) by the facilities its draw used (exams/balance.py).
    expected_score = models.DecimalField(
        _("试卷期望得分"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    started_at = models.DateTimeField(_("开始时间"))
    deadline = models.DateTimeField(_("截止时间"))
    finished_at = models.DateTimeField(_("交卷时间"), null=True, blank=True)
    score = models.DecimalField(_("成绩"), max_digits=6, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(_("合格"), null=True, blank=True)
    breakdown = models.JSONField(_("分项成绩"), default=dict, blank=True)
    blocking = models.BooleanField(
        _("阻断任用"), default=False, help_text=_("任前考试第二次不合格：记录为不得任用。")
    )
    # The page's last contact (its heartbeat or a save), for the live monitor's "offline".
    last_seen_at = models.DateTimeField(_("最近联系"), null=True, blank=True)
    # Finished, with answers still to be marked by people (待阅卷): score and pass stay empty
    # until the last mark completes the attempt (``transitions.attempt_marking_complete``).
    marking_pending = models.BooleanField(_("待阅卷"), default=False, db_index=True)

    class Meta:
        verbose_name = _("答卷")
        verbose_name_plural = _("答卷")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user"],
                condition=Q(status="in_progress"),
                name="exams_one_attempt_in_progress",
            ),
            models.UniqueConstraint(
                fields=["session", "user", "number"], name="exams_attempt_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session} · {self.user} · #{self.number}"

    @property
    def is_finished(self) -> bool:
        return self.status != AttemptStatus.IN_PROGRESS


class AttemptSlot(models.Model):
    """One question of one attempt's paper, pinned to a version and an option order."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="slots")
    position = models.PositiveSmallIntegerField(_("题号"))
    section = models.PositiveSmallIntegerField(_("部分"), default=0)
    question_version = models.ForeignKey(
        QuestionVersion, on_delete=models.PROTECT, related_name="+"
    )
    option_order = models.JSONField(_("选项顺序"), default=list)
    option_count = models.PositiveSmallIntegerField(_("选项数"))
    multiple = models.BooleanField(_("多选"), default=False)
    points = models.DecimalField(_("分值"), max_digits=5, decimal_places=2)
    selected = models.JSONField(_("作答"), default=list, blank=True)
    # A question marked by people: the written answer, and the marking round it waits for
    # (1, 2, or 3 for the arbitration; 0 when its mark is final or it is machine-scored).
    hand_marked = models.BooleanField(_("人工阅卷"), default=False)
    text = models.TextField(_("文字作答"), blank=True)
    mark_round = models.PositiveSmallIntegerField(_("待评轮次"), default=0)
    seq = models.PositiveIntegerField(_("保存序号"), default=0)
    # Which page load wrote the saved answer (the attempt token's ``writer``): sequence numbers
    # order the changes of one page; a change from another page load wins by arrival.
    writer = models.PositiveIntegerField(_("保存页面"), default=0)
    saved_at = models.DateTimeField(_("保存时间"), null=True, blank=True)
    flagged = models.BooleanField(_("标记"), default=False)
    earned = models.DecimalField(_("得分"), max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("答题")
        verbose_name_plural = _("答题")
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "position"], name="exams_slot_unique_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id} #{self.position}"


class AttemptEvent(models.Model):
    """One transition of an attempt (DESIGN §4): who, when, why, on what legal basis."""

    class Action(models.TextChoices):
        START = "start", _("开始作答")
        SUBMIT = "submit", _("交卷")
        EXPIRE = "expire", _("超时自动交卷")
        FORCE_SUBMIT = "force_submit", _("强制交卷")
        VOID = "void", _("成绩作废")
        REOPEN = "reopen", _("重新开放作答")
        EXTEND = "extend", _("延长时间")
        MARK = "mark", _("阅卷完成")
        REGRADE = "regrade", _("重新评分")

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=16, choices=Action.choices)
    from_status = models.CharField(
        _("原状态"), max_length=16, choices=AttemptStatus.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=16, choices=AttemptStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("理由"), blank=True)
    legal_basis = models.CharField(_("依据"), max_length=300, blank=True)
    at = models.DateTimeField(_("时间"))
    data = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("答卷记录")
        verbose_name_plural = _("答卷记录")
        ordering = ["attempt", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.attempt_id} {self.action}"


class RefusedChange(models.Model):
    """An answer change the server refused because it arrived after the attempt had closed
    (offline past the deadline, or after submit): kept so that nobody loses it silently —
    the result page and the staff view list these questions."""

    class Why(models.TextChoices):
        FINISHED = "finished", _("已交卷后送达")
        LATE = "late", _("截止时间后送达")

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="refused_changes")
    position = models.PositiveSmallIntegerField(_("题号"))
    selected = models.JSONField(_("未被接受的作答"), default=list, blank=True)
    text = models.TextField(_("未被接受的文字作答"), blank=True)
    seq = models.PositiveIntegerField(_("保存序号"))
    writer = models.PositiveIntegerField(_("保存页面"), default=0)
    why = models.CharField(_("原因"), max_length=16, choices=Why.choices)
    received_at = models.DateTimeField(_("送达时间"))

    class Meta:
        verbose_name = _("未被接受的修改")
        verbose_name_plural = _("未被接受的修改")
        ordering = ["attempt", "position", "received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "position", "writer", "seq"], name="exams_refused_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id} #{self.position} ({self.why})"


class SessionMarker(models.Model):
    """A marker (``Role.MARKER``) assigned to a session by its exam administrator."""

    session = models.ForeignKey(ExamSession, on_delete=models.CASCADE, related_name="markers")
    marker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("阅卷人"),
        on_delete=models.CASCADE,
        related_name="marking_sessions",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(_("指派时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("阅卷人指派")
        verbose_name_plural = _("阅卷人指派")
        constraints = [
            models.UniqueConstraint(fields=["session", "marker"], name="exams_marker_unique")
        ]

    def __str__(self) -> str:
        return f"{self.session_id} · {self.marker_id}"


class Mark(models.Model):
    """One marker's mark of one written answer: points per rubric criterion and a comment.

    Round 1 and 2 are the independent marks, round 3 the arbitration of a disagreement. A
    marker marks an answer once; each round is marked once.
    """

    slot = models.ForeignKey(AttemptSlot, on_delete=models.CASCADE, related_name="marks")
    marker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("阅卷人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    round = models.PositiveSmallIntegerField(_("评阅轮次"))
    scores = models.JSONField(_("各项得分"), default=list)
    total = models.DecimalField(_("评分"), max_digits=6, decimal_places=2)
    comment = models.TextField(_("评语"), blank=True)
    marked_at = models.DateTimeField(_("评阅时间"))

    class Meta:
        verbose_name = _("阅卷评分")
        verbose_name_plural = _("阅卷评分")
        ordering = ["slot", "round"]
        constraints = [
            models.UniqueConstraint(fields=["slot", "marker"], name="exams_mark_once_per_marker"),
            models.UniqueConstraint(fields=["slot", "round"], name="exams_mark_once_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.slot_id} r{self.round}"


class Regrade(models.Model):
    """A remedy for a faulty question, applied to the graded attempts that used it.

    ``key``: the key was wrong (a key correction: a new version with the corrected key; every
    attempt on an earlier version is rescored against ``key``, its slot still showing the
    version the candidate saw). ``drop``: the question no longer counts in ``session`` (its
    points leave the paper's total). ``full_marks``: everyone in ``session`` gets its points.
    The row is the rule itself: once confirmed, scoring reads it (``scoring.scoring_rules``),
    so attempts graded later honour it too; the background task rescores those graded before.
    """

    class Action(models.TextChoices):
        KEY = "key", _("更正答案")
        DROP = "drop", _("该题不计分")
        FULL_MARKS = "full_marks", _("该题全体给分")

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    question = models.ForeignKey(
        Question, verbose_name=_("试题"), on_delete=models.PROTECT, related_name="regrades"
    )
    session = models.ForeignKey(
        ExamSession,
        verbose_name=_("考试场次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="regrades",
        help_text=_("不计分与全体给分只用于一场考试；更正答案用于所有考试。"),
    )
    action = models.CharField(_("处理方式"), max_length=16, choices=Action.choices)
    old_version = models.ForeignKey(
        QuestionVersion,
        verbose_name=_("原版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    new_version = models.ForeignKey(
        QuestionVersion,
        verbose_name=_("更正后版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    key = models.JSONField(_("更正后的答案"), default=list, blank=True)
    reason = models.TextField(_("理由"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    done = models.PositiveIntegerField(_("已处理"), default=0)
    total = models.PositiveIntegerField(_("总数"), default=0)
    error = models.TextField(_("错误"), blank=True)
    task_result_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("重新评分")
        verbose_name_plural = _("重新评分")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "question"],
                condition=Q(action__in=["drop", "full_marks"]),
                name="exams_one_session_remedy_per_question",
            ),
            models.CheckConstraint(
                condition=Q(action="key", session__isnull=True)
                | Q(action__in=["drop", "full_marks"], session__isnull=False),
                name="exams_regrade_session_by_action",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.question_id} {self.get_action_display()}"

    @property
    def percent(self) -> int:
        return int(self.done * 100 / self.total) if self.total else (100 if self.done else 0)

    @property
    def running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class RegradeChange(models.Model):
    """One attempt whose result a regrade changed: what the candidate is told, and what the
    signal to certification carries. One row per regrade and attempt, so a retried task
    neither changes nor notifies twice."""

    regrade = models.ForeignKey(Regrade, on_delete=models.CASCADE, related_name="changes")
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="regrade_changes")
    old_score = models.DecimalField(_("原成绩"), max_digits=6, decimal_places=2, null=True)
    new_score = models.DecimalField(_("新成绩"), max_digits=6, decimal_places=2, null=True)
    old_passed = models.BooleanField(_("原是否合格"), null=True)
    new_passed = models.BooleanField(_("现是否合格"), null=True)
    at = models.DateTimeField(_("时间"))
    notified_at = models.DateTimeField(_("通知时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("成绩更正")
        verbose_name_plural = _("成绩更正")
        ordering = ["attempt", "at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["regrade", "attempt"], name="exams_regrade_change_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.regrade_id} · {self.attempt_id}"


class ItemAnalysis(models.Model):
    """A session's stored item analysis (试题分析): the figures, the items, how far it got.

    One row per session, recomputed in place. ``results`` holds the session's figures and
    every item's (``exams.services.analysis`` writes it, the page and the export read it);
    ``ItemStatistic`` rows repeat each item's headline figures, so that a question's statistics
    across sessions are one query.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("计算中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    session = models.OneToOneField(
        ExamSession,
        verbose_name=_("考试场次"),
        on_delete=models.CASCADE,
        related_name="item_analysis",
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    done = models.PositiveIntegerField(_("已处理"), default=0)
    total = models.PositiveIntegerField(_("总数"), default=0)
    attempt_count = models.PositiveIntegerField(_("答卷数"), default=0)
    results = models.JSONField(_("分析结果"), default=dict, blank=True)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    requested_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    task_result_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("试题分析")
        verbose_name_plural = _("试题分析")

    def __str__(self) -> str:
        return f"{self.session_id} ({self.status})"

    @property
    def running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.done / self.total)) if self.total else 0


class ItemStatistic(models.Model):
    """One question version's figures in one session's item analysis."""

    analysis = models.ForeignKey(ItemAnalysis, on_delete=models.CASCADE, related_name="items")
    question = models.ForeignKey(
        Question, verbose_name=_("试题"), on_delete=models.CASCADE, related_name="statistics"
    )
    version = models.ForeignKey(
        QuestionVersion, verbose_name=_("试题版本"), on_delete=models.CASCADE, related_name="+"
    )
    candidates = models.PositiveIntegerField(_("作答人数"))
    facility = models.FloatField(_("难度（得分率）"), null=True)
    discrimination = models.FloatField(_("区分度"), null=True)
    upper_lower = models.FloatField(_("高低分组鉴别指数"), null=True)
    mean_seconds = models.FloatField(_("平均用时（秒）"), null=True)
    flags = models.JSONField(_("标记"), default=list, blank=True)

    class Meta:
        verbose_name = _("试题统计")
        verbose_name_plural = _("试题统计")
        constraints = [
            models.UniqueConstraint(
                fields=["analysis", "version"], name="exams_item_statistic_unique_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.analysis_id} · {self.version_id}"


# --- Practice and the wrong-answer book (练习、每日一练、错题本) --------------------------------


class PracticeMode(models.TextChoices):
    TOPIC = "topic", _("按知识点练习")
    LAW = "law", _("按法律法规练习")
    ARTICLES = "articles", _("按法条练习")
    WEAK = "weak", _("薄弱知识点练习")
    WRONG = "wrong", _("错题练习")
    DAILY = "daily", _("每日一练")


class AnswerSource(models.TextChoices):
    """Where an answer that feeds the wrong-answer book was given."""

    PRACTICE = "practice", _("练习")
    DAILY = "daily", _("每日一练")
    MOCK = "mock", _("模拟考试")
    REVIEW = "review", _("考试回顾")


class PracticeRound(models.Model):
    """One set of practice questions (练习): untimed, answered one by one with immediate
    feedback. Never an exam result; it counts only as practice."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("学员"),
        on_delete=models.CASCADE,
        related_name="practice_rounds",
    )
    mode = models.CharField(_("练习方式"), max_length=16, choices=PracticeMode.choices)
    # What the round was drawn from: {"topic": id} / {"law": id} / {"law": id, "from": n,
    # "to": m} / {} — kept so that the round can say what it practised.
    criteria = models.JSONField(_("出题范围"), default=dict, blank=True)
    title = models.CharField(_("练习名称"), max_length=200)
    # Daily practice only: the day (in the platform's time zone) the round belongs to.
    day = models.DateField(_("日期"), null=True, blank=True, db_index=True)
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    question_count = models.PositiveSmallIntegerField(_("题数"), default=0)
    answered_count = models.PositiveSmallIntegerField(_("已答"), default=0)
    correct_count = models.PositiveSmallIntegerField(_("答对"), default=0)

    class Meta:
        verbose_name = _("练习")
        verbose_name_plural = _("练习")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "day"],
                condition=Q(mode="daily"),
                name="exams_one_daily_round_per_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.title}"

    @property
    def display_title(self) -> str:
        """The title in the reader's language: it is stored in the source language (the
        mode's label, then the topic, law or date it practised); the label is translated."""
        from django.utils import translation

        with translation.override(settings.LANGUAGE_CODE):
            source = str(PracticeMode(self.mode).label)
        if not self.title.startswith(source):
            return self.title
        return str(PracticeMode(self.mode).label) + self.title[len(source) :]


class PracticeItem(models.Model):
    """One question of a practice round, pinned to a version and an option order."""

    round = models.ForeignKey(PracticeRound, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("题号"))
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    question_version = models.ForeignKey(
        QuestionVersion, on_delete=models.PROTECT, related_name="+"
    )
    option_order = models.JSONField(_("选项顺序"), default=list)
    # Option ids of the version, as in ``AttemptSlot.selected``; empty until answered.
    selected = models.JSONField(_("作答"), default=list, blank=True)
    correct = models.BooleanField(_("答对"), null=True, blank=True)
    answered_at = models.DateTimeField(_("作答时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("练习题")
        verbose_name_plural = _("练习题")
        ordering = ["round", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "position"], name="exams_practice_item_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.round_id} #{self.position}"


class QuestionRecord(models.Model):
    """One person's record of one question across practice, mock exams and released reviews;
    ``in_book`` is its place in the wrong-answer book (错题本). Written only by
    ``exams.services.practice_record.record_answers``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("学员"),
        on_delete=models.CASCADE,
        related_name="question_records",
    )
    question = models.ForeignKey(
        Question, verbose_name=_("试题"), on_delete=models.CASCADE, related_name="+"
    )
    times_answered = models.PositiveIntegerField(_("作答次数"), default=0)
    times_wrong = models.PositiveIntegerField(_("答错次数"), default=0)
    # Right answers in a row since the last wrong one.
    right_streak = models.PositiveSmallIntegerField(_("连续答对"), default=0)
    last_answered_at = models.DateTimeField(_("最近作答"))
    in_book = models.BooleanField(_("在错题本中"), default=False, db_index=True)
    entered_book_at = models.DateTimeField(_("加入错题本"), null=True, blank=True)
    left_book_at = models.DateTimeField(_("移出错题本"), null=True, blank=True)
    # The latest wrong answer: the version it was given on, the option ids chosen (or the
    # written text for a marked kind), where and when.
    wrong_version = models.ForeignKey(
        QuestionVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    wrong_selected = models.JSONField(_("错误作答"), default=list, blank=True)
    wrong_source = models.CharField(
        _("出错来源"), max_length=16, choices=AnswerSource.choices, blank=True
    )
    # The attempt or practice round where it was last answered wrongly (a label and a link are
    # built from these; no foreign key, so that deleting a round keeps the record).
    wrong_source_id = models.PositiveBigIntegerField(_("出错来源编号"), null=True, blank=True)
    last_wrong_at = models.DateTimeField(_("最近答错"), null=True, blank=True)

    class Meta:
        verbose_name = _("做题记录")
        verbose_name_plural = _("做题记录")
        constraints = [
            models.UniqueConstraint(fields=["user", "question"], name="exams_question_record")
        ]
        indexes = [models.Index(fields=["user", "in_book"], name="exams_record_book")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.question_id}"


class BookedAttempt(models.Model):
    """An attempt whose machine-scored answers went into its candidate's question records (the
    wrong-answer book): a mock exam once finished and graded, any other exam once its full
    review is released. One row per attempt, so that no order of events (submit, marking,
    release, the catch-up when the book is opened, two of them at once) records it twice."""

    attempt = models.OneToOneField(
        Attempt,
        verbose_name=_("答卷"),
        on_delete=models.CASCADE,
        related_name="booking",
    )
    source = models.CharField(_("来源"), max_length=16, choices=AnswerSource.choices)
    booked_at = models.DateTimeField(_("记入时间"))
    answers = models.PositiveSmallIntegerField(_("记入题数"), default=0)

    class Meta:
        verbose_name = _("记入错题本的答卷")
        verbose_name_plural = _("记入错题本的答卷")

    def __str__(self) -> str:
        return f"{self.attempt_id} · {self.source}"
