from django import forms
from django.utils.translation import gettext_lazy as _


class TrainingUploadForm(forms.Form):
    file = forms.FileField(
        label=_("线下培训记录文件"),
        help_text=_("xlsx 或 UTF-8 编码的 csv，列：工号、姓名、培训名称、日期、学时、类别。"),
    )
