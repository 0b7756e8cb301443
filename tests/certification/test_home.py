"""The learner's home (我的) and the live appraisal: figures computed by hand, sitting and
passing through the real exam services, the query budget, the menu."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from certification import services
from certification.models import AppraisalRecord, Credential, CredentialStatus
from certification.services.appraisal import appraisal_compute
from cms.people.models import User
from exams.models import (
    Blueprint,
    ExamKind,
    ExamSession,
    PracticeItem,
    PracticeMode,
    PracticeRound,
    Question,
    ResultRelease,
)
from exams.services import answer_save, attempt_start, attempt_submit
from exams.services.practice_record import Answered, record_answers
from exams.tokens import token_for, token_read
from learning.models import StudyKind
from tests.exams.conftest import blueprint, exam_bank, law_library  # noqa: F401 (fixtures)
from tests.factories import UserFactory

from .conftest import earn, sat

pytestmark = pytest.mark.django_db

HOME = "/my/"


def test_home_url_and_login():
    assert reverse("home:index") == HOME


def test_anonymous_goes_to_login(client):
    response = client.get(HOME)
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


# --- helpers ---------------------------------------------------------------------------------


def session(title, kind, *, opens, closes, unit, bp=None, **fields) -> ExamSession:
    bp = bp or Blueprint.objects.get_or_create(name="测试卷")[0]
    return ExamSession.objects.create(
        title=title,
        kind=kind,
        blueprint=bp,
        opens_at=opens,
        closes_at=closes,
        duration_minutes=60,
        eligible_unit=unit,
        **fields,
    )


def practise(user, *, days: list[datetime.date], answered: int, correct: int, questions):
    """Daily rounds finished on ``days`` and ``answered`` items (``correct`` right) today;
    every wrong one goes into the wrong-answer book through the one writer."""
    now = timezone.now()
    for n, day in enumerate(days):
        PracticeRound.objects.create(
            user=user,
            mode=PracticeMode.DAILY,
            title="每日一练",
            day=day,
            started_at=now - datetime.timedelta(days=n),
            finished_at=now - datetime.timedelta(days=n) if day != timezone.localdate() else None,
            question_count=5,
            answered_count=5,
        )
    topic_round = PracticeRound.objects.create(
        user=user, mode=PracticeMode.TOPIC, title="宪法", started_at=now, question_count=answered
    )
    answers = []
    for position, question in enumerate(questions[:answered]):
        version = question.versions.order_by("-number").first()
        right = position < correct
        PracticeItem.objects.create(
            round=topic_round,
            position=position + 1,
            question=question,
            question_version=version,
            correct=right,
            answered_at=now,
        )
        answers.append(Answered(question.pk, version.pk, right, now))
    record_answers(user_id=user.pk, answers=answers, source="practice", source_id=topic_round.pk)


# --- the figures, computed by hand ------------------------------------------------------------


@pytest.fixture
def city(db):
    from tests.factories import build_org_tree

    return build_org_tree()


def test_home_figures_match_hand_computed(client, city, exam_bank, django_assert_max_num_queries):  # noqa: F811
    now = timezone.now()
    year = timezone.localdate().year
    dept = city.departments_of(city.districts[0])[0]
    officer = UserFactory(org_unit=dept, is_enforcement_officer=True, name="张晓明")
    # Hours: online 10 + offline 20 count for everybody (30 / 40); rotation 25 counts for
    # enforcement officers too (55 / 60), the stricter requirement that applies.
    earn(officer, 10, year=year, kind=StudyKind.ONLINE)
    earn(officer, 20, year=year, kind=StudyKind.OFFLINE)
    earn(officer, 25, year=year, kind=StudyKind.ROTATION)
    earn(officer, 99, year=year - 1, kind=StudyKind.OFFLINE)  # last year's: not counted
    # Exams: one open not sat, one open passed, one upcoming make-up (rotation), one closed.
    day = datetime.timedelta(days=1)
    todo = session(
        "年度学法考试", ExamKind.ANNUAL_LAW, opens=now - day, closes=now + 3 * day, unit=city.city
    )
    passed = session(
        "依法行政专题考试",
        ExamKind.ANNUAL_LAW,
        opens=now - 2 * day,
        closes=now + 9 * day,
        unit=city.city,
    )
    sat(
        officer,
        ExamKind.ANNUAL_LAW,
        passed=True,
        when=now - datetime.timedelta(hours=5),
        session=passed,
        score="91.00",
    )
    rotation = session(
        "执法人员轮训补考",
        ExamKind.ANNUAL_ROTATION,
        opens=now + 2 * day,
        closes=now + 5 * day,
        unit=city.city,
    )
    session(
        "去年的考试",
        ExamKind.ANNUAL_LAW,
        opens=now - 30 * day,
        closes=now - 20 * day,
        unit=city.city,
    )
    # The credential: failed last year's review (no rotation exam, no hours) -> suspended.
    qualification = session(
        "资格考试",
        ExamKind.QUALIFICATION,
        opens=now - 30 * day,
        closes=now - 10 * day,
        unit=city.city,
    )
    sat(officer, ExamKind.QUALIFICATION, passed=True, when=now - 20 * day, session=qualification)
    credential = services.credential_issue(
        holder=officer,
        authority=city.districts[0],
        domain="comprehensive",
        actor=None,
        reason="资格考试合格",
        now=now - datetime.timedelta(days=500),
    )
    Credential.objects.filter(pk=credential.pk).update(
        issued_on=datetime.date(year - 2, 3, 1), valid_until=datetime.date(year + 3, 2, 28)
    )
    services.annual_review_run(year=year - 1)
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.SUSPENDED
    # Practice: finished daily rounds yesterday and the day before, today's started (not
    # finished); 4 answered today, 1 right: 3 in the wrong-answer book.
    today = timezone.localdate()
    questions = list(Question.objects.order_by("pk")[:4])
    practise(
        officer,
        days=[today, today - day, today - 2 * day],
        answered=4,
        correct=1,
        questions=questions,
    )

    client.force_login(officer)
    with django_assert_max_num_queries(40):
        response = client.get(HOME)
    assert response.status_code == 200
    home = response.context["home"]
    cats = {c.category: (c.counted, c.required, c.applies, c.percent) for c in home.categories}
    assert cats == {
        "default": (Decimal(30), Decimal(40), False, 75),
        "enforcement_officer": (Decimal(55), Decimal(60), True, 91),
    }
    assert [c.category for c in home.categories][0] == "enforcement_officer"
    assert [(e.exam.title, e.exam.state) for e in home.exams] == [
        ("年度学法考试", "open"),
        ("依法行政专题考试", "done"),
        ("执法人员轮训补考", "upcoming"),
    ]
    done = home.done_exams[0].exam
    assert done.sat and done.passed is True and done.score == Decimal("91.00")
    assert home.open_exams[0].exam.sat is False
    assert home.upcoming_exams[0].exam.session_id == rotation.pk
    (line,) = home.credentials
    assert line.status == CredentialStatus.SUSPENDED and line.make_up
    assert f"{year - 1}年度" in line.reason and "轮训考试" in line.reason
    assert [e.exam.session_id for e in line.make_up_exams] == [rotation.pk]
    p = home.practice
    assert (p.today_done, p.today_answered, p.today_count) == (False, 5, 5)
    assert (p.streak, p.daily_days, p.answered, p.correct, p.book_count) == (2, 2, 4, 1, 3)
    # This year's appraisal, from current data: 55 < 60 hours, the annual exam passed.
    live = home.appraisal.live
    assert live.rating == "failed" and live.exam_score == Decimal("91.00")
    assert live.hours_counted == Decimal(55) and home.appraisal.record is None

    html = response.content.decode()
    assert 'aria-valuenow="91"' in html and 'aria-valuenow="75"' in html
    assert 'data-state="open"' in html and 'data-passed="yes"' in html
    assert (
        todo.closes_at.astimezone(timezone.get_current_timezone()).strftime("%Y-%m-%d %H:%M")
        in html
    )
    assert "data-make-up" in html and f'data-make-up-session="{rotation.pk}"' in html
    assert reverse("certification:card_pdf", args=[credential.pk]) in html
    assert reverse("certification:mine") in html and reverse("certification:my_appraisal") in html
    assert 'class="data table-cards"' in html
    cells = re.findall(r"<td( data-label=\"[^\"]+\")?", html)
    assert cells and all(label for label in cells), "every cell of a card table has a label"


def test_each_person_sees_only_their_own(client, city):
    dept = city.departments_of(city.districts[0])[0]
    me, other = UserFactory(org_unit=dept), UserFactory(org_unit=dept, name="李其他")
    year = timezone.localdate().year
    earn(other, 33, year=year, kind=StudyKind.OFFLINE)
    sat(other, ExamKind.PRE_APPOINTMENT, passed=True, when=timezone.now())
    client.force_login(me)
    home = client.get(HOME).context["home"]
    assert home.summary.counted == 0 and home.certificates == [] and home.exams == []
    assert home.appraisal.live.pre_appointment == "none"
    html = client.get(HOME).content.decode()
    assert other.name not in html and other.employee_number not in html


# --- live, after sitting and passing through the real services --------------------------------


def _sit(session, user, *, right: bool):
    now = timezone.now()
    attempt = attempt_start(session=session, user=user, now=now)
    token = token_read(
        token_for(attempt_id=attempt.pk, user_id=user.pk, deadline=attempt.deadline),
        now=now.timestamp(),
    )
    for slot in attempt.slots.select_related("question_version"):
        key = slot.question_version.correct_ids
        chosen = key if right else [i for i in slot.option_order if i not in key][:1]
        answer_save(
            token=token, position=slot.position, selected=chosen, seq=1, now=now.timestamp()
        )
    return attempt_submit(attempt_id=attempt.pk, user=user, now=now)


def test_home_and_appraisal_follow_a_sitting(client, city, blueprint):  # noqa: F811
    now = timezone.now()
    year = timezone.localdate().year
    dept = city.departments_of(city.districts[0])[0]
    person = UserFactory(org_unit=dept, is_leading_cadre=True)
    earn(person, 40, year=year, kind=StudyKind.OFFLINE)
    window = dict(
        opens=now - datetime.timedelta(hours=1),
        closes=now + datetime.timedelta(days=2),
        unit=city.city,
        bp=blueprint,
    )
    annual = session(
        "本年度学法考试", ExamKind.ANNUAL_LAW, result_release=ResultRelease.IMMEDIATELY, **window
    )
    pre = session("任前法律知识考试", ExamKind.PRE_APPOINTMENT, **window)
    # HR computed the year's record before the person sat anything: the snapshot.
    appraisal_compute(
        year=year, people=User.objects.filter(pk=person.pk), now=now - datetime.timedelta(hours=2)
    )
    record = AppraisalRecord.objects.get(person=person, year=year)
    assert record.exam_attempts == 0 and record.pre_appointment == "none"

    client.force_login(person)
    before = client.get(HOME).context["home"]
    assert [e.exam.state for e in before.exams] == ["open", "open"]
    assert before.appraisal.live.exam_attempts == 0

    _sit(annual, person, right=True)
    _sit(pre, person, right=True)

    home = client.get(HOME)
    figures = home.context["home"]
    assert [(e.exam.title, e.exam.state, e.exam.passed) for e in figures.exams] == [
        ("本年度学法考试", "done", True),
        ("任前法律知识考试", "done", figures.exams[1].exam.passed),
    ]
    live = figures.appraisal.live
    assert live.exam_attempts == 1 and live.exam_passed is True and live.exam_score == 100
    assert live.pre_appointment == "passed" and live.rating == "passed"
    assert "年度学法考试" in figures.appraisal.differences  # the snapshot no longer matches
    html = home.content.decode()
    assert 'data-rating="passed"' in html and 'data-record-rating="failed"' in html

    page = client.get(reverse("certification:my_appraisal")).content.decode()
    live_part = page.split("data-live>")[1].split("data-record>")[0]
    assert "未参考" not in live_part and "合格（有效期内）" in live_part
    assert "100.00 优秀" in live_part
    record_part = page.split("data-record>")[1]
    assert "未参考" in record_part and "未参加" in record_part  # the stored snapshot, marked
    computed = timezone.localtime(record.computed_at).strftime("%Y-%m-%d %H:%M")
    assert f"计算于 {computed}" in page and "与当前情况不同" in page

    # HR recomputes: the record catches up, and the page says the two agree.
    appraisal_compute(year=year, people=User.objects.filter(pk=person.pk))
    page = client.get(reverse("certification:my_appraisal")).content.decode()
    assert "与当前情况一致" in page and "与当前情况不同" not in page


# --- the query budget -----------------------------------------------------------------------


def _grow(person, city, n: int):
    now = timezone.now()
    year = timezone.localdate().year
    for i in range(n):
        s = session(
            f"考试{n}-{i}",
            ExamKind.ANNUAL_LAW,
            opens=now - datetime.timedelta(days=1),
            closes=now + datetime.timedelta(days=i + 1),
            unit=city.city,
            attempts_allowed=3,
        )
        sat(
            person,
            ExamKind.ANNUAL_LAW,
            passed=False,
            when=now - datetime.timedelta(hours=1),
            session=s,
        )
        session(
            f"将来{n}-{i}",
            ExamKind.MOCK,
            opens=now + datetime.timedelta(days=i + 1),
            closes=now + datetime.timedelta(days=i + 9),
            unit=city.city,
        )
        earn(person, 1, year=year, kind=StudyKind.ONLINE, n=n * 100 + i)
    from certification.models import Certificate, CertificateKind

    for i in range(n):
        Certificate.objects.create(
            holder=person,
            kind=CertificateKind.ANNUAL_LEARNING,
            number=f"N{n}-{i}",
            title="年度学法合格",
            issued_on=timezone.localdate(),
            year=2000 + i,
        )


@pytest.mark.parametrize("size", [1, 8])
def test_query_budget_is_fixed(client, city, size, django_assert_num_queries):
    dept = city.departments_of(city.districts[0])[0]
    person = UserFactory(org_unit=dept)
    _grow(person, city, size)
    client.force_login(person)
    client.get(HOME)  # session and caches warm
    with django_assert_num_queries(QUERIES):
        response = client.get(HOME)
    assert len(response.context["home"].exams) == 2 * size
    assert len(response.context["home"].certificates) == size


# 22 for the home's figures, one for the header's unread notifications count.
QUERIES = 24


# --- the menu ----------------------------------------------------------------------------------


def test_menu_lists_the_learners_pages(client, city):
    person = UserFactory(org_unit=city.districts[0])
    client.force_login(person)
    html = client.get(reverse("certification:mine")).content.decode()
    header = html.split("</header>")[0]
    assert '<details class="site-menu__details">' in header and "<summary" in header
    for name in (
        "home:index",
        "learning:my_learning",
        "exams:my_exams",
        "certification:mine",
        "certification:my_appraisal",
    ):
        assert f'href="{reverse(name)}"' in header, name
    assert header.index(f'href="{HOME}"') < header.index(reverse("learning:my_learning"))
    client.logout()
    anonymous = client.get("/laws/").content.decode().split("</header>")[0]
    assert "site-menu" not in anonymous and HOME not in anonymous
