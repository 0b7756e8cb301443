"""Front-office views of the law library (no login needed: the texts are public)."""

from __future__ import annotations

import datetime

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from . import selectors
from .forms import STATUS_LABELS, ArticleSearchForm, VersionCompareForm

SEARCH_PER_PAGE = 20
LAW_NOT_FOUND = _("法律法规库中没有这部法律或这个版本。")
ONE_VERSION_ONLY = _("这部法律在库中只有一个版本，无可比较。")


def law_index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "laws/law_index.html",
        {"categories": selectors.laws_by_category(), "search_form": ArticleSearchForm()},
    )


def law_detail(
    request: HttpRequest, key: str, version_date: datetime.date | None = None
) -> HttpResponse:
    version = selectors.law_version_get(key=key, version_date=version_date)
    if version is None:
        raise Http404(LAW_NOT_FOUND)
    if version.law.is_policy:
        return render(
            request,
            "laws/policy_detail.html",
            {
                "law": version.law,
                "version": version,
                "versions": selectors.law_versions(version.law),
                "parts": selectors.policy_outline(version),
                "preamble": version.preamble.splitlines(),
            },
        )
    return render(
        request,
        "laws/law_detail.html",
        {
            "law": version.law,
            "version": version,
            "versions": selectors.law_versions(version.law),
            "chapters": selectors.version_chapters(version),
            "preamble": version.preamble.splitlines(),
            "history": version.history.splitlines(),
        },
    )


def article_search(request: HttpRequest) -> HttpResponse:
    form = ArticleSearchForm(request.GET)
    query, all_versions = "", False
    if form.is_valid():
        query, all_versions = form.cleaned_data["q"].strip(), form.cleaned_data["all_versions"]
    articles = selectors.articles_search(query=query, all_versions=all_versions)
    page = Paginator(articles, SEARCH_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "laws/article_search.html",
        {
            "form": form,
            "query": query,
            "terms": selectors.search_terms(query),
            "page_obj": page,
            "querystring": request.GET.copy(),
        },
    )


def law_compare(request: HttpRequest, key: str) -> HttpResponse:
    current = selectors.law_version_get(key=key)
    if current is None:
        raise Http404(LAW_NOT_FOUND)
    law = current.law
    versions = selectors.law_versions(law)
    form = VersionCompareForm(request.GET, versions=versions)
    comparison, shown = None, []
    if len(versions) > 1 and form.is_valid():
        old, new = form.chosen()
        comparison = selectors.versions_compare(law=law, old=old, new=new)
        wanted = set(form.cleaned_data["status"]) or set(STATUS_LABELS)
        shown = [change for change in comparison.changes if change.status in wanted]
    return render(
        request,
        "laws/law_compare.html",
        {
            "law": law,
            "versions": versions,
            "form": form,
            "comparison": comparison,
            "changes": shown,
            "status_labels": STATUS_LABELS,
            "one_version_only": ONE_VERSION_ONLY if len(versions) < 2 else "",
        },
    )
