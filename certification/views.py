"""Front office: "我的证书" with PDF downloads, and the public verification pages.

Public verification needs no login and answers only what ``certification.data.Verification``
holds. Each look-up (found or not) counts against a fixed-window limit per client IP kept in
the cache, so that guessing codes or number/name pairs is slow; the client IP is taken as
allauth's login rate limits take it (``ALLAUTH_TRUSTED_PROXY_COUNT`` behind proxies).
"""

from __future__ import annotations

import time

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cms.people.models import User

from .exceptions import CertificationError
from .models import Certificate, Credential
from .pdf import certificate_pdf, credential_card_pdf, safe_filename, transcript_pdf
from .selectors import (
    may_download_documents,
    my_documents,
    verification_by_code,
    verification_by_number,
)
from .services import learning_certificate_issue

MSG_NOT_FOUND = _("未找到该证件或证书。")
MSG_RATE_LIMITED = _("查询过于频繁，请稍后再试。")
MSG_LEARNING_ISSUED = _("已颁发%(year)s年度学法合格证书（%(number)s）。")
TRANSCRIPT_LABEL = _("学法档案")


# --- rate limit --------------------------------------------------------------------------------


def verify_rate_limited(request: HttpRequest) -> bool:
    """Count this look-up; True once the client has used up the window's allowance."""
    window = settings.VERIFY_RATE_WINDOW_SECONDS
    ip = get_adapter(request).get_client_ip(request)
    key = f"certification:verify:{ip}:{int(time.time() // window)}"
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 5)
        count = 1
    return count > settings.VERIFY_RATE_LIMIT


def _wants_json(request: HttpRequest) -> bool:
    return request.GET.get("format") == "json"


def _verify_answer(request: HttpRequest, result, *, searched: bool = True) -> HttpResponse:
    if _wants_json(request):
        if result is None:
            return JsonResponse({"found": False, "message": str(MSG_NOT_FOUND)}, status=404)
        return JsonResponse(result.as_json())
    status = 404 if searched and result is None else 200
    return render(
        request,
        "certification/verify.html",
        {"result": result, "searched": searched, "not_found": MSG_NOT_FOUND},
        status=status,
    )


def _refused(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"found": False, "message": str(MSG_RATE_LIMITED)}, status=429)
    return render(
        request, "certification/verify.html", {"rate_limited": MSG_RATE_LIMITED}, status=429
    )


@never_cache
def verify_code(request: HttpRequest, code: str) -> HttpResponse:
    """/verify/<code>: what the QR code on a certificate or card opens."""
    if verify_rate_limited(request):
        return _refused(request)
    return _verify_answer(request, verification_by_code(code))


@never_cache
def verify_search(request: HttpRequest) -> HttpResponse:
    """/verify/?number=…&name=…: look a document up by its number and the holder's name."""
    number, name = request.GET.get("number", ""), request.GET.get("name", "")
    if not number.strip() or not name.strip():
        return _verify_answer(request, None, searched=False)
    if verify_rate_limited(request):
        return _refused(request)
    return _verify_answer(request, verification_by_number(number, name))


# --- my certificates -----------------------------------------------------------------------------


@login_required
def my_certificates(request: HttpRequest) -> HttpResponse:
    documents = my_documents(request.user)
    return render(request, "certification/my_certificates.html", {"documents": documents})


@login_required
@require_POST
def learning_certificate_claim(request: HttpRequest, year: int) -> HttpResponse:
    try:
        certificate = learning_certificate_issue(user=request.user, year=year)
    except CertificationError as error:
        for reason in error.reasons:
            messages.error(request, reason)
    else:
        messages.success(
            request, MSG_LEARNING_ISSUED % {"year": year, "number": certificate.number}
        )
    return redirect("certification:mine")


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
    return response


def _quote(filename: str) -> str:
    from urllib.parse import quote

    return quote(filename)


def _check(request: HttpRequest, holder: User) -> None:
    if not may_download_documents(request.user, holder):
        raise Http404


@login_required
def certificate_download(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = get_object_or_404(
        Certificate.objects.select_related("holder__org_unit", "authority"), pk=pk
    )
    _check(request, certificate.holder)
    return _pdf(certificate_pdf(certificate), safe_filename(certificate.number))


@login_required
def card_download(request: HttpRequest, pk: int) -> HttpResponse:
    credential = get_object_or_404(
        Credential.objects.select_related("holder__org_unit", "authority"), pk=pk
    )
    _check(request, credential.holder)
    return _pdf(credential_card_pdf(credential), safe_filename(credential.number))


@login_required
def transcript_download(request: HttpRequest, user_id: int | None = None) -> HttpResponse:
    holder = request.user if user_id is None else get_object_or_404(User, pk=user_id)
    _check(request, holder)
    return _pdf(
        transcript_pdf(holder), safe_filename(str(TRANSCRIPT_LABEL), holder.employee_number)
    )


@login_required
@never_cache
def my_appraisal(request: HttpRequest) -> HttpResponse:
    """The person's yearly appraisal, read-only: each year's figures computed from current
    data, beside HR's stored record (a snapshot, marked with when it was computed)."""
    from .selectors_home import my_appraisal_views

    return render(
        request, "certification/my_appraisal.html", {"views": my_appraisal_views(request.user)}
    )
