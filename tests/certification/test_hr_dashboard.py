"""HR dashboard: figures by hand, org-subtree scope everywhere, fixed query budget, charts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from cms.people.models import OrgUnit
from exams.models import ExamKind
from tests.factories import OrgUnitFactory, UserFactory

from .conftest import at, earn, sat
from .hr_data import YEAR, small_city

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return small_city()


def _get(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


def test_figures_equal_those_computed_by_hand(client, city):
    response = _get(client, city.hr_a, reverse("hr:dashboard"), year=YEAR)
    assert response.status_code == 200
    board = response.context["board"]
    rows = {u.name: u for u in board.units}
    assert set(rows) == {"西湖区司法局", "西湖区市场监管局"}
    sfj = rows["西湖区司法局"]
    assert (sfj.headcount, sfj.sat, sfj.passed) == (3, 2, 1)
    assert sfj.participation_rate == 66.7  # 2 of 3
    assert sfj.pass_rate == 50.0  # 1 of 2
    assert sfj.average_score == Decimal("70.0")  # (90 + 50) / 2
    assert sfj.hours_met_rate == 66.7  # 甲 and 丙 have 40 of 40
    scj = rows["西湖区市场监管局"]
    assert (scj.participation_rate, scj.pass_rate, scj.average_score, scj.hours_met_rate) == (
        100.0,
        100.0,
        Decimal("70.0"),
        100.0,  # the officer's 60 rotation hours count toward the 60 required
    )
    total = board.total
    assert (total.headcount, total.sat, total.passed, total.average_score) == (
        4, 3, 2, Decimal("70.0")
    )  # fmt: skip
    html = response.content.decode()
    assert 'data-participation="66.7"' in html and "data:image/svg+xml;base64," in html


def test_category_filter(client, city):
    board = _get(
        client, city.hr_a, reverse("hr:dashboard"), year=YEAR, category="enforcement_officer"
    ).context["board"]
    assert [p.name for p in board.people] == ["人员丁"]


def test_hr_of_district_a_never_sees_district_b(client, city):
    b_person = city.people["戊"]
    b_unit = b_person.org_unit
    client.force_login(city.hr_a)
    page = client.get(reverse("hr:dashboard"), {"year": YEAR})
    html = page.content.decode()
    assert "上城区" not in html and "人员戊" not in html
    assert all(p.person_id != b_person.pk for p in page.context["board"].people)
    # charts are drawn from the board's own people: 3 sitters of A, never 戊's 80
    scores = sorted(p.score for p in page.context["board"].people if p.score is not None)
    assert scores == [Decimal("50.00"), Decimal("70.00"), Decimal("90.00")]
    assert client.get(reverse("hr:unit", args=[b_unit.pk])).status_code == 404
    assert client.get(reverse("hr:dashboard"), {"unit": b_unit.pk}).status_code == 404
    assert client.get(reverse("hr:person", args=[b_person.pk])).status_code == 404
    assert client.get(reverse("hr:appointment_pdf", args=[b_person.pk])).status_code == 404
    assert client.get(reverse("hr:report_pdf"), {"unit": b_unit.pk}).status_code == 404
    search = client.get(reverse("hr:appointment"), {"q": "人员戊"})
    assert "人员戊" not in search.content.decode().split("<ul data-results>")[1]
    export = client.get(reverse("hr:export", args=["people", "csv"]), {"year": YEAR})
    text = export.content.decode("utf-8-sig")
    assert "人员甲" in text and "人员戊" not in text and "上城区" not in text
    # and the other way round
    client.force_login(city.hr_b)
    board = client.get(reverse("hr:dashboard"), {"year": YEAR}).context["board"]
    assert [p.name for p in board.people] == ["人员戊"]


def test_drill_down_unit_person_record(client, city):
    unit = city.people["甲"].org_unit
    client.force_login(city.hr_a)
    page = client.get(reverse("hr:unit", args=[unit.pk]), {"year": YEAR})
    html = page.content.decode()
    person = city.people["甲"]
    assert reverse("hr:person", args=[person.pk]) in html
    assert "人员丁" not in html  # another unit
    detail = client.get(reverse("hr:person", args=[person.pk]))
    assert detail.status_code == 200 and "人员甲" in detail.content.decode()


def test_staff_without_hr_role_is_refused(client, city):
    client.force_login(city.people["甲"])
    assert client.get(reverse("hr:dashboard")).status_code == 403


def test_header_link_only_for_hr(client, city):
    client.force_login(city.hr_a)
    assert reverse("hr:dashboard") in client.get(reverse("certification:mine")).content.decode()
    client.force_login(city.people["甲"])
    assert reverse("hr:dashboard") not in client.get(reverse("certification:mine")).content.decode()


def test_report_pdf_has_the_charts(client, city):
    response = _get(client, city.hr_a, reverse("hr:report_pdf"), year=YEAR)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert len(response.content) > 20_000  # the three vector charts are in it


def test_appointment_check_page_and_pdf(client, city):
    person = city.people["乙"]
    sat(person, ExamKind.PRE_APPOINTMENT, passed=False, when=at(YEAR, 3, 1), signal=False)
    sat(
        person,
        ExamKind.PRE_APPOINTMENT,
        passed=False,
        blocking=True,
        when=at(YEAR, 4, 1),
        signal=False,
    )
    client.force_login(city.hr_a)
    page = client.get(reverse("hr:person", args=[person.pk]))
    overview = page.context["o"]
    assert overview.check.may_appoint is False
    assert overview.pre_appointment.state == "blocked"
    assert overview.pre_appointment.attempts == 2
    assert 'data-appointment="no"' in page.content.decode()
    pdf = client.get(reverse("hr:appointment_pdf", args=[person.pk]))
    assert pdf.content.startswith(b"%PDF")


def _populate(city, units: int, per_unit: int):
    parent = city.tree.districts[0]
    for i in range(units):
        unit = OrgUnitFactory(parent=parent, name=f"西湖区部门{i}", code=f"330106-X{i:03d}")
        for j in range(per_unit):
            person = UserFactory(org_unit=unit, is_leading_cadre=j % 2 == 0)
            earn(person, 5 * j, year=YEAR, kind="online")
            sat(person, ExamKind.ANNUAL_LAW, passed=j % 3 > 0, when=at(YEAR, 6, 2), signal=False)


@pytest.mark.parametrize("units, per_unit", [(3, 1), (30, 3)])
def test_dashboard_query_count_does_not_grow(
    client, city, units, per_unit, django_assert_max_num_queries
):
    _populate(city, units, per_unit)
    client.force_login(city.hr_a)
    url = reverse("hr:dashboard")
    with django_assert_max_num_queries(22):
        response = client.get(url, {"year": YEAR})
    assert len(response.context["board"].units) == units + 2
    unit = OrgUnit.objects.get(code="330106-X000")
    with django_assert_max_num_queries(22):
        client.get(reverse("hr:unit", args=[unit.pk]), {"year": YEAR})
