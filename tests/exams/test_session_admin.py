"""The exam administrator's back office, through HTTP: blueprints, sessions, results, release."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.models import ModelLogEntry

from cms.people.models import Role
from cms.people.services import role_assign
from exams.models import (
    Attempt,
    AttemptStatus,
    Blueprint,
    BlueprintSection,
    ExamKind,
    ExamSession,
    ResultRelease,
)
from exams.services import attempt_start
from exams.services.sessions import ERR_RELEASE_NOT_CLOSED
from exams.session_forms import ERR_WINDOW
from exams.session_views import url_name
from exams.tasks import close_overdue_attempts_task
from tests.factories import UserFactory, give_totp

pytestmark = pytest.mark.django_db

EXAM_PERMISSIONS = [
    "add_examsession",
    "change_examsession",
    "view_examsession",
    "delete_examsession",
    "view_blueprint",
]


def make_exam_admin(unit, **kwargs):
    """A staff member holding the exam administrator role over ``unit``, with TOTP."""
    user = UserFactory(org_unit=unit, **kwargs)
    role_assign(user=user, role=Role.EXAM_ADMIN, scope=unit)
    group = user.groups.get()
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="exams", codename__in=EXAM_PERMISSIONS)
    )
    give_totp(user)
    return user


@pytest.fixture
def superuser_client(client):
    user = UserFactory(is_superuser=True, is_staff=True)
    give_totp(user)
    client.force_login(user)
    client.user = user
    return client


def finished_attempt(session, user, *, number=1, score="75", passed=True, minutes=20):
    started = session.opens_at + timedelta(minutes=5)
    return Attempt.objects.create(
        session=session,
        user=user,
        number=number,
        seed=1,
        status=AttemptStatus.SUBMITTED,
        started_at=started,
        deadline=started + timedelta(minutes=session.duration_minutes),
        finished_at=started + timedelta(minutes=minutes),
        score=Decimal(score),
        passed=passed,
    )


# --- Blueprints -----------------------------------------------------------------------------


def test_blueprint_edit_and_listing_show_the_shortfall_per_section(superuser_client, exam_bank):
    blueprint = Blueprint.objects.create(name="执法资格考试（公共法律知识）")
    enough = BlueprintSection.objects.create(
        blueprint=blueprint, sort_order=0, title="单选题", kind="single", count=10, points=2
    )
    short = BlueprintSection.objects.create(
        blueprint=blueprint, sort_order=1, title="多选题", kind="multiple", count=15, points=4
    )
    enough.topics.add(exam_bank)
    short.topics.add(exam_bank)

    response = superuser_client.get(reverse("exams_blueprints:edit", args=[blueprint.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "data-supply-short" in html
    # The bank has 10 active multiple-choice questions under 宪法: 15 needed, 5 missing.
    assert (
        '<tr class="supply-short" style="background: var(--w-color-warning-50, #faecd5)" '
        'data-section="多选题">' in html
    )
    section_row = html.split('data-section="多选题">')[1].split("</tr>")[0]
    assert "<td data-needed>15</td>" in section_row
    assert "<td data-available>10</td>" in section_row
    assert "<strong>5</strong>" in section_row
    single_row = html.split('data-section="单选题">')[1].split("</tr>")[0]
    assert "<td data-available>20</td>" in single_row
    assert "<td data-shortfall>0</td>" in single_row

    listing = superuser_client.get(reverse("exams_blueprints:index")).content.decode()
    assert "缺 5 道题" in listing


def test_blueprint_created_with_sections_and_topics_through_the_admin(superuser_client, exam_bank):
    data = {
        "name": "年度学法考试卷",
        "description": "",
        "sections-TOTAL_FORMS": "2",
        "sections-INITIAL_FORMS": "0",
        "sections-MIN_NUM_FORMS": "1",
        "sections-MAX_NUM_FORMS": "1000",
    }
    for index, (title, kind, count) in enumerate(
        [("单选", "single", 10), ("判断", "true_false", 5)]
    ):
        prefix = f"sections-{index}-"
        data.update(
            {
                f"{prefix}title": title,
                f"{prefix}kind": kind,
                f"{prefix}count": str(count),
                f"{prefix}points": "5",
                f"{prefix}difficulty_min": "1",
                f"{prefix}difficulty_max": "5",
                f"{prefix}min_score": "",
                f"{prefix}topics": [str(exam_bank.pk)],
                f"{prefix}ORDER": str(index + 1),
                f"{prefix}DELETE": "",
                f"{prefix}id": "",
            }
        )
    response = superuser_client.post(reverse("exams_blueprints:add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    blueprint = Blueprint.objects.get(name="年度学法考试卷")
    sections = list(blueprint.sections.order_by("sort_order"))
    assert [(s.title, s.count) for s in sections] == [("单选", 10), ("判断", 5)]
    assert [list(s.topics.all()) for s in sections] == [[exam_bank], [exam_bank]]


# --- Sessions -------------------------------------------------------------------------------


def session_form(blueprint, unit, **overrides):
    opens = timezone.localtime() + timedelta(days=1)
    data = {
        "title": "2026年西湖区年度学法考试",
        "kind": ExamKind.ANNUAL_LAW,
        "blueprint": str(blueprint.pk),
        "opens_at": opens.strftime("%Y-%m-%d %H:%M"),
        "closes_at": (opens + timedelta(days=7)).strftime("%Y-%m-%d %H:%M"),
        "duration_minutes": "90",
        "attempts_allowed": "2",
        "pass_mark": "60",
        "scoring": "partial",
        "result_release": ResultRelease.MANUAL,
        "review_policy": "score_only",
        "eligible_unit": str(unit.pk),
        "instructions": "闭卷考试。",
    }
    data.update(overrides)
    return data


def test_exam_admin_creates_a_session_through_the_admin(client, blueprint, org):
    district = org.districts[0]
    admin = make_exam_admin(district)
    client.force_login(admin)

    response = client.post(reverse("exams_sessions:add"), session_form(blueprint, district))

    assert response.status_code == 302
    session = ExamSession.objects.get(title="2026年西湖区年度学法考试")
    assert session.created_by == admin
    assert session.eligible_unit == district
    assert session.duration_minutes == 90
    assert session.result_release == ResultRelease.MANUAL
    assert ModelLogEntry.objects.filter(
        object_id=str(session.pk), action="wagtail.create", user=admin
    ).exists()


def test_session_window_and_unit_outside_scope_are_refused(client, blueprint, org):
    district, other = org.districts
    admin = make_exam_admin(district)
    client.force_login(admin)
    opens = timezone.localtime() + timedelta(days=1)
    data = session_form(
        blueprint,
        other,
        closes_at=(opens - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"),
        opens_at=opens.strftime("%Y-%m-%d %H:%M"),
    )

    response = client.post(reverse("exams_sessions:add"), data)

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["closes_at"] == [str(ERR_WINDOW)]
    assert "eligible_unit" in form.errors  # 上城区 is not this administrator's
    assert not ExamSession.objects.exists()


def test_saving_a_session_whose_blueprint_falls_short_warns(superuser_client, blueprint, org):
    section = blueprint.sections.get(kind="multiple")
    section.count = 12  # the bank has 10
    section.save()

    response = superuser_client.post(
        reverse("exams_sessions:add"), session_form(blueprint, org.city), follow=True
    )

    assert ExamSession.objects.count() == 1
    messages = [str(m) for m in response.context["messages"]]
    assert any("启用试题不足" in m and "multiple 缺 2 道" in m for m in messages), messages


def test_session_listing_is_scoped_and_shows_status_and_counts(client, blueprint, org):
    district_a, district_b = org.districts
    admin = make_exam_admin(district_a)
    now = timezone.now()
    mine = ExamSession.objects.create(
        title="西湖区考试",
        kind=ExamKind.ANNUAL_LAW,
        blueprint=blueprint,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=1),
        duration_minutes=60,
        eligible_unit=org.departments_of(district_a)[0],
    )
    ExamSession.objects.create(
        title="上城区考试",
        kind=ExamKind.ANNUAL_LAW,
        blueprint=blueprint,
        opens_at=now + timedelta(days=1),
        closes_at=now + timedelta(days=2),
        duration_minutes=60,
        eligible_unit=district_b,
    )
    finished_attempt(mine, UserFactory(org_unit=district_a))
    client.force_login(admin)

    html = client.get(reverse("exams_sessions:index")).content.decode()

    assert "西湖区考试" in html
    assert "上城区考试" not in html
    assert "进行中" in html
    other = ExamSession.objects.get(title="上城区考试")
    assert client.get(reverse("exams_sessions:edit", args=[other.pk])).status_code == 404
    assert client.get(reverse(url_name("results"), args=[other.pk])).status_code == 404


# --- Results --------------------------------------------------------------------------------


def populate(session, unit_a, unit_b, attempts: int):
    """``attempts`` people in district A's department and as many in district B's."""
    for i in range(attempts):
        passed = i % 2 == 0
        score = "80" if passed else "40"
        finished_attempt(session, UserFactory(org_unit=unit_a), score=score, passed=passed)
        finished_attempt(session, UserFactory(org_unit=unit_b), score="90", passed=True)


@pytest.mark.parametrize("attempts", [5, 30])
def test_results_page_is_scoped_with_a_fixed_query_budget(
    client, open_session, org, attempts, django_assert_max_num_queries
):
    district_a, district_b = org.districts
    unit_a = org.departments_of(district_a)[0]
    unit_b = org.departments_of(district_b)[0]
    # District A's session; district B's people sat it from the candidate list.
    open_session.eligible_unit = district_a
    open_session.save()
    populate(open_session, unit_a, unit_b, attempts)
    admin = make_exam_admin(district_a)
    client.force_login(admin)
    url = reverse(url_name("results"), args=[open_session.pk])

    # The page's own reads are 4 (scope twice, session, attempts with people and units); the
    # rest is the admin's chrome (session, user, MFA, permissions, menu items of other apps).
    with django_assert_max_num_queries(20):
        response = client.get(url)

    assert response.status_code == 200
    rows = response.context["rows"]
    assert len(rows) == attempts
    assert {row.unit_name for row, _url in rows} == {unit_a.name}
    html = response.content.decode()
    assert unit_b.name not in html
    # The administrator, who sits in district A too, is eligible and absent.
    summary = [s for s in response.context["report"].units if s.sat]
    assert [(s.unit_name, s.sat) for s in summary] == [(unit_a.name, attempts)]
    assert unit_b.name not in {s.unit_name for s in response.context["report"].units}
    passed = (attempts + 1) // 2
    assert summary[0].passed == passed
    assert summary[0].pass_rate == (Decimal(100) * passed / attempts).quantize(Decimal("0.1"))


def test_results_summary_counts_people_and_best_scores(superuser_client, open_session, org):
    unit = org.departments_of(org.districts[0])[0]
    resitter, other = UserFactory(org_unit=unit), UserFactory(org_unit=unit)
    finished_attempt(open_session, resitter, number=1, score="50", passed=False)
    finished_attempt(open_session, resitter, number=2, score="70", passed=True)
    finished_attempt(open_session, other, score="40", passed=False)

    response = superuser_client.get(reverse(url_name("results"), args=[open_session.pk]))

    (summary,) = response.context["report"].units
    assert (summary.eligible, summary.sat, summary.passed) == (2, 2, 1)
    assert summary.pass_rate == Decimal("50.0")
    assert summary.mean == Decimal("55.00")  # (70 + 40) / 2
    html = response.content.decode()
    assert "<td>20</td>" in html  # time used in minutes


def test_results_export_is_an_escaped_xlsx_with_a_frozen_header(
    superuser_client, open_session, org
):
    unit = org.departments_of(org.districts[0])[0]
    finished_attempt(open_session, UserFactory(org_unit=unit, name="=HYPERLINK(1)"), score="88")

    response = superuser_client.get(reverse(url_name("results_export"), args=[open_session.pk]))

    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["单位汇总", "考生", "答卷", "作答明细"]
    sheet = book["答卷"]
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]][:7] == [
        "工号",
        "姓名",
        "单位",
        "第几次",
        "状态",
        "成绩",
        "是否合格",
    ]
    row = [c.value for c in sheet[2]]
    assert row[1] == "'=HYPERLINK(1)"
    assert row[5] == 88
    assert row[6] == "合格"
    assert row[9] == 20


def test_manual_release_after_close_is_audited(client, open_session, org):
    district = org.districts[0]
    admin = make_exam_admin(district)
    open_session.result_release = ResultRelease.MANUAL
    open_session.eligible_unit = district
    open_session.save()
    client.force_login(admin)
    url = reverse(url_name("release"), args=[open_session.pk])

    response = client.post(url, follow=True)
    open_session.refresh_from_db()
    assert open_session.results_released_at is None
    assert str(ERR_RELEASE_NOT_CLOSED) in [str(m).strip() for m in response.context["messages"]]

    open_session.closes_at = timezone.now() - timedelta(minutes=1)
    open_session.opens_at = open_session.closes_at - timedelta(hours=2)
    open_session.save()
    page = client.get(reverse(url_name("results"), args=[open_session.pk])).content.decode()
    assert "data-release" in page
    client.post(url)
    open_session.refresh_from_db()
    assert open_session.results_released_at is not None
    entry = ModelLogEntry.objects.get(
        object_id=str(open_session.pk), action="exams.session.release_results"
    )
    assert entry.user_id == admin.pk
    page = client.get(reverse(url_name("results"), args=[open_session.pk])).content.decode()
    assert "data-released" in page and "data-release>" not in page


def test_results_page_links_to_the_staff_attempt_view_only_when_it_exists(
    superuser_client, open_session, org
):
    unit = org.departments_of(org.districts[0])[0]
    attempt = finished_attempt(open_session, UserFactory(org_unit=unit))
    response = superuser_client.get(reverse(url_name("results"), args=[open_session.pk]))
    assert response.status_code == 200
    ((_row, link),) = response.context["rows"]
    try:
        expected = reverse("exams:staff_attempt", args=[attempt.pk])
    except Exception:  # the staff attempt view is not there yet
        expected = None
    assert link == expected


# --- Overdue attempts -----------------------------------------------------------------------


def overdue_attempt(session, org):
    session.duration_minutes = 30  # started an hour ago: time ran out half an hour ago
    session.save()
    person = UserFactory(org_unit=org.departments_of(org.districts[0])[0])
    started = session.opens_at + timedelta(minutes=1)
    return attempt_start(session=session, user=person, now=started)


def test_close_overdue_attempts_command(open_session, org):
    attempt = overdue_attempt(open_session, org)
    out = io.StringIO()

    call_command("close_overdue_attempts", stdout=out)

    assert out.getvalue().strip() == "finalised 1 attempts"
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.EXPIRED
    out = io.StringIO()
    call_command("close_overdue_attempts", stdout=out)
    assert out.getvalue().strip() == "finalised 0 attempts"


def test_close_overdue_attempts_task(open_session, org):
    attempt = overdue_attempt(open_session, org)

    result = close_overdue_attempts_task.enqueue()

    assert result.return_value == 1
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.EXPIRED


def test_admin_pages_render_for_an_exam_admin(client, blueprint, org):
    district = org.districts[0]
    admin = make_exam_admin(district)
    client.force_login(admin)

    menu = client.get(reverse("wagtailadmin_home")).content.decode()
    # The sidebar is JSON for the front end: look for the items' URLs.
    assert reverse("exams_sessions:index") in menu
    assert reverse("exams_blueprints:index") in menu
    add_page = client.get(reverse("exams_sessions:add")).content.decode()
    assert "答题时长（分钟）" in add_page
    assert "从开始答题起计算；考生的延长时间另加。" in add_page
    assert client.get(reverse("exams_blueprints:index")).status_code == 200
