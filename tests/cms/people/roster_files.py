"""Writing real roster spreadsheets for the tests (with pandas/openpyxl, as HR would)."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from cms.people.roster import COLUMNS


def roster_row(number: str, name: str, unit: str, **extra: str) -> dict:
    row = {"工号": number, "姓名": name, "单位代码": unit, "在职": "是"}
    row.update(extra)
    return row


def write_roster(
    path: Path, rows: list[dict], *, columns: list[str] | None = None, bom: bool = False
) -> Path:
    """Write rows (dicts keyed by Chinese header) to ``path`` (.xlsx or .csv)."""
    columns = list(columns or COLUMNS)
    frame = pd.DataFrame([{c: r.get(c, "") for c in columns} for r in rows], columns=columns)
    if path.suffix == ".xlsx":
        frame.to_excel(path, index=False, sheet_name="花名册")
    else:
        frame.to_csv(
            path,
            index=False,
            encoding="utf-8-sig" if bom else "utf-8",
            quoting=csv.QUOTE_MINIMAL,
        )
    return path
