"""The wrong-answer book as a PDF for offline study (``cms.pdf.render_pdf``)."""

from __future__ import annotations

from django.utils import timezone

from cms.pdf import render_pdf


def wrong_book_pdf(*, user, entries, filters) -> bytes:
    context = {
        "holder": user,
        "entries": entries,
        "filters": filters,
        "printed_at": timezone.localtime(),
    }
    return render_pdf("exams/pdf/wrong_book.html", context)
