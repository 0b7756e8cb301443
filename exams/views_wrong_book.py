"""The learner's wrong-answer book (错题本): the page and its PDF for offline study. Only ever
the signed-in person's own records; opening either first books what became bookable."""

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .selectors_wrong_book import wrong_book_all, wrong_book_filters, wrong_book_page
from .services.practice_record import clear_streak
from .services.wrong_book import wrong_book_sync
from .wrong_book_pdf import wrong_book_pdf as render_wrong_book_pdf

PDF_FILENAME = _("错题本")


def _filters(request: HttpRequest):
    return wrong_book_filters(
        request.user, topic_id=request.GET.get("topic"), law_key=request.GET.get("law")
    )


def _query(filters) -> str:
    parts = []
    if filters.topic is not None:
        parts.append(f"topic={filters.topic.pk}")
    if filters.law is not None:
        parts.append(f"law={quote(filters.law.key)}")
    return "&".join(parts)


@never_cache
@login_required
@require_GET
def wrong_book(request: HttpRequest) -> HttpResponse:
    wrong_book_sync(user=request.user)
    filters = _filters(request)
    page, entries = wrong_book_page(request.user, filters, request.GET.get("page"))
    context = {
        "filters": filters,
        "page": page,
        "entries": entries,
        "query": _query(filters),
        "clear_streak": clear_streak(),
    }
    return render(request, "exams/wrong_book.html", context)


@never_cache
@login_required
@require_GET
def wrong_book_pdf(request: HttpRequest) -> HttpResponse:
    wrong_book_sync(user=request.user)
    filters = _filters(request)
    entries = wrong_book_all(request.user, filters)
    data = render_wrong_book_pdf(user=request.user, entries=entries, filters=filters)
    response = HttpResponse(data, content_type="application/pdf")
    day = timezone.localdate().isoformat()
    name = quote(f"{PDF_FILENAME}-{day}.pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response
