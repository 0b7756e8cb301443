"""Back-office forms for people, units, role assignments and the roster upload.

The choices a form offers come from the selectors, so a scoped staff member can only pick
units and people within their own subtree.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.users.forms import UserCreationForm, UserEditForm

from cms.uploads import UploadForm

from .models import OrgUnit, Role, RoleAssignment, User
from .roster import national_id_error
from .selectors import people_visible_to, roles_assignable_by, units_visible_to
from .services import SCOPE_OUTSIDE_YOURS

PARENT_REQUIRED = _("请选择上级单位。")
PASSWORD_OPTIONAL_HELP = _("可留空：本人可通过电子邮箱重设密码后登录。")
NATIONAL_ID_KEEP_HELP = _("当前为 %(masked)s。留空则保持不变；输入新的 18 位号码将替换原号码。")
NATIONAL_ID_NONE_HELP = _("尚未登记。可输入 18 位身份证号。")
PASSWORD_SET_HELP = _("留空则不修改。修改后将记入操作日志，并以电子邮件通知本人。")

PERSON_FIELDS = [
    "employee_number",
    "name",
    "org_unit",
    "rank",
    "is_leading_cadre",
    "is_enforcement_officer",
    "email",
    "phone",
    "national_id",
]


class UnitChoiceField(forms.ModelChoiceField):
    """Units shown with their depth, so a long list still reads as a tree."""

    def label_from_instance(self, obj: OrgUnit) -> str:
        return "\u3000" * (obj.depth - 1) + f"{obj.name}（{obj.code}）"


class PersonFormMixin:
    """Wagtail's user form without first/last name, with our fields, scoped to the editor."""

    def _setup_person_fields(self, for_user) -> None:
        self.fields["email"].required = False
        self.fields["org_unit"] = UnitChoiceField(
            queryset=OrgUnit.objects.order_by("path"),
            label=User._meta.get_field("org_unit").verbose_name,
            required=bool(for_user and not for_user.is_superuser),
        )
        if for_user is not None and not for_user.is_superuser:
            self.fields["org_unit"].queryset = units_visible_to(for_user).order_by("path")
            # Roles come from role assignments (scoped); only superusers manage raw groups.
            for name in ("is_superuser", "groups"):
                self.fields.pop(name, None)

    @property
    def account_fields(self) -> list:
        """The person's own fields, in the order the admin form shows them."""
        order = [*PERSON_FIELDS, "is_active", "password1", "password2"]
        return [self[name] for name in order if name in self.fields]

    @property
    def admin_fields(self) -> list:
        return [self[name] for name in ("is_superuser", "groups") if name in self.fields]

    def clean_national_id(self) -> str:
        value = (self.cleaned_data.get("national_id") or "").strip().upper()
        if value and (reason := national_id_error(value)):
            raise ValidationError(reason)
        return value


class PersonCreationForm(PersonFormMixin, UserCreationForm):
    first_name = None
    last_name = None
    # New people choose their own password through the reset e-mail.
    password_required = False

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_person_fields(for_user)
        if "password1" in self.fields:
            self.fields["password1"].help_text = PASSWORD_OPTIONAL_HELP

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        if not self.cleaned_data.get("password1"):
            user.set_unusable_password()
        if commit:
            user.save()
            self.save_m2m()
        return user

    class Meta(UserCreationForm.Meta):
        fields = [*PERSON_FIELDS, "is_superuser", "groups"]


class PersonEditForm(PersonFormMixin, UserEditForm):
    """The edit form never shows the stored national ID, nor sets a password by itself.

    The ID field starts empty (the help text shows the masked number); a blank field keeps
    the stored number, a typed one replaces it. A new password is left in ``cleaned_data``
    for the view, which sets it through ``services.person_set_password`` (audited, the
    person is told).
    """

    first_name = None
    last_name = None

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_person_fields(for_user)
        stored = self.instance.masked_national_id if self.instance.pk else ""
        self.initial["national_id"] = ""
        field = self.fields["national_id"]
        field.required = False
        field.widget.attrs["autocomplete"] = "off"
        field.help_text = (
            NATIONAL_ID_KEEP_HELP % {"masked": stored} if stored else NATIONAL_ID_NONE_HELP
        )
        if "password1" in self.fields:
            self.fields["password1"].help_text = PASSWORD_SET_HELP

    def clean_national_id(self) -> str:
        value = super().clean_national_id()
        if not value and self.instance.pk:
            # Blank keeps what is stored (fields are cleaned before the instance is updated).
            return self.instance.national_id
        return value

    def save(self, commit: bool = True) -> User:
        # Skip UserForm.save, which would set password1 without an audit entry.
        return forms.ModelForm.save(self, commit=commit)

    class Meta(UserEditForm.Meta):
        fields = [*PERSON_FIELDS, "is_active", "is_superuser", "groups"]


class OrgUnitCreateForm(WagtailAdminModelForm):
    """A new unit is always placed under a parent the editor may manage."""

    parent = UnitChoiceField(queryset=OrgUnit.objects.none(), label=_("上级单位"), required=False)

    class Meta:
        model = OrgUnit
        fields = ["name", "code", "kind", "area_code"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        self.fields["parent"].queryset = units_visible_to(user).order_by("path")
        if not user.is_superuser:
            self.fields["parent"].required = True
            self.fields["parent"].error_messages["required"] = PARENT_REQUIRED
        else:
            self.fields["parent"].help_text = _("留空则作为顶级单位（如“市”）。")
        self.order_fields(["parent", "name", "code", "kind", "area_code"])


class OrgUnitEditForm(WagtailAdminModelForm):
    class Meta:
        model = OrgUnit
        fields = ["name", "code", "kind", "area_code"]


class RoleAssignmentForm(WagtailAdminModelForm):
    class Meta:
        model = RoleAssignment
        fields = ["user", "role", "scope"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        self.fields["user"].queryset = people_visible_to(user).select_related("org_unit")
        self.fields["scope"] = UnitChoiceField(
            queryset=units_visible_to(user).order_by("path"),
            label=RoleAssignment._meta.get_field("scope").verbose_name,
            help_text=RoleAssignment._meta.get_field("scope").help_text,
        )
        allowed = set(roles_assignable_by(user))
        self.fields["role"].choices = [(r.value, r.label) for r in Role if r in allowed]

    def clean(self):
        cleaned = super().clean()
        role, scope = cleaned.get("role"), cleaned.get("scope")
        if (
            role
            and scope
            and not units_visible_to(self.for_user, role=Role(role)).filter(pk=scope.pk).exists()
        ):
            self.add_error("scope", SCOPE_OUTSIDE_YOURS)
        return cleaned


class RosterUploadForm(UploadForm):
    file = forms.FileField(
        label=_("花名册文件"),
        help_text=_("xlsx 或 csv 格式；表头可在任一工作表的前几行。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    deactivate_missing = forms.BooleanField(
        label=_("停用文件中未列出的人员"),
        required=False,
        help_text=_("对文件中出现的单位，停用其在系统中但不在文件里的人员（不会删除）。"),
    )


class NotificationPreferencesForm(forms.ModelForm):
    """The person's own reminder settings on the profile page (``people:profile``)."""

    class Meta:
        model = User
        fields = ["email_notifications", "language"]
        labels = {"language": _("邮件语言")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("网站默认语言"))] + [
            (code, name) for code, name in self.fields["language"].choices if code
        ]
        self.fields["email_notifications"].widget.attrs["aria-describedby"] = (
            f"{self.auto_id % 'email_notifications'}_help"
        )
