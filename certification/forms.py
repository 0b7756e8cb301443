"""Forms of the credential admin pages; the rules themselves live in the services."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.people.models import OrgUnit, User

from .models import EnforcementDomain

ERR_NO_PERSON = _("您的管辖范围内没有工号为 %(number)s 的人员。")


class TransitionForm(forms.Form):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}))
    legal_basis = forms.CharField(label=_("法律依据"), max_length=300, required=False)


class IssueForm(forms.Form):
    employee_number = forms.CharField(label=_("持证人工号"), max_length=32)
    authority = forms.ModelChoiceField(label=_("发证机关"), queryset=OrgUnit.objects.none())
    domain = forms.ChoiceField(label=_("执法类别"), choices=EnforcementDomain.choices)
    area = forms.CharField(
        label=_("执法区域"), max_length=100, required=False, help_text=_("留空则为发证机关名称。")
    )
    reason = forms.CharField(label=_("理由"), required=False, max_length=300)
    legal_basis = forms.CharField(label=_("法律依据"), max_length=300, required=False)

    def __init__(self, *args, units=None, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authority"].queryset = units if units is not None else OrgUnit.objects.none()
        self.people = people if people is not None else User.objects.none()

    def clean_employee_number(self):
        number = self.cleaned_data["employee_number"].strip()
        holder = self.people.filter(employee_number=number).first()
        if holder is None:
            raise forms.ValidationError(ERR_NO_PERSON % {"number": number})
        self.cleaned_data["holder"] = holder
        return number


class ReviewForm(forms.Form):
    year = forms.IntegerField(label=_("年审年度"), min_value=2000, max_value=2100)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"year": timezone.localdate().year})
        super().__init__(*args, **kwargs)


class BatchForm(forms.Form):
    session = forms.TypedChoiceField(
        label=_("考试场次（合格者的证书）"), coerce=int, empty_value=None, required=False
    )
    unit = forms.ModelChoiceField(
        label=_("单位（证书与执法证卡片）"), queryset=OrgUnit.objects.none(), required=False
    )

    def __init__(self, *args, sessions=(), units=None, **kwargs):
        """``sessions``: ``exams.data.SessionInfo`` rows to choose from."""
        super().__init__(*args, **kwargs)
        self.fields["session"].choices = [("", "---------")] + [(s.id, s.title) for s in sessions]
        self.fields["unit"].queryset = units if units is not None else OrgUnit.objects.none()

    def clean(self):
        data = super().clean()
        if not data.get("session") and not data.get("unit"):
            raise forms.ValidationError(_("请选择考试场次或单位。"))
        return data
