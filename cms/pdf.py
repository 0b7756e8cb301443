"""Rendering a template to PDF: weasyprint with the CJK fonts fontconfig finds, each embedded
as the subset the text uses. A batch passes one ``FontConfiguration`` so fontconfig is asked
once."""

from __future__ import annotations

import weasyprint
from django.template.loader import render_to_string
from weasyprint.text.fonts import FontConfiguration


def render_pdf(
    template: str, context: dict, *, font_config: FontConfiguration | None = None
) -> bytes:
    html = render_to_string(template, context)
    font_config = font_config or FontConfiguration()
    return weasyprint.HTML(string=html).write_pdf(font_config=font_config)
