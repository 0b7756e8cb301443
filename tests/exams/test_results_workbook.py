"""The session's results workbook for an exam office: its figures equal hand-computed ones,
absentees are listed as absent, the responses sheet has one row per candidate × question, and
people outside the requester's scope appear nowhere in it."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from exams.models import AttemptStatus, Candidate
from exams.services import attempt_start, attempt_submit
from exams.session_views import url_name
from tests.exams.test_session_admin import finished_attempt, make_exam_admin
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sitting(open_session, org):
    """District A's session: six eligible people in two departments, one of district B on the
    candidate list. Scores: 95; 50 then 85; absent; voided; 70 (a real paper); 40."""
    district_a, district_b = org.districts
    a1, a2 = org.departments_of(district_a)
    open_session.eligible_unit = district_a
    open_session.save()
    people = {
        "p1": UserFactory(org_unit=a1, name="甲一"),
        "p2": UserFactory(org_unit=a1, name="甲二"),
        "p3": UserFactory(org_unit=a1, name="甲三"),
        "p4": UserFactory(org_unit=a1, name="甲四"),
        "p5": UserFactory(org_unit=a2, name="乙五"),
        "p6": UserFactory(org_unit=a2, name="乙六"),
        "p7": UserFactory(org_unit=org.departments_of(district_b)[0], name="丙七"),
    }
    finished_attempt(open_session, people["p1"], score="95", passed=True)
    finished_attempt(open_session, people["p2"], number=1, score="50", passed=False)
    finished_attempt(open_session, people["p2"], number=2, score="85", passed=True)
    voided = finished_attempt(open_session, people["p4"], score="90", passed=True)
    voided.status = AttemptStatus.VOIDED
    voided.save()
    finished_attempt(open_session, people["p6"], score="40", passed=False)
    Candidate.objects.create(session=open_session, user=people["p7"])
    finished_attempt(open_session, people["p7"], score="70", passed=True)

    # p5 sits a real paper: every single choice and true/false right, every multiple wrong:
    # 10 × 4 + 5 × 6 = 70 of 100.
    attempt = attempt_start(session=open_session, user=people["p5"], now=timezone.now())
    for slot in attempt.slots.select_related("question_version"):
        key = slot.question_version.correct_ids
        if slot.multiple:
            slot.selected = [i for i in slot.option_order if i not in key][:1]
        else:
            slot.selected = key
        slot.saved_at = timezone.now()
        slot.save()
    attempt_submit(attempt_id=attempt.pk, user=people["p5"])
    admin = make_exam_admin(district_a)
    admin.org_unit = org.city  # scoped to district A by role, not counted as its candidate
    admin.save()
    return open_session, people, admin, (a1, a2)


def _workbook(client, session):
    response = client.get(reverse(url_name("results_export"), args=[session.pk]))
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def _rows(sheet):
    return [[c.value for c in row] for row in sheet.iter_rows()]


def test_unit_summary_equals_hand_computed_figures(client, sitting, django_assert_max_num_queries):
    session, _people, admin, (a1, a2) = sitting
    client.force_login(admin)
    with django_assert_max_num_queries(30):
        book = _workbook(client, session)

    header, *lines = _rows(book["单位汇总"])
    assert header == [
        "单位", "应考人数", "参考人数", "参考率（%）", "合格人数", "合格率（%）", "平均分",
        "优秀", "良好", "合格", "不合格",
    ]  # fmt: skip
    units, total = lines[:-1], lines[-1]
    assert sorted(units) == sorted([
        # eligible 4, sat 2 (p1, p2; p3 absent, p4 voided), both passed, (95 + 85) / 2
        [a1.name, 4, 2, 50, 2, 100, 90, 1, 1, 0, 0],
        # eligible 2, sat 2, one passed, (70 + 40) / 2
        [a2.name, 2, 2, 100, 1, 50, 55, 0, 0, 1, 1],
    ])  # fmt: skip
    # 6 eligible, 4 sat = 66.7 %, 3 of 4 passed, (95 + 85 + 70 + 40) / 4
    assert total == ["合计", 6, 4, 66.7, 3, 75, 72.5, 1, 1, 1, 1]


def test_candidates_sheet_lists_absentees_and_section_scores(client, sitting):
    session, people, admin, _units = sitting
    client.force_login(admin)
    header, *lines = _rows(_workbook(client, session)["考生"])

    assert header[:8] == ["工号", "姓名", "单位", "状态", "答卷次数", "成绩", "等级", "是否合格"]
    assert header[8:] == ["single", "multiple", "true_false", "交卷时间"]
    by_name = {line[1]: line for line in lines}
    assert set(by_name) == {"甲一", "甲二", "甲三", "甲四", "乙五", "乙六"}
    assert by_name["甲三"][3:8] == ["缺考", 0, None, None, None]
    assert by_name["甲四"][3:6] == ["成绩作废", 1, None]
    assert by_name["甲二"][3:8] == ["已交卷", 2, 85, "良好", "合格"]
    assert by_name["乙五"][5:11] == [70, "合格", "合格", 40, 0, 30]
    assert by_name["乙五"][11] is not None  # finished at


def test_responses_sheet_has_one_row_per_question_with_letters(client, sitting):
    session, people, admin, _units = sitting
    client.force_login(admin)
    header, *lines = _rows(_workbook(client, session)["作答明细"])

    assert header == [
        "工号", "第几次", "题号", "部分", "试题编号", "版本", "题型", "作答", "正确答案",
        "得分", "分值", "保存时间",
    ]  # fmt: skip
    assert len(lines) == 20  # only p5 sat a drawn paper
    assert {line[0] for line in lines} == {people["p5"].employee_number}
    assert [line[2] for line in lines] == list(range(1, 21))
    singles = [line for line in lines if line[6] == "single"]
    assert len(singles) == 10
    assert all(line[7] == line[8] and line[9] == 4 for line in singles)
    multiples = [line for line in lines if line[6] == "multiple"]
    assert all(line[7] != line[8] and line[9] == 0 and line[10] == 6 for line in multiples)
    assert sum(Decimal(str(line[9])) for line in lines) == 70


def test_people_out_of_scope_appear_nowhere(client, sitting):
    session, people, admin, _units = sitting
    client.force_login(admin)
    book = _workbook(client, session)
    cells = {
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    }
    assert people["p7"].name not in cells
    assert people["p7"].employee_number not in cells
    assert people["p1"].employee_number in cells  # the control: in-scope people are there


def test_another_districts_admin_gets_no_workbook(client, sitting, org):
    session, _people, _admin, _units = sitting
    client.force_login(make_exam_admin(org.districts[1]))
    response = client.get(reverse(url_name("results_export"), args=[session.pk]))
    assert response.status_code == 404
