"""The Wagtail admin's own account page, fitted to our user model.

Wagtail's "name and e-mail" panel edits ``first_name``/``last_name``, which a Chinese name
stored in one ``name`` field does not have, so its form could never be saved. This view is
Wagtail's account view with that one panel replaced; everything else is Wagtail's.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views.account import AccountView, NameEmailSettingsPanel

from .models import User


class NameForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["name", "email"]


class NameSettingsPanel(NameEmailSettingsPanel):
    form_class = NameForm
    title = _("姓名与电子邮箱")


class PeopleAccountView(AccountView):
    def get_panels(self):
        return [
            NameSettingsPanel(panel.request, panel.user, panel.profile)
            if type(panel) is NameEmailSettingsPanel
            else panel
            for panel in super().get_panels()
        ]


account = require_admin_access(PeopleAccountView.as_view())
