"""Front-office views of the courses besides the Wagtail pages themselves (no login needed:
the lessons are public, and only live, public pages are ever found)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from . import selectors
from .forms import SiteSearchForm

QUERY_TOO_SHORT = _("请输入至少两个汉字或一个英文单词。")


def site_search(request: HttpRequest) -> HttpResponse:
    """/search/?q=…: lessons and courses whose title or text contains every term."""
    form = SiteSearchForm(request.GET)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    result = selectors.site_search(query=query, page_number=request.GET.get("page"))
    return render(
        request,
        "courses/search.html",
        {
            "form": form,
            "query": query,
            "terms": result.terms,
            "page_obj": result.page_obj,
            "too_short": QUERY_TOO_SHORT if result.too_short else "",
            "querystring": request.GET.copy(),
        },
    )
