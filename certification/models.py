"""Enforcement credentials (行政执法证), their history and annual reviews; certificates.

A credential is a state machine in the manner of Wagtail's ``WorkflowState``: ``status`` is a
``TextChoices`` field and only the services in ``certification.services.credentials`` change
it, one function per transition, each checked against ``TRANSITIONS`` there. Every transition
leaves a ``CredentialEvent`` (actor, reason, legal basis, time, before/after) and an entry in
Wagtail's audit log.

Every credential and certificate carries an unguessable ``verification_code`` printed on the
document (and in its QR code); the public verification page looks documents up by it.
"""

from __future__ import annotations

import secrets
import string

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cms.people.models import OrgUnit
from cms.private_files import private_name, private_storage

# 32 symbols without look-alikes (no 0/O, 1/I/L): 16 of them carry 80 random bits.
CODE_ALPHABET = "".join(c for c in string.ascii_uppercase + string.digits if c not in "0O1IL")
CODE_LENGTH = 16


def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))


class CredentialStatus(models.TextChoices):
    PENDING = "pending", _("待发证")
    ACTIVE = "active", _("有效")
    SUSPENDED = "suspended", _("暂扣")
    REVOKED = "revoked", _("吊销")
    EXPIRED = "expired", _("已过期")
    CANCELLED = "cancelled", _("注销")


# Statuses in which a person "holds" a credential of a domain: at most one at a time.
HELD_STATUSES = (CredentialStatus.PENDING, CredentialStatus.ACTIVE, CredentialStatus.SUSPENDED)


class EnforcementDomain(models.TextChoices):
    """执法类别, as printed on the card."""

    COMPREHENSIVE = "comprehensive", _("综合行政执法")
    MARKET = "market", _("市场监管")
    ECOLOGY = "ecology", _("生态环境")
    TRANSPORT = "transport", _("交通运输")
    CULTURE = "culture", _("文化市场")
    AGRICULTURE = "agriculture", _("农业农村")
    EMERGENCY = "emergency", _("应急管理")
    HEALTH = "health", _("卫生健康")
    NATURAL_RESOURCES = "natural_resources", _("自然资源")
    JUSTICE = "justice", _("司法行政")


class Credential(models.Model):
    number = models.CharField(_("证件编号"), max_length=32, unique=True)
    verification_code = models.CharField(
        _("核验码"), max_length=32, unique=True, default=new_verification_code, editable=False
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("持证人"),
        on_delete=models.PROTECT,
        related_name="credentials",
    )
    authority = models.ForeignKey(
        OrgUnit, verbose_name=_("发证机关"), on_delete=models.PROTECT, related_name="+"
    )
    domain = models.CharField(_("执法类别"), max_length=32, choices=EnforcementDomain.choices)
    area = models.CharField(_("执法区域"), max_length=100)
    issued_on = models.DateField(_("发证日期"))
    valid_until = models.DateField(_("有效期至"))
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=CredentialStatus.choices,
        default=CredentialStatus.PENDING,
        db_index=True,
    )
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("行政执法证")
        verbose_name_plural = _("行政执法证")
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["holder", "domain"],
                condition=Q(status__in=["pending", "active", "suspended"]),
                name="certification_one_held_credential_per_domain",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gt=models.F("issued_on")),
                name="certification_credential_validity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}（{self.get_domain_display()}）"


class CredentialEvent(models.Model):
    """One transition of a credential: the full history shown in the admin and the transcript."""

    class Action(models.TextChoices):
        ISSUE = "issue", _("发证")
        SUSPEND = "suspend", _("暂扣")
        RESTORE = "restore", _("恢复")
        REVOKE = "revoke", _("吊销")
        CANCEL = "cancel", _("注销")
        RENEW = "renew", _("换证")
        EXPIRE = "expire", _("到期失效")

    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=16, choices=Action.choices)
    from_status = models.CharField(
        _("原状态"), max_length=16, choices=CredentialStatus.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=16, choices=CredentialStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("理由"))
    legal_basis = models.CharField(_("法律依据"), max_length=300, blank=True)
    at = models.DateTimeField(_("时间"))
    # before/after of the fields that changed (validity on renewal), and the review that
    # caused an automatic suspension, so that a make-up exam restores only those.
    data = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("执法证变更记录")
        verbose_name_plural = _("执法证变更记录")
        ordering = ["credential", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.credential_id} {self.get_action_display()}"


