from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cms.spreadsheets import UploadLimitExceeded, check_upload_size


class TrainingUploadForm(forms.Form):
    file = forms.FileField(
        label=_("线下培训记录文件"),
        help_text=_("xlsx 或 UTF-8 编码的 csv，列：工号、姓名、培训名称、日期、学时、类别。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        """The size as uploaded, before the file is read into memory (the rest of the upload
        limits are checked by the import itself, before parsing)."""
        upload = self.cleaned_data["file"]
        try:
            check_upload_size(upload.size)
        except UploadLimitExceeded as exc:
            raise ValidationError(str(exc)) from exc
        return upload
