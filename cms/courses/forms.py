"""Forms of the course pages' front office."""

from django import forms
from django.utils.translation import gettext_lazy as _


class SiteSearchForm(forms.Form):
    # No max_length: a long query is cut to its first terms (``cms.search.query_terms``).
    q = forms.CharField(label=_("关键词"), required=False)
