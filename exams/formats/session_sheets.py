"""Spreadsheets of the exam administrator: the candidate-list template and the results export."""

from __future__ import annotations

from cms.spreadsheets import safe_cell, workbook_bytes

__all__ = ["candidate_template", "safe_cell", "workbook_bytes"]


def candidate_template() -> bytes:
    """The candidate-list template: the columns and one example row."""
    from ..services.sessions import CANDIDATE_COLUMNS

    return workbook_bytes(
        "考生名单",
        CANDIDATE_COLUMNS,
        [["XH2024001", 30, 1, "视力障碍，延长答题时间"]],
        (14, 18, 10, 40),
    )
