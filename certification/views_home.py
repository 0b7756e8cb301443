"""The learner's home (我的): what is due and where they stand, about themselves only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from .selectors_home import learner_home


@never_cache
@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "certification/home.html", {"home": learner_home(request.user)})
