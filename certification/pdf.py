"""PDFs of certificates, credential cards and the personal study transcript (weasyprint).

Each PDF is a Django template rendered to HTML and laid out by weasyprint with the Noto CJK
fonts that fontconfig finds; weasyprint embeds the subset of each font that the text uses.
The QR code is an SVG data URI made by segno and points at the public verification page.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable

import segno
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from weasyprint.text.fonts import FontConfiguration

from cms.pdf import render_pdf
from cms.people.models import User
from cms.people.selectors import unit_ancestor_names

from .models import Certificate, Credential
from .selectors import credential_history, transcript, verification_url


def qr_data_uri(url: str) -> str:
    """A QR code of ``url`` as an SVG data URI (error correction M, quiet zone kept)."""
    return segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=4)


def _code_display(code: str) -> str:
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def _document_context(code: str) -> dict:
    url = verification_url(code)
    return {"verify_url": url, "qr": qr_data_uri(url), "code": _code_display(code)}


def certificate_pdf(certificate: Certificate, *, font_config=None) -> bytes:
    """A4 landscape certificate with its number, verification code and QR code."""
    holder = certificate.holder
    unit = holder.org_unit
    context = {
        "certificate": certificate,
        "holder": holder,
        "unit_path": unit_ancestor_names([unit]).get(unit.path, "") if unit else "",
        **_document_context(certificate.verification_code),
    }
    return render_pdf("certification/pdf/certificate.html", context, font_config=font_config)


def credential_card_pdf(credential: Credential, *, font_config=None) -> bytes:
    """The credential card, front and back, 85.6 × 54 mm (ID-1)."""
    context = {
        "credential": credential,
        "holder": credential.holder,
        **_document_context(credential.verification_code),
    }
    return render_pdf("certification/pdf/card.html", context, font_config=font_config)


def transcript_pdf(user: User, *, font_config=None) -> bytes:
    """学法档案: by year, hours by kind, exams and scores, certificates, credential history."""
    unit = user.org_unit
    credentials = list(user.credentials.select_related("authority").order_by("issued_on"))
    for credential in credentials:
        credential.history = list(credential_history(credential))
    context = {
        "holder": user,
        "unit_path": unit_ancestor_names([unit]).get(unit.path, "") if unit else "",
        "years": transcript(user),
        "credentials": credentials,
        "printed_at": timezone.localtime(),
    }
    return render_pdf("certification/pdf/transcript.html", context, font_config=font_config)


def safe_filename(*parts: str) -> str:
    return "-".join(p.replace("/", "_").replace(" ", "") for p in parts if p) + ".pdf"


CARD_LABEL = _("执法证")


def documents_zip(
    *,
    certificates: Iterable[Certificate],
    credentials: Iterable[Credential],
    progress: Callable[[int], None] | None = None,
) -> bytes:
    """One zip holding a PDF per certificate and per credential card.

    One font configuration is shared across the batch, so fontconfig is asked once.
    """
    font_config = FontConfiguration()
    buffer = io.BytesIO()
    done = 0
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for certificate in certificates:
            archive.writestr(
                safe_filename(certificate.number, certificate.holder.name),
                certificate_pdf(certificate, font_config=font_config),
            )
            done += 1
            if progress:
                progress(done)
        for credential in credentials:
            archive.writestr(
                safe_filename(str(CARD_LABEL), credential.number, credential.holder.name),
                credential_card_pdf(credential, font_config=font_config),
            )
            done += 1
            if progress:
                progress(done)
    return buffer.getvalue()
