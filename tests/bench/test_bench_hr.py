"""HR figures at city scale: the dashboard of 50,000 people in 200 units, and exports of
100,000 appraisal rows to xlsx (target under 30 s) and csv. Run with ``make bench``."""

from __future__ import annotations

import datetime
import itertools
import random
from decimal import Decimal

import pytest
from django.utils import timezone

from certification.charts import dashboard_charts
from certification.exports import export_bytes
from certification.models import AppraisalRecord
from certification.selectors_hr import HrFilters, dashboard
from cms.people.models import OrgUnit, Role, RoleAssignment, User
from exams.models import Attempt, AttemptStatus, ExamKind
from learning.models import StudyHourEntry
from tests.certification.conftest import at, exam_session
from tests.factories import OrgUnitFactory

from .conftest import stopwatch

pytestmark = pytest.mark.django_db

PEOPLE, DISTRICTS, DEPARTMENTS = 50_000, 10, 20
YEAR = 2025


def _city() -> tuple[OrgUnit, list[OrgUnit]]:
    city = OrgUnitFactory(name="演示市", code="BENCH", kind=OrgUnit.Kind.CITY)
    leaves = []
    for d in range(DISTRICTS):
        district = OrgUnitFactory(parent=city, name=f"第{d}区", code=f"B{d:02d}")
        for k in range(DEPARTMENTS):
            leaves.append(
                OrgUnitFactory(parent=district, name=f"第{d}区部门{k}", code=f"B{d:02d}-{k:02d}")
            )
    return city, list(OrgUnit.objects.filter(pk__in=[u.pk for u in leaves]))


def _people(units: list[OrgUnit]) -> list[int]:
    rng = random.Random(7)
    User.objects.bulk_create(
        [
            User(
                employee_number=f"B{i:06d}",
                name=f"人员{i}",
                password="!",
                org_unit=units[i % len(units)],
                is_enforcement_officer=i % 7 == 0,
                is_leading_cadre=i % 11 == 0,
            )
            for i in range(PEOPLE)
        ],
        batch_size=2000,
    )
    ids = list(User.objects.filter(employee_number__startswith="B").values_list("pk", flat=True))
    session = exam_session(ExamKind.ANNUAL_LAW, YEAR, title="2025年度学法考试")
    when = at(YEAR, 6, 1)
    StudyHourEntry.objects.bulk_create(
        [
            StudyHourEntry(
                user_id=pk,
                year=YEAR,
                hours=Decimal(rng.choice([10, 20, 40, 45, 60])),
                kind="online",
                title="在线学习",
                source=f"bench:{pk}",
                date=datetime.date(YEAR, 5, 1),
            )  # fmt: skip
            for pk in ids
        ],
        batch_size=2000,
    )
    attempts = []
    for pk in ids:
        if rng.random() < 0.9:
            score = Decimal(rng.randint(30, 100))
            attempts.append(
                Attempt(
                    session=session,
                    user_id=pk,
                    number=1,
                    status=AttemptStatus.SUBMITTED,
                    seed=1,
                    started_at=when,
                    deadline=when,
                    finished_at=when,
                    score=score,
                    passed=score >= 60,
                )  # fmt: skip
            )
    Attempt.objects.bulk_create(attempts, batch_size=2000)
    return ids


def test_bench_hr_dashboard_and_exports():
    results: dict[str, float] = {}
    with stopwatch("setup: 200 units, 50,000 people, hours and attempts", results):
        city, units = _city()
        ids = _people(units)
        hr = User.objects.create_user("hrbench", name="市人事")
        RoleAssignment.objects.create(user=hr, role=Role.HR, scope=city)
    filters = HrFilters(year=YEAR)
    with stopwatch("dashboard figures (50,000 people, 200 units)", results):
        board = dashboard(hr, filters)
    assert board.total.headcount == PEOPLE and len(board.units) == len(units)
    with stopwatch("dashboard charts (3 SVG)", results):
        dashboard_charts(board)
    print(
        f"BENCH dashboard: 参考率 {board.total.participation_rate}% 合格率 "
        f"{board.total.pass_rate}% 平均分 {board.total.average_score}"
    )
    now = timezone.now()
    with stopwatch("setup: 100,000 appraisal records", results):
        AppraisalRecord.objects.bulk_create(
            [
                AppraisalRecord(
                    person_id=pk,
                    year=year,
                    unit_id=units[i % len(units)].pk,
                    hours_required=40,
                    hours_counted=45,
                    hours_met=True,
                    exam_attempts=1,
                    exam_score=Decimal("75.00"),
                    exam_passed=True,
                    exam_band="合格",
                    rating="passed",
                    reasons=[],
                    computed_at=now,
                )  # fmt: skip
                for year in (YEAR - 1, YEAR)
                for i, pk in enumerate(ids)
            ],
            batch_size=5000,
        )
    both = HrFilters(year=YEAR)
    with stopwatch("xlsx export of 50,000 appraisal rows (one year)", results):
        data, _name, count = export_bytes(hr, "appraisal", "xlsx", both)
    assert count == PEOPLE
    # 100,000 rows: both years, through the same row builder
    from certification import exports

    def two_years(user, filters):
        first = exports._appraisal_table(user, HrFilters(year=YEAR - 1))
        second = exports._appraisal_table(user, filters)
        first.rows = itertools.chain(first.rows, second.rows)
        return first

    exports.BUILDERS["appraisal2"] = two_years
    try:
        with stopwatch("xlsx export of 100,000 appraisal rows", results):
            data, _name, count = export_bytes(hr, "appraisal2", "xlsx", both)
        assert count == 2 * PEOPLE
        print(f"BENCH xlsx size: {len(data) / 1024 / 1024:.1f} MiB")
        with stopwatch("csv export of 100,000 appraisal rows", results):
            data, _name, count = export_bytes(hr, "appraisal2", "csv", both)
        assert count == 2 * PEOPLE and data.startswith(b"\xef\xbb\xbf")
    finally:
        del exports.BUILDERS["appraisal2"]
