from django import forms
from django.utils.translation import gettext_lazy as _

from cms.uploads import UploadForm


class TrainingUploadForm(UploadForm):
    file = forms.FileField(
        label=_("线下培训记录文件"),
        help_text=_("xlsx 或 csv，列：工号、姓名、培训名称、日期、学时、类别。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
