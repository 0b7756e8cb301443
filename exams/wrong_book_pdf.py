"""The wrong-answer book as a PDF for offline study (weasyprint, Noto CJK from fontconfig,
embedded as the subset the text uses)."""

from __future__ import annotations

import weasyprint
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint.text.fonts import FontConfiguration


def wrong_book_pdf(*, user, entries, filters) -> bytes:
    html = render_to_string(
        "exams/pdf/wrong_book.html",
        {
            "holder": user,
            "entries": entries,
            "filters": filters,
            "printed_at": timezone.localtime(),
        },
    )
    return weasyprint.HTML(string=html).write_pdf(font_config=FontConfiguration())
