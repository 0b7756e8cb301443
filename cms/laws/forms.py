"""Front-office forms of the law library (search, version comparison)."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from .data import ChangeStatus
from .models import LawVersion

STATUS_LABELS = {
    ChangeStatus.UNCHANGED: _("未变"),
    ChangeStatus.MOVED: _("条号变化"),
    ChangeStatus.CHANGED: _("修改"),
    ChangeStatus.ADDED: _("新增"),
    ChangeStatus.REMOVED: _("删除"),
}
SAME_VERSION = _("请选择两个不同的版本。")


class ArticleSearchForm(forms.Form):
    # No max_length: a long query is cut to its first terms (``selectors.search_terms``).
    q = forms.CharField(label=_("关键词"), required=False)
    all_versions = forms.BooleanField(label=_("包括历史版本"), required=False)


class VersionCompareForm(forms.Form):
    """Which two versions to compare (default: previous vs current) and which rows to show.

    The fields are called ``from`` and ``to`` after the URL parameters
    (``/laws/<key>/compare/?from=2017-09-01&to=2023-09-01``).
    """

    status = forms.TypedMultipleChoiceField(
        label=_("显示"),
        choices=list(STATUS_LABELS.items()),
        coerce=ChangeStatus,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, data, *, versions: list[LawVersion]):
        self.versions = {version.version_date: version for version in versions}
        newest_first = sorted(self.versions, reverse=True)
        self.default_to = newest_first[0] if newest_first else None
        self.default_from = newest_first[1] if len(newest_first) > 1 else None
        data = data.copy()
        for name, default in (("from", self.default_from), ("to", self.default_to)):
            if not data.get(name) and default is not None:
                data[name] = f"{default:%Y-%m-%d}"
        super().__init__(data)
        choices = [(f"{day:%Y-%m-%d}", f"{day:%Y-%m-%d}") for day in sorted(self.versions)]
        self.fields["from"] = forms.TypedChoiceField(
            label=_("原版本"), choices=choices, coerce=datetime.date.fromisoformat, required=False
        )
        self.fields["to"] = forms.TypedChoiceField(
            label=_("新版本"), choices=choices, coerce=datetime.date.fromisoformat, required=False
        )
        self.order_fields(["from", "to", "status"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("from") and cleaned.get("from") == cleaned.get("to"):
            raise forms.ValidationError(SAME_VERSION)
        return cleaned

    def chosen(self) -> tuple[LawVersion, LawVersion]:
        return self.versions[self.cleaned_data["from"]], self.versions[self.cleaned_data["to"]]
