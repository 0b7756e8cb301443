"""The learner's home (我的): what is due and where they stand, about themselves only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import never_cache

from .selectors_home import learner_home

# Pages of the practice, the wrong-answer book and the notifications, linked when served.
LINKED = {
    "daily_url": "exams:daily",
    "practice_url": "exams:practice",
    "wrong_book_url": "exams:wrong_book",
}


def _url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


@never_cache
@login_required
def home(request: HttpRequest) -> HttpResponse:
    context = {"home": learner_home(request.user)}
    context.update({key: _url(name) for key, name in LINKED.items()})
    return render(request, "certification/home.html", context)
