"""Forms of the exam administrator's back office: blueprints, sessions, candidates, import."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from cms.people.models import OrgUnit, Role
from cms.people.selectors import units_visible_to

from .models import Candidate

ERR_WINDOW = _("截止时间必须晚于开考时间。")
ERR_DIFFICULTY_RANGE = _("最高难度不能低于最低难度。")
ERR_FILE_TYPE = _("请上传 .xlsx 或 .csv 文件。")


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

    def clean(self):
        cleaned = super().clean()
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


class CandidatesImportForm(forms.Form):
    file = forms.FileField(
        label=_("考生名单文件"),
        help_text=_("xlsx 或 UTF-8 编码的 csv；列：工号、延长时间（分钟）、增加次数、备注。"),
    )
    dry_run = forms.BooleanField(
        label=_("仅检查，不导入"),
        required=False,
        help_text=_("勾选后只检查文件并列出将要新增和更新的考生，不写入任何数据。"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(ERR_FILE_TYPE)
        return upload
