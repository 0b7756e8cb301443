"""Forms of the exam administrator's back office: blueprints, sessions, candidates, import."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from cms.people.models import OrgUnit, Role
from cms.people.selectors import units_visible_to
from cms.uploads import UploadForm

from .models import Candidate, ExamSession, ReviewPolicy, default_review_policy

ERR_WINDOW = _("截止时间必须晚于开考时间。")
ERR_DIFFICULTY_RANGE = _("最高难度不能低于最低难度。")


class BlueprintForm(WagtailAdminModelForm):
    """A blueprint with its sections (an InlinePanel).

    A section's topics are a plain many-to-many field, which modelcluster would try to save
    before the new section has a primary key; the form saves them once the sections exist.
    """

    def save(self, commit=True):
        formset = self.formsets.get("sections")
        pending = []
        if formset is not None:
            for form in formset.forms:
                if not hasattr(form, "cleaned_data") or form in formset.deleted_forms:
                    continue
                if "topics" in form.cleaned_data:
                    pending.append((form, form.cleaned_data["topics"]))
                    form._save_m2m = lambda: None  # saved below, after the section
        instance = super().save(commit=commit)
        if commit:
            for form, topics in pending:
                if form.instance.pk:
                    form.instance.topics.set(topics)
        return instance

    def clean(self):
        cleaned = super().clean()
        formset = self.formsets.get("sections")
        if formset is not None:
            for form in formset.forms:
                data = getattr(form, "cleaned_data", None) or {}
                low, high = data.get("difficulty_min"), data.get("difficulty_max")
                if low and high and high < low:
                    form.add_error("difficulty_max", ERR_DIFFICULTY_RANGE)
        return cleaned


class ExamSessionForm(WagtailAdminModelForm):
    """A session; a scoped administrator may only pick an eligible unit they administer."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        field = self.fields.get("eligible_unit")
        if field is not None:
            units = OrgUnit.objects.order_by("path")
            if for_user is not None and not for_user.is_superuser:
                units = units_visible_to(for_user, role=Role.EXAM_ADMIN).order_by("path")
            field.queryset = units
            field.label_from_instance = lambda u: "\u3000" * (u.depth - 1) + u.name
        if "blueprint" in self.fields:
            self.fields["blueprint"].queryset = self.fields["blueprint"].queryset.order_by("name")
        if "marking_tolerance" in self.fields:  # left empty: the default tolerance
            self.fields["marking_tolerance"].required = False

    def clean_marking_tolerance(self):
        value = self.cleaned_data.get("marking_tolerance")
        if value is None:
            return ExamSession._meta.get_field("marking_tolerance").get_default()
        return value

    def clean(self):
        cleaned = super().clean()
        # A new session whose review policy was left at the field's default takes its kind's
        # default: a mock exam shows answers, keys and explanations right after submit. The
        # model refuses that policy for the other kinds (``ExamSession.clean``).
        if (
            self.instance._state.adding
            and "review_policy" in self.fields
            and "review_policy" not in self.changed_data
            and cleaned.get("review_policy") == ReviewPolicy.SCORE_ONLY
            and cleaned.get("kind")
        ):
            cleaned["review_policy"] = default_review_policy(cleaned["kind"])
        opens_at, closes_at = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            # With closes_at in error, the model's check constraint is not validated again.
            self.add_error("closes_at", ERR_WINDOW)
        return cleaned


class CandidateForm(forms.ModelForm):
    class Meta:
        model = Candidate
        fields = ["listed", "extra_minutes", "extra_attempts", "note"]
        widgets = {
            "extra_minutes": forms.NumberInput(attrs={"min": 0, "style": "width: 6em"}),
            "extra_attempts": forms.NumberInput(attrs={"min": 0, "style": "width: 5em"}),
        }


CandidateFormSet = forms.modelformset_factory(Candidate, form=CandidateForm, extra=0)


class CandidatesImportForm(UploadForm):
    file = forms.FileField(
        label=_("考生名单文件"),
        help_text=_("xlsx 或 csv；列：工号、延长时间（分钟）、增加次数、备注。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


# --- Exam day: actions on running and finished attempts (the live monitor) -----------------
# The rules (minutes allowed, reason and legal basis required, the session's close) are the
# services' (``exams.services.transitions``): these forms only carry the input, so that a
# refusal shows the service's own message.

ERR_CONFIRM = _("请勾选确认后再提交。")
MAX_MINUTES_HINT = 600


def _reason_field(help_text=""):
    return forms.CharField(
        label=_("理由"),
        required=False,
        max_length=1000,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 2, "required": True}),
    )


def _minutes_field(label, help_text):
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        widget=forms.NumberInput(
            attrs={"min": 1, "max": MAX_MINUTES_HINT, "inputmode": "numeric", "style": "width: 8em"}
        ),
    )


def _close_field():
    return forms.BooleanField(
        label=_("同时推迟考试截止时间"),
        required=False,
        help_text=_(
            "不勾选时，答卷截止时间最迟为考试截止时间；勾选后，考试截止时间随之推迟（记入操作日志）。"
        ),
    )


def _confirm_field(label):
    return forms.BooleanField(label=label, required=True, error_messages={"required": ERR_CONFIRM})


class AttemptExtendForm(forms.Form):
    minutes = _minutes_field(_("延长（分钟）"), _("在该考生当前的截止时间上增加。"))
    reason = _reason_field(help_text=_("如：考场网络故障、考生身体不适。"))
    extend_close = _close_field()


class SessionExtendForm(AttemptExtendForm):
    minutes = _minutes_field(
        _("延长（分钟）"), _("您管辖范围内所有正在作答的考生，各自的截止时间都增加这么多。")
    )


class AttemptReopenForm(forms.Form):
    minutes = _minutes_field(
        _("重新开放后的答题时间（分钟）"), _("从现在起计算；考生保留已保存的作答继续答题。")
    )
    reason = _reason_field(help_text=_("如：考生因断电、系统故障未能正常作答。"))
    extend_close = _close_field()


class AttemptForceSubmitForm(forms.Form):
    reason = _reason_field(help_text=_("如：考生已离开考场。"))
    confirm = _confirm_field(_("我确认按已保存的作答为该考生交卷"))


class AttemptVoidForm(forms.Form):
    reason = _reason_field(help_text=_("如：考试中使用他人账号、替考。"))
    legal_basis = forms.CharField(
        label=_("依据"),
        required=False,
        max_length=300,
        help_text=_("作废成绩所依据的规定条款，如考场纪律的条款。"),
        widget=forms.TextInput(attrs={"required": True}),
    )
    confirm = _confirm_field(_("我确认作废该答卷的成绩（任前考试记为一次不合格）"))
