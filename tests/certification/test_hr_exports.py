"""HR exports: xlsx and csv headers, formula escaping, BOM, scope, large ones in the background."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from certification.models import AppraisalRecord, BatchJob
from certification.selectors_hr import hr_people
from certification.services.appraisal import appraisal_compute

from .hr_data import YEAR, small_city

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    city = small_city()
    city.people["甲"].name = '=HYPERLINK("http://x")'
    city.people["甲"].save()
    appraisal_compute(year=YEAR, people=hr_people(city.hr_a))
    AppraisalRecord.objects.filter(person=city.people["乙"]).update(notes="+1 @sum -2")
    return city


def test_xlsx_has_chinese_frozen_header_and_escaped_formulas(client, city):
    client.force_login(city.hr_a)
    response = client.get(reverse("hr:export", args=["appraisal", "xlsx"]), {"year": YEAR})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["年度", "工号", "姓名", "单位"] and "考核结果" in header
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    assert 28 <= sheet.column_dimensions["D"].width < 29  # 28 characters wide (Excel adds padding)
    names = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert '\'=HYPERLINK("http://x")' in names and "人员戊" not in names
    notes = [row[15] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "'+1 @sum -2" in notes


def test_csv_is_utf8_with_bom_and_escaped(client, city):
    client.force_login(city.hr_a)
    response = client.get(reverse("hr:export", args=["appraisal", "csv"]), {"year": YEAR})
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["年度", "工号", "姓名"]
    assert len(rows) == 5  # header + 4 of 西湖区
    flat = [cell for row in rows for cell in row]
    assert '\'=HYPERLINK("http://x")' in flat and "'+1 @sum -2" in flat
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in flat)


def test_units_table_export(client, city):
    client.force_login(city.hr_a)
    response = client.get(reverse("hr:export", args=["units", "csv"]), {"year": YEAR})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["单位", "人数", "参考人数", "参考率（%）"]
    by_unit = {r[0]: r for r in rows[1:]}
    assert set(by_unit) == {
        "杭州市 / 西湖区 / 西湖区司法局",
        "杭州市 / 西湖区 / 西湖区市场监管局",
        "合计",
    }
    assert by_unit["杭州市 / 西湖区 / 西湖区司法局"][1:7] == ["3", "2", "66.7", "1", "50.0", "70.0"]


def test_large_export_runs_in_the_background_with_a_download(client, city, settings):
    settings.HR_EXPORT_SYNC_MAX_ROWS = 2
    client.force_login(city.hr_a)
    response = client.get(reverse("hr:export", args=["appraisal", "xlsx"]), {"year": YEAR})
    job = BatchJob.objects.get(kind=BatchJob.Kind.EXPORT)
    assert response.url == reverse("hr:job", args=[job.pk])
    job.refresh_from_db()
    assert job.status == BatchJob.Status.DONE and job.summary["rows"] == 4 and job.percent == 100
    page = client.get(response.url).content.decode()
    download = reverse("hr:job_download", args=[job.pk])
    assert download in page
    data = b"".join(client.get(download).streaming_content)
    assert load_workbook(io.BytesIO(data)).active.max_row == 5
    client.force_login(city.hr_b)  # someone else's job
    assert client.get(download).status_code == 404