class CredentialReview(models.Model):
    """The annual review (年审) of one credential for one year."""

    class Outcome(models.TextChoices):
        PASSED = "passed", _("合格")
        FAILED = "failed", _("不合格")

    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="reviews")
    year = models.PositiveIntegerField(_("年度"))
    outcome = models.CharField(_("结论"), max_length=8, choices=Outcome.choices)
    exam_passed = models.BooleanField(_("轮训考试合格"))
    hours_earned = models.DecimalField(_("已修学时"), max_digits=6, decimal_places=1)
    hours_required = models.DecimalField(_("应修学时"), max_digits=6, decimal_places=1)
    reasons = models.JSONField(_("不合格原因"), default=list, blank=True)
    consequence = models.CharField(_("处理"), max_length=16, blank=True)
    reviewed_at = models.DateTimeField(_("年审时间"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    made_up_at = models.DateTimeField(_("补考合格时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("执法证年审")
        verbose_name_plural = _("执法证年审")
        ordering = ["-year", "credential"]
        constraints = [
            models.UniqueConstraint(
                fields=["credential", "year"], name="certification_one_review_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.credential_id} {self.year} {self.get_outcome_display()}"

    @property
    def counts_as_failed(self) -> bool:
        """A failure cured by a make-up exam no longer counts toward "two years running"."""
        return self.outcome == self.Outcome.FAILED and self.made_up_at is None


class CertificateKind(models.TextChoices):
    PRE_APPOINTMENT = "pre_appointment", _("任前法律知识考试合格证书")
    ANNUAL_LEARNING = "annual_learning", _("年度学法合格证书")


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("有效")
    REVOKED = "revoked", _("已撤销")
    # The result it certified no longer stands (a regrade after a key correction): the public
    # verification says so, with ``status_reason``.
    WITHDRAWN = "withdrawn", _("已撤回")


class Certificate(models.Model):
    kind = models.CharField(_("证书类别"), max_length=32, choices=CertificateKind.choices)
    number = models.CharField(_("证书编号"), max_length=32, unique=True)
    verification_code = models.CharField(
        _("核验码"), max_length=32, unique=True, default=new_verification_code, editable=False
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("持有人"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    authority = models.ForeignKey(
        OrgUnit,
        verbose_name=_("发证单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    year = models.PositiveIntegerField(_("年度"))
    title = models.CharField(_("考试或事项"), max_length=200)
    score = models.DecimalField(_("成绩"), max_digits=6, decimal_places=2, null=True, blank=True)
    hours = models.DecimalField(_("学时"), max_digits=6, decimal_places=1, null=True, blank=True)
    attempt = models.OneToOneField(
        "exams.Attempt",
        verbose_name=_("答卷"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_on = models.DateField(_("发证日期"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=CertificateStatus.choices, default=CertificateStatus.VALID
    )
    status_reason = models.TextField(
        _("状态说明"), blank=True, help_text=_("撤回或撤销的理由，公开核验时显示。")
    )
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("证书")
        verbose_name_plural = _("证书")
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["holder", "year"],
                condition=Q(kind="annual_learning"),
                name="certification_one_learning_certificate_per_year",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()}"

    @property
    def display_title(self) -> str:
        """The title in the reader's language: an annual learning certificate's is the
        platform's own words (``LEARNING_TITLE``); a pre-appointment one's is the exam's."""
        if self.kind == CertificateKind.ANNUAL_LEARNING:
            from .services.certificates import LEARNING_TITLE

            return str(LEARNING_TITLE % {"year": self.year})
        return self.title


class NumberSequence(models.Model):
    """The last number used per prefix (e.g. area code + year), taken under a row lock."""

    key = models.CharField(max_length=64, unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("编号序列")
        verbose_name_plural = _("编号序列")

    def __str__(self) -> str:
        return f"{self.key}: {self.last}"


BATCH_FILE_DIRECTORY = "certification/jobs"


def batch_job_file_name(instance, filename: str) -> str:
    """A job's file is stored under a random token; only the extension is kept."""
    return private_name(BATCH_FILE_DIRECTORY, filename)


class BatchJob(models.Model):
    """A background job's progress row (annual review, batch PDFs), read by the admin page.

    The django-tasks result says whether the task is queued, running, done or failed; this
    row says how far it got and holds what it produced.
    """

    class Kind(models.TextChoices):
        ANNUAL_REVIEW = "annual_review", _("执法证年审")
        CERTIFICATE_PDFS = "certificate_pdfs", _("批量生成证书")
        APPRAISAL = "appraisal", _("年度考核计算")
        EXPORT = "export", _("数据导出")

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("类别"), max_length=32, choices=Kind.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    params = models.JSONField(_("参数"), default=dict, blank=True)
    total = models.PositiveIntegerField(_("总数"), default=0)
    done = models.PositiveIntegerField(_("已处理"), default=0)
    summary = models.JSONField(_("结果"), default=dict, blank=True)
    # In the private storage under a random name (never MEDIA_ROOT); the name people see is
    # ``download_name``, given only when the file is downloaded through a checking view.
    file = models.FileField(
        _("文件"),
        upload_to=batch_job_file_name,
        storage=private_storage,
        max_length=255,
        blank=True,
    )
    download_name = models.CharField(_("下载文件名"), max_length=255, blank=True)
    file_expired_at = models.DateTimeField(_("文件过期删除时间"), null=True, blank=True)
    task_result_id = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def file_expired(self) -> bool:
        return self.file_expired_at is not None

    @property
    def percent(self) -> int:
        return (
            100
            if not self.total and self.status == self.Status.DONE
            else (int(self.done * 100 / self.total) if self.total else 0)
        )


class AppraisalRating(models.TextChoices):
    PASSED = "passed", _("合格")
    FAILED = "failed", _("不合格")


class PreAppointmentState(models.TextChoices):
    NONE = "none", _("未参加")
    PASSED = "passed", _("合格（有效期内）")
    EXPIRED = "expired", _("合格已过期")
    FAILED_ONCE = "failed_once", _("不合格，可补考")
    BLOCKED = "blocked", _("补考不合格，不得任用")


class CredentialReviewState(models.TextChoices):
    NONE = "none", _("无执法证年审")
    PASSED = "passed", _("年审合格")
    MADE_UP = "made_up", _("年审不合格，已补考合格")
    FAILED = "failed", _("年审不合格")


class AppraisalRecord(models.Model):
    """A person's law-study appraisal (年度学法考核) of one year, computed from the study-hour
    ledger, the exams and the credential review; HR reviews, annotates and locks it.

    A locked record is never recomputed or edited; only ``appraisal_unlock`` (with a reason,
    in the audit log) opens it again. The figures are a snapshot, so a locked year keeps
    saying what HR signed off even if the ledger changes later.
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        related_name="appraisal_records",
    )
    year = models.PositiveIntegerField(_("年度"))
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("所在单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    hours_required = models.DecimalField(_("应修学时"), max_digits=6, decimal_places=1)
    hours_counted = models.DecimalField(_("已修学时"), max_digits=6, decimal_places=1)
    hours_met = models.BooleanField(_("学时达标"))
    exam_attempts = models.PositiveSmallIntegerField(_("年度学法考试次数"), default=0)
    exam_score = models.DecimalField(
        _("年度学法考试成绩"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    exam_passed = models.BooleanField(_("年度学法考试合格"), null=True)
    exam_band = models.CharField(_("成绩等次"), max_length=16, blank=True)
    pre_appointment = models.CharField(
        _("任前考试"),
        max_length=16,
        choices=PreAppointmentState.choices,
        default=PreAppointmentState.NONE,
    )
    pre_appointment_passed_on = models.DateField(_("任前考试合格日期"), null=True, blank=True)
    credential_review = models.CharField(
        _("执法证年审"),
        max_length=16,
        choices=CredentialReviewState.choices,
        default=CredentialReviewState.NONE,
    )
    rating = models.CharField(_("学法考核结果"), max_length=8, choices=AppraisalRating.choices)
    reasons = models.JSONField(_("不合格原因"), default=list, blank=True)
    notes = models.TextField(_("人事备注"), blank=True)
    computed_at = models.DateTimeField(_("计算时间"))
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    locked = models.BooleanField(_("已锁定"), default=False, db_index=True)
    locked_at = models.DateTimeField(_("锁定时间"), null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("锁定人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A regrade changed a result this locked record rests on: the record keeps what HR signed
    # off until an audited unlock, which then recomputes it and clears the flag.
    recompute_pending = models.BooleanField(_("待重新计算"), default=False, db_index=True)
    recompute_reason = models.TextField(_("待重新计算的原因"), blank=True)

    class Meta:
        verbose_name = _("年度学法考核")
        verbose_name_plural = _("年度学法考核")
        ordering = ["-year", "person"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "year"], name="certification_one_appraisal_per_year"
            ),
            models.CheckConstraint(
                condition=Q(locked=False) | Q(locked_at__isnull=False),
                name="certification_appraisal_lock_time",
            ),
        ]
        indexes = [models.Index(fields=["year", "unit"], name="certification_appraisal_unit")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.year} {self.get_rating_display()}"
