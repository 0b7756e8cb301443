"""The practice chooser's form: which mode, and the topic, law or article range it needs."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cms.laws.models import Law

from .services.practice import START_MODES


class PracticeStartForm(forms.Form):
    """One form for every mode; the service checks that the fields the mode needs are there."""

    mode = forms.ChoiceField(label=_("练习方式"), choices=[(m.value, m.label) for m in START_MODES])
    topic = forms.IntegerField(label=_("知识点"), required=False, min_value=1)
    law = forms.CharField(label=_("法律法规"), required=False, max_length=100)
    first = forms.IntegerField(label=_("起始条号"), required=False, min_value=1)
    last = forms.IntegerField(label=_("结束条号"), required=False, min_value=1)

    def criteria(self) -> dict:
        """The service's criteria: the law by its key (as in ``?law=<key>``) becomes its id."""
        data = self.cleaned_data
        criteria = {}
        if data.get("topic"):
            criteria["topic"] = data["topic"]
        if data.get("law"):
            law = Law.objects.filter(key=data["law"]).values_list("pk", flat=True).first()
            criteria["law"] = law
        if data.get("first") is not None:
            criteria["from"] = data["first"]
        if data.get("last") is not None:
            criteria["to"] = data["last"]
        return criteria
