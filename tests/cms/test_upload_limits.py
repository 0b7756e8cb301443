"""Bounded parsing: hostile spreadsheets sent to every import are refused before they are
parsed (or at the first row over a limit), with the message naming the limit, nothing is
written, and the process's memory stays bounded (measured in a fresh process)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from cms import spreadsheets
from cms.people.models import User
from cms.people.services import roster_import
from exams.formats.spreadsheet import ERR_UNREADABLE
from exams.models import Candidate, ExamSession, Question
from exams.services.questions import questions_import
from exams.services.sessions import candidates_import
from learning.models import StudyHourEntry
from learning.services import offline_training_import
from tests import bombs

ROOT = Path(__file__).resolve().parents[2]
# Peak memory a refused file may add to a worker (the 1 MB file took 2.3 GB).
PEAK_GROWTH_MAX_MB = 200

TOO_LARGE_UNCOMPRESSED = str(spreadsheets.FILE_TOO_LARGE_UNCOMPRESSED % {"limit": "100"})
TOO_MANY_ROWS = str(spreadsheets.FILE_TOO_MANY_ROWS % {"limit": "50,000"})
TOO_MANY_COLUMNS = str(spreadsheets.FILE_TOO_MANY_COLUMNS % {"limit": 100})
TOO_MANY_PARTS = str(spreadsheets.FILE_TOO_MANY_PARTS % {"limit": spreadsheets.ZIP_MAX_PARTS})
RATIO = str(spreadsheets.FILE_COMPRESSION_RATIO % {"limit": 200})
CORRUPT = str(spreadsheets.FILE_CORRUPT)
# The question bank words a damaged file its own way (it names the format it expects).
QUESTIONS_CORRUPT = ERR_UNREADABLE.split("：")[0]

# (name, how it is built, the message it must be refused with)
BOMBS = {
    "zip-bomb": (bombs.zip_bomb, TOO_LARGE_UNCOMPRESSED),
    "zip-bomb-with-lying-sizes": (bombs.lying_zip_bomb, CORRUPT),
    "million-rows": (bombs.million_rows, TOO_LARGE_UNCOMPRESSED),
    "million-compact-rows": (bombs.million_compact_rows, TOO_MANY_ROWS),
}


@pytest.fixture(scope="module")
def bomb_files(tmp_path_factory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("bombs")
    files = {}
    bomb = bombs.zip_bomb()
    for name, (build, _message) in BOMBS.items():
        data = bomb if build is bombs.zip_bomb else build()
        if build is bombs.lying_zip_bomb:
            data = bombs.lying_zip_bomb(bomb)
        files[name] = directory / f"{name}.xlsx"
        files[name].write_bytes(data)
    return files


def test_the_bombs_are_what_they_claim(bomb_files):
    """The zip bomb is about 1 MB inflating to 300 MB; the lying one declares a tiny sheet;
    the compact million-row sheet passes every size check (only the row count stops it)."""
    bomb = bomb_files["zip-bomb"].read_bytes()
    assert len(bomb) < 1.5 * 1024 * 1024 and bombs.inflated_size(bomb) > 300 * 1024 * 1024
    assert bombs.inflated_size(bomb_files["zip-bomb-with-lying-sizes"].read_bytes()) < 10_000
    compact = bomb_files["million-compact-rows"].read_bytes()
    spreadsheets.check_upload_limits(compact, "x.xlsx")  # passes: sizes and ratio are normal
    assert bombs.inflated_size(bomb_files["million-rows"].read_bytes()) > 100 * 1024 * 1024


@pytest.mark.parametrize("name", BOMBS)
def test_every_upload_path_refuses_a_bomb_and_memory_stays_bounded(bomb_files, name):
    """Each import service, in a fresh process (the empty database there has no tables: a file
    that got as far as a query would fail, so refusal before any write is part of the test)."""
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.upload_probe",
            str(bomb_files[name]),
            "roster",
            "training",
            "candidates",
            "questions",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    results = json.loads(completed.stdout)
    assert [r["importer"] for r in results] == ["roster", "training", "candidates", "questions"]
    for result in results:
        expected = BOMBS[name][1]
        if expected == CORRUPT and result["importer"] == "questions":
            expected = QUESTIONS_CORRUPT
        assert result["error"] is None, result
        assert any(expected in message for message in result["messages"]), result
        assert result["peak_growth_mb"] < PEAK_GROWTH_MAX_MB, result


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["zip-bomb", "million-compact-rows"])
def test_a_refused_bomb_writes_nothing(bomb_files, name, django_assert_max_num_queries):
    data = bomb_files[name].read_bytes()
    expected = BOMBS[name][1]
    with django_assert_max_num_queries(0):
        results = [
            roster_import(file=io.BytesIO(data), filename="r.xlsx").errors,
            offline_training_import(file=io.BytesIO(data), filename="t.xlsx").errors,
            candidates_import(
                session=ExamSession(), data=data, filename="c.xlsx", actor=None
            ).errors,
            questions_import(data=data, filename="q.xlsx").errors,
        ]
    for errors in results:
        assert [getattr(e, "message", None) for e in errors] == [expected], errors
    assert not User.objects.exists()
    assert not StudyHourEntry.objects.exists()
    assert not Candidate.objects.exists()
    assert not Question.objects.exists()


# --- each limit, at its edge -------------------------------------------------------------


def _refusal(data: bytes, filename: str) -> str | None:
    try:
        spreadsheets.read_table(data, filename)
    except spreadsheets.SpreadsheetFileError as exc:
        return str(exc)
    return None


def test_row_limit_at_its_edge_in_csv_and_xlsx():
    limit = settings.UPLOAD_MAX_ROWS
    assert _refusal(bombs.csv_rows(limit), "r.csv") is None
    assert _refusal(bombs.csv_rows(limit + 1), "r.csv") == TOO_MANY_ROWS
    assert _refusal(bombs.million_compact_rows(limit), "r.xlsx") is None
    assert _refusal(bombs.million_compact_rows(limit + 1), "r.xlsx") == TOO_MANY_ROWS


def test_a_far_away_row_counts_as_all_the_rows_before_it():
    sheet = bombs.SHEET_HEAD + '<row r="1"><c><v>1</v></c></row>'
    sheet += '<row r="1048576"><c><v>1</v></c></row>' + bombs.SHEET_TAIL
    assert _refusal(bombs.xlsx([sheet]), "r.xlsx") == TOO_MANY_ROWS


def test_column_limit_at_its_edge_and_a_cell_in_the_last_column():
    limit = settings.UPLOAD_MAX_COLUMNS
    assert _refusal(bombs.csv_wide(limit), "r.csv") is None
    assert _refusal(bombs.csv_wide(limit + 1), "r.csv") == TOO_MANY_COLUMNS
    assert _refusal(bombs.far_column(), "r.xlsx") == TOO_MANY_COLUMNS
    # Empty cells to the right do not count: a row is as wide as its last value.
    assert _refusal(bombs.csv_wide(3)[:-1] + b"," * 500 + b"\n", "r.csv") is None


def test_cell_limit(settings):
    settings.UPLOAD_MAX_CELLS = 1_000
    assert _refusal(bombs.csv_rows(332), "r.csv") is None  # 3 header + 996 cells
    expected = str(spreadsheets.FILE_TOO_MANY_CELLS % {"limit": "1,000"})
    assert _refusal(bombs.csv_rows(333), "r.csv") == expected
    # Shared strings are counted before openpyxl loads them into a list.
    strings = "".join(f"<si><t>s{n}</t></si>" for n in range(1_001))
    data = _with_shared_strings(bombs.roster_xlsx(2), strings)
    assert _refusal(data, "r.xlsx") == expected


def test_too_many_parts_and_absurd_compression_ratio(settings):
    assert _refusal(bombs.many_parts(), "r.xlsx") == TOO_MANY_PARTS
    settings.UPLOAD_MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024
    assert _refusal(bombs.zip_bomb(50), "r.xlsx") == RATIO


def test_uncompressed_limit_is_a_setting(settings):
    data = bombs.roster_xlsx(2_000)
    assert _refusal(data, "r.xlsx") is None
    settings.UPLOAD_MAX_UNCOMPRESSED_BYTES = 64 * 1024
    assert _refusal(data, "r.xlsx") == str(
        spreadsheets.FILE_TOO_LARGE_UNCOMPRESSED % {"limit": "0.0625"}
    )


def test_a_valid_file_reads_as_before():
    frame = spreadsheets.read_table(bombs.roster_xlsx(3), "r.xlsx")
    assert list(frame.columns) == bombs.ROSTER_HEADER
    assert frame.to_dict("records")[2] == {
        "工号": "XH000003",
        "姓名": "人员3",
        "单位代码": "330106-SFJ",
    }


def _with_shared_strings(data: bytes, strings_xml: str) -> bytes:
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "[Content_Types].xml":
                content = content.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            target.writestr(info.filename, content)
        target.writestr(
            "xl/sharedStrings.xml",
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + strings_xml
            + "</sst>",
        )
    return out.getvalue()


def _gift(count: int) -> bytes:
    return "".join(f"::q{n}:: 第{n}题 {{TRUE}}\n\n" for n in range(count)).encode()


def _aiken(count: int) -> bytes:
    return "".join(f"第{n}题\nA. 是\nB. 否\nANSWER: A\n\n" for n in range(count)).encode()


def _moodle_xml(count: int) -> bytes:
    question = (
        '<question type="truefalse"><name><text>q{n}</text></name>'
        '<questiontext format="html"><text>第{n}题</text></questiontext>'
        '<answer fraction="100"><text>true</text></answer>'
        '<answer fraction="0"><text>false</text></answer></question>'
    )
    body = "".join(question.format(n=n) for n in range(count))
    return f'<?xml version="1.0" encoding="UTF-8"?><quiz>{body}</quiz>'.encode()


@pytest.mark.parametrize(
    ("filename", "build"),
    [("bank.gift", _gift), ("bank.txt", _aiken), ("bank.xml", _moodle_xml)],
)
def test_question_text_formats_are_bounded_by_the_row_limit(settings, filename, build):
    """GIFT, Aiken and Moodle XML have no rows: their questions are counted against the same
    limit before they are parsed."""
    from exams.formats.detect import ERR_TOO_MANY_QUESTIONS, parse_questions_file

    settings.UPLOAD_MAX_ROWS = 20
    fmt, result = parse_questions_file(build(20), filename)
    assert len(result.questions) == 20 and not result.errors, (fmt, result.errors)
    fmt, result = parse_questions_file(build(21), filename)
    assert [e.message for e in result.errors] == [str(ERR_TOO_MANY_QUESTIONS % {"limit": "20"})]
    assert result.questions == []
