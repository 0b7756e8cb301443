"""People and organisation: the user, the org-unit tree and scoped role assignments."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node


class OrgUnit(MP_Node):
    """A node of the organisation: city -> district/county -> department -> section."""

    class Kind(models.TextChoices):
        CITY = "city", _("市")
        DISTRICT = "district", _("区县")
        DEPARTMENT = "department", _("部门")
        SECTION = "section", _("科室")

    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(
        _("单位代码"),
        max_length=32,
        unique=True,
        help_text=_("全局唯一，用于花名册导入等，如 330100-SFJ。"),
    )
    kind = models.CharField(_("层级"), max_length=16, choices=Kind.choices)
    area_code = models.CharField(
        _("行政区划代码"),
        max_length=6,
        blank=True,
        validators=[RegexValidator(r"^\d{6}$", _("行政区划代码为 6 位数字。"))],
        help_text=_("6 位行政区划代码，用于执法证编号；为空时沿用上级单位的代码。"),
    )

    node_order_by = ["code"]

    class Meta:
        verbose_name = _("组织单位")
        verbose_name_plural = _("组织单位")

    def __str__(self) -> str:
        return self.name


class UserManager(DjangoUserManager):
    """Users log in with their employee number; there is no ``username`` column."""

    use_in_migrations = True

    def _create_user(self, employee_number, email, password, **extra_fields):
        if not employee_number:
            raise ValueError("employee_number is required")
        email = self.normalize_email(email) if email else ""
        user = self.model(employee_number=employee_number, email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, employee_number, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(employee_number, email, password, **extra_fields)

    def create_superuser(self, employee_number, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(employee_number, email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A civil servant (or a staff member) of the city.

    One ``name`` field, because Chinese names are not split into first and last names in
    official records. The national ID number is stored for matching with HR systems, but
    only ever displayed masked (see ``masked_national_id``).
    """

    employee_number = models.CharField(
        _("工号"),
        max_length=32,
        unique=True,
        validators=[
            RegexValidator(r"^[A-Za-z0-9_-]+$", _("工号只能包含字母、数字、下划线和连字符。"))
        ],
    )
    name = models.CharField(_("姓名"), max_length=64)
    email = models.EmailField(_("电子邮箱"), blank=True)
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)
    national_id = models.CharField(
        _("身份证号"),
        max_length=18,
        blank=True,
        validators=[RegexValidator(r"^\d{17}[\dXx]$", _("身份证号应为 18 位。"))],
    )
    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("所在单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    rank = models.CharField(_("职级"), max_length=32, blank=True)
    is_leading_cadre = models.BooleanField(_("领导干部"), default=False)
    is_enforcement_officer = models.BooleanField(_("行政执法人员"), default=False)
    is_active = models.BooleanField(_("在职"), default=True)
    is_staff = models.BooleanField(_("可进入管理后台"), default=False)
    date_joined = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # Reminders (cms.people.notifications): in-site notifications are always kept; these say
    # whether they are also e-mailed, and in which language (blank: the site's LANGUAGE_CODE).
    # The page language of a visit comes from the language switch, not from this field.
    email_notifications = models.BooleanField(
        _("接收提醒邮件"),
        default=True,
        help_text=_("关闭后，提醒仍会显示在站内通知中，但不再发送邮件。"),
    )
    language = models.CharField(
        _("邮件语言"),
        max_length=16,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("提醒邮件使用的语言；不选择时使用网站默认语言。"),
    )

    objects = UserManager()

    USERNAME_FIELD = "employee_number"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name", "email"]

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["employee_number"]
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("email"),
                condition=~models.Q(email=""),
                name="people_user_unique_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.employee_number}）" if self.name else self.employee_number

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name

    # Wagtail's admin templates and forms speak of first/last names; a Chinese name is one.
    @property
    def first_name(self) -> str:
        return self.name

    @property
    def last_name(self) -> str:
        return ""

    @property
    def masked_national_id(self) -> str:
        """The ID number as it may be displayed: first 3 and last 4 characters only."""
        value = self.national_id
        if not value:
            return ""
        return value[:3] + "*" * (len(value) - 7) + value[-4:]

    @property
    def mail_language(self) -> str:
        """The language of the person's e-mails: their choice, else the site's default."""
        return self.language or settings.LANGUAGE_CODE


class Role(models.TextChoices):
    LEARNER = "learner", _("学员")
    COURSE_AUTHOR = "course_author", _("课程作者")
    COURSE_REVIEWER = "course_reviewer", _("课程审核员")
    EXAM_ADMIN = "exam_admin", _("考试管理员")
    HR = "hr", _("人事专员")
    LEGAL_AFFAIRS = "legal_affairs", _("法制审核员")
    MARKER = "marker", _("阅卷人")


class RoleAssignment(models.Model):
    """A role held by a person over an org subtree (the scope), e.g. HR of 西湖区."""

    user = models.ForeignKey(
        User, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    scope = models.ForeignKey(
        OrgUnit,
        verbose_name=_("管辖范围"),
        on_delete=models.PROTECT,
        related_name="role_assignments",
        help_text=_("该角色可管理的组织单位（含下级单位）。"),
    )
    created_at = models.DateTimeField(_("授予时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "scope"], name="people_roleassignment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.scope}"


# Wagtail permissions are granted to Django groups; each staff role maps to one group, whose
# name is fixed (not translated) so that permissions set up once keep working in any language.
ROLE_GROUPS = {
    Role.COURSE_AUTHOR: "课程作者",
    Role.COURSE_REVIEWER: "课程审核员",
    Role.EXAM_ADMIN: "考试管理员",
    Role.HR: "人事专员",
    Role.LEGAL_AFFAIRS: "法制审核员",
}


class ColumnMapping(models.Model):
    """How the files of one org unit name the columns of one kind of import, as the uploader
    chose on the check page (``cms.uploads``), so the next file of that unit is read alike."""

    org_unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="column_mappings",
        verbose_name=_("单位"),
    )
    kind = models.CharField(_("导入类型"), max_length=40)
    # Header text (as ``cms.spreadsheets.header_key`` compares it) -> the import's column name;
    # "" for a column deliberately not imported.
    mapping = models.JSONField(_("列对应关系"), default=dict)
    updated_by = models.ForeignKey(
        "User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("导入列对应关系")
        verbose_name_plural = _("导入列对应关系")
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "kind"], name="column_mapping_one_per_unit_and_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.org_unit or '—'} · {self.kind}"


class Notification(models.Model):
    """One in-site notification (提醒) of one event to one person, optionally e-mailed.

    The text is not stored: ``kind`` names a registered pair of translatable templates
    (``cms.people.notifications.register_kind``) filled from ``params`` in the reader's
    language whenever the notification is shown or mailed. ``event_key`` names the event
    ("exam_closing:12"); the unique constraint makes each event reach a person once, however
    often its producer runs.
    """

    recipient = models.ForeignKey(
        User, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=40)
    event_key = models.CharField(_("事件"), max_length=120)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), db_index=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event_key"], name="people_notification_once_per_event"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="people_notif_unread"),
            models.Index(fields=["emailed_at", "created_at"], name="people_notif_to_mail"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} · {self.event_key}"

    @property
    def title(self) -> str:
        from .notifications import render_title

        return render_title(self)

    @property
    def body(self) -> str:
        from .notifications import render_body

        return render_body(self)
