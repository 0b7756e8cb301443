"""PDFs of the HR pages: the unit report with its charts, the appointment check."""

from __future__ import annotations

from django.utils import timezone

from .charts import dashboard_charts
from .pdf import render_pdf
from .selectors_hr import AppointmentOverview, Dashboard


def unit_report_pdf(board: Dashboard, *, title: str) -> bytes:
    """The dashboard's table and the same three SVG charts, on A4 landscape."""
    context = {
        "board": board,
        "charts": dashboard_charts(board),
        "title": title,
        "printed_at": timezone.localtime(),
    }
    return render_pdf("certification/pdf/hr_report.html", context)


def appointment_pdf(overview: AppointmentOverview) -> bytes:
    return render_pdf("certification/pdf/appointment.html", {"o": overview})
