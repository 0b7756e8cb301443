"""Case-analysis and short-answer questions: written answers autosaved, papers awaiting
marking, double marking with a tolerance and a third marker, anonymity, scope, audit,
release, and the question bank's import and export of the kinds."""

import json
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from cms.laws.models import Article
from cms.people.models import Role
from cms.people.services import role_assign
from exams.grading import MACHINE_SCORED_KINDS, marking_outcome, rubric_earned
from exams.models import (
    Attempt,
    AttemptSlot,
    AttemptStatus,
    Blueprint,
    BlueprintSection,
    ExamKind,
    ExamSession,
    Mark,
    Question,
    RefusedChange,
    ResultRelease,
    ReviewPolicy,
)
from exams.selectors import finished_attempts
from exams.services import answer_save, attempt_start, question_create
from exams.services.attempts import AttemptClosed, grace
from exams.services.marking import (
    ERR_MARKED_ALREADY,
    MarkingError,
    anonymous_code,
    mark_submit,
    marker_assign,
    slots_for_marker,
)
from exams.services.sessions import session_release_results
from exams.services.transitions import attempt_submit
from exams.signals import attempt_graded
from exams.tokens import token_for, token_read
from tests.factories import UserFactory, give_totp

pytestmark = pytest.mark.django_db

RUBRIC = [("指出二十日的审查期限", "4"), ("指出延长须经负责人批准并告知理由", "4"), ("结论", "2")]


@pytest.fixture
def case_question(exam_bank):
    article = Article.objects.get(version__law__key="administrative-licensing-law", number=42)
    return question_create(
        topic=exam_bank,
        kind="case_analysis",
        stem="某局受理许可申请后三十日仍未作出决定，也未告知延期理由。请分析。",
        articles=[article],
        model_answer="应当二十日内作出决定；延长十日须经负责人批准并告知理由。",
        rubric=RUBRIC,
    )


def _session(exam_bank, org, *, double=True, tolerance="2", release=ResultRelease.MANUAL):
    bp = Blueprint.objects.create(name=f"案例卷{double}{tolerance}")
    for order, (kind, count, points) in enumerate([("single", 2, 5), ("case_analysis", 1, 20)]):
        section = BlueprintSection.objects.create(
            blueprint=bp, sort_order=order, title=kind, kind=kind, count=count, points=points
        )
        section.topics.add(exam_bank)
    now = timezone.now()
    return ExamSession.objects.create(
        title="执法资格考试（案例分析）",
        kind=ExamKind.QUALIFICATION,
        blueprint=bp,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=3),
        duration_minutes=60,
        eligible_unit=org.city,
        double_marking=double,
        marking_tolerance=Decimal(tolerance),
        result_release=release,
        review_policy=ReviewPolicy.FULL_AFTER_CLOSE,
    )


@pytest.fixture
def session(case_question, exam_bank, org):
    return _session(exam_bank, org)


@pytest.fixture
def admin(org):
    user = UserFactory(org_unit=org.city, employee_number="exam-admin-c")
    role_assign(user=user, role=Role.EXAM_ADMIN, scope=org.city)
    give_totp(user)
    return user


def _marker(org, number, unit=None):
    user = UserFactory(org_unit=unit or org.city, employee_number=number, name=f"阅卷{number}")
    role_assign(user=user, role=Role.MARKER, scope=unit or org.city)
    give_totp(user)
    return user


@pytest.fixture
def markers(session, admin, org):
    people = [_marker(org, f"mk{i}") for i in range(1, 4)]
    for person in people:
        marker_assign(session=session, marker=person, actor=admin)
    return people


def _candidate(org, number="C0001", name="欧阳明远"):
    return UserFactory(
        org_unit=org.departments_of(org.districts[0])[0], employee_number=number, name=name
    )


def _token(attempt, now=None):
    raw = token_for(attempt_id=attempt.pk, user_id=attempt.user_id, deadline=attempt.deadline)
    return raw, token_read(raw, now=now or time.time())


def _sat(session, user, text="应当二十日内作出决定。"):
    attempt = attempt_start(session=session, user=user)
    _raw, token = _token(attempt)
    slot = attempt.slots.get(hand_marked=True)
    answer_save(token=token, position=slot.position, selected=[], text=text, seq=1, now=time.time())
    return attempt_submit(attempt_id=attempt.pk, user=user), slot


# --- the pure rules --------------------------------------------------------------------------


def test_machine_scored_kinds_and_outcome_rules():
    assert MACHINE_SCORED_KINDS == {"single", "multiple", "true_false"}
    tol = Decimal("2")
    assert marking_outcome([], double=True, tolerance=tol) == (1, None)
    assert marking_outcome([Decimal(7)], double=False, tolerance=tol) == (0, Decimal(7))
    assert marking_outcome([Decimal(7)], double=True, tolerance=tol) == (2, None)
    assert marking_outcome([Decimal(7), Decimal("8.5")], double=True, tolerance=tol) == (
        0,
        Decimal("7.75"),
    )
    assert marking_outcome([Decimal(3), Decimal(8)], double=True, tolerance=tol) == (3, None)
    assert marking_outcome([Decimal(3), Decimal(8), Decimal(6)], double=True, tolerance=tol) == (
        0,
        Decimal(6),
    )
    # A 10-point rubric in a 20-point slot: 7.75 rubric points earn 15.50.
    assert rubric_earned(Decimal("7.75"), rubric_points=Decimal(10), points=Decimal(20)) == (
        Decimal("15.50")
    )


# --- autosave of a written answer --------------------------------------------------------------


def test_text_autosave_keeps_newest_sequence_and_refuses_after_deadline(session, org, client):
    user = _candidate(org)
    attempt = attempt_start(session=session, user=user)
    raw, token = _token(attempt)
    slot = attempt.slots.get(hand_marked=True)
    url = reverse("exams:answer_save", args=[attempt.pk])

    def post(body):
        return client.post(
            url, json.dumps(body), content_type="application/json", HTTP_X_ATTEMPT_TOKEN=raw
        )

    assert post({"position": slot.position, "seq": 3, "text": "第三稿"}).json()["ok"]
    late = post({"position": slot.position, "seq": 2, "text": "第二稿（迟到）"}).json()
    assert late["stale"] is True and late["text"] == "第三稿"
    slot.refresh_from_db()
    assert slot.text == "第三稿" and slot.seq == 3
    # A text for a choice question, and options for the written one, are refused.
    choice = attempt.slots.filter(hand_marked=False).first()
    assert post({"position": choice.position, "seq": 1, "text": "x"}).status_code == 409
    # Too long: 400 with its own message; both answers at once: a malformed request.
    too_long = post({"position": slot.position, "seq": 4, "text": "字" * 10_001})
    assert too_long.status_code == 400 and "10000" in too_long.json()["error"]
    both = post({"position": slot.position, "seq": 4, "text": "x", "selected": [1]})
    assert both.status_code == 400
    for hostile in ("a\x00b", "\ud800", 12, None, ["x"]):
        assert post({"position": slot.position, "seq": 5, "text": hostile}).status_code == 400
    # After the deadline (by the database's record): refused and kept as a RefusedChange.
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - grace() - timedelta(seconds=5)
    )
    with pytest.raises(AttemptClosed):
        answer_save(
            token=token, position=slot.position, selected=[], text="太迟", seq=9, now=time.time()
        )
    kept = RefusedChange.objects.get(attempt=attempt, position=slot.position)
    assert kept.text == "太迟" and kept.why == RefusedChange.Why.LATE
    slot.refresh_from_db()
    assert slot.text == "第三稿"


def test_text_save_is_one_statement(session, org, django_assert_num_queries):
    attempt = attempt_start(session=session, user=_candidate(org))
    _raw, token = _token(attempt)
    slot = attempt.slots.get(hand_marked=True)
    with django_assert_num_queries(1):
        answer_save(
            token=token, position=slot.position, selected=[], text="答", seq=1, now=time.time()
        )


def test_the_candidate_page_has_a_text_area_and_keeps_the_text(session, org, client):
    user = _candidate(org)
    attempt = attempt_start(session=session, user=user)
    _raw, token = _token(attempt)
    slot = attempt.slots.get(hand_marked=True)
    answer_save(
        token=token,
        position=slot.position,
        selected=[],
        text="已保存的答案",
        seq=1,
        now=time.time(),
    )
    client.force_login(user)
    page = client.get(reverse("exams:attempt", args=[attempt.pk])).content.decode()
    assert "data-answer-text" in page and "已保存的答案" in page
    assert "应当二十日内作出决定；延长十日" not in page  # the model answer never reaches it


# --- awaiting marking, double marking, third marker, release -------------------------------


def test_submitted_paper_awaits_marking_and_is_not_final(session, org, markers, client):
    sent = []

    def receiver(sender, attempt, **kwargs):
        sent.append(attempt.pk)

    attempt_graded.connect(receiver)
    try:
        user = _candidate(org)
        attempt, _slot = _sat(session, user)
    finally:
        attempt_graded.disconnect(receiver)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED and attempt.marking_pending
    assert attempt.score is None and attempt.passed is None
    assert sent == []  # not announced: the result is not final
    assert not finished_attempts(user_ids=[user.pk]).exists()  # certification's read
    client.force_login(user)
    page = client.get(reverse("exams:result", args=[attempt.pk])).content.decode()
    assert "待阅卷" in page


def test_two_marks_within_tolerance_give_the_mean_and_finish_the_paper(
    session, org, markers, django_capture_on_commit_callbacks
):
    sent = []

    def receiver(sender, attempt, **kwargs):
        sent.append(attempt.pk)

    attempt_graded.connect(receiver)
    try:
        attempt, slot = _sat(session, _candidate(org))
        mark_submit(slot_id=slot.pk, marker=markers[0], scores=["4", "3", "1"], comment="较好")
        attempt.refresh_from_db()
        assert attempt.marking_pending and slot_for(slot).mark_round == 2
        with pytest.raises(MarkingError) as refused:
            mark_submit(slot_id=slot.pk, marker=markers[0], scores=["4", "4", "2"])
        assert str(refused.value) == str(ERR_MARKED_ALREADY)
        with django_capture_on_commit_callbacks(execute=True):
            mark_submit(slot_id=slot.pk, marker=markers[1], scores=["4", "4", "1.5"], comment="好")
    finally:
        attempt_graded.disconnect(receiver)
    slot = slot_for(slot)
    # (8 + 9.5) / 2 = 8.75 of 10 rubric points, in a 20-point slot: 17.50.
    assert slot.earned == Decimal("17.50") and slot.mark_round == 0
    attempt.refresh_from_db()
    assert not attempt.marking_pending and attempt.score is not None
    machine = sum(s.earned for s in attempt.slots.filter(hand_marked=False))
    assert Decimal(attempt.breakdown["earned"]) == machine + Decimal("17.50")
    assert sent == [attempt.pk]
    assert attempt.events.filter(action="mark").exists()
    # Audited: each mark with its scores and comment, on the attempt's history.
    entries = ModelLogEntry.objects.filter(action="exams.marking.mark", object_id=str(attempt.pk))
    assert sorted(e.data["comment"] for e in entries) == ["好", "较好"]
    assert {e.data["round"] for e in entries} == {1, 2}


def slot_for(slot):
    return AttemptSlot.objects.get(pk=slot.pk)


def test_disagreement_goes_to_a_third_marker_whose_mark_is_final(session, org, markers):
    attempt, slot = _sat(session, _candidate(org))
    mark_submit(slot_id=slot.pk, marker=markers[0], scores=["1", "1", "0"])
    mark_submit(slot_id=slot.pk, marker=markers[1], scores=["4", "4", "2"])
    assert slot_for(slot).mark_round == 3
    # Neither of the first two markers gets it again; the third does.
    assert not slots_for_marker(session.pk, markers[0]).exists()
    assert not slots_for_marker(session.pk, markers[1]).exists()
    assert list(slots_for_marker(session.pk, markers[2])) == [slot_for(slot)]
    mark_submit(slot_id=slot.pk, marker=markers[2], scores=["3", "2", "1"])
    assert slot_for(slot).earned == Decimal("12.00")  # 6 of 10 rubric points × 20
    attempt.refresh_from_db()
    assert not attempt.marking_pending


def test_release_shows_marks_and_comments_in_the_review(
    exam_bank, case_question, org, admin, client
):
    session = _session(exam_bank, org, double=False)
    marker = _marker(org, "mk9")
    marker_assign(session=session, marker=marker, actor=admin)
    user = _candidate(org)
    attempt, slot = _sat(session, user, text="我的案例分析答案")
    mark_submit(slot_id=slot.pk, marker=marker, scores=["4", "2", "2"], comment="延期程序欠完整")
    client.force_login(user)
    result = client.get(reverse("exams:result", args=[attempt.pk])).content.decode()
    assert "成绩尚未公布" in result  # marked, not yet released
    ExamSession.objects.filter(pk=session.pk).update(
        closes_at=timezone.now() - timedelta(minutes=1)
    )
    session_release_results(session=ExamSession.objects.get(pk=session.pk), actor=admin)
    review = client.get(reverse("exams:review", args=[attempt.pk]))
    text = review.content.decode()
    assert review.status_code == 200
    assert "我的案例分析答案" in text and "延期程序欠完整" in text
    assert "指出延长须经负责人批准并告知理由" in text and "应当二十日内作出决定；延长十日" in text


# --- the markers' pages: anonymity, scope, query budgets -----------------------------------


def test_marking_pages_are_anonymous_and_usable(
    session, org, markers, client, django_assert_max_num_queries
):
    candidate = _candidate(org, number="C7777", name="慕容雪晴")
    attempt, slot = _sat(session, candidate, text="答案正文")
    client.force_login(markers[0])
    with django_assert_max_num_queries(14):
        queue = client.get(reverse("exams:marking_queue"))
    assert queue.status_code == 200 and session.title in queue.content.decode()
    assert client.get(reverse("exams:marking_session", args=[session.pk])).url == reverse(
        "exams:marking_answer", args=[slot.pk]
    )
    with django_assert_max_num_queries(16):
        page = client.get(reverse("exams:marking_answer", args=[slot.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "答案正文" in text and anonymous_code(attempt.pk) in text
    assert "行政许可法" in text and "二十日内" in text  # cited article with its text
    for secret in (candidate.name, candidate.employee_number, candidate.org_unit.name):
        assert secret not in text
    posted = client.post(
        reverse("exams:marking_answer", args=[slot.pk]),
        {"c0": "4", "c1": "4", "c2": "2", "comment": "好"},
    )
    assert posted.status_code == 302
    assert Mark.objects.filter(slot=slot, marker=markers[0]).exists()
    # Marked once: the page is refused now, and a bad score is refused with the message.
    assert client.get(reverse("exams:marking_answer", args=[slot.pk])).status_code == 403
    client.force_login(markers[1])
    bad = client.post(
        reverse("exams:marking_answer", args=[slot.pk]), {"c0": "9", "c1": "1", "c2": "1"}
    )
    assert bad.status_code == 400 and "0 与该项分值之间" in bad.content.decode()
    assert "较好" not in bad.content.decode() and "4.00" not in bad.content.decode()


def test_markers_are_refused_outside_their_sessions(session, org, markers, admin, client):
    attempt, slot = _sat(session, _candidate(org))
    outsider = _marker(org, "mk-out")  # a marker, not assigned to this session
    learner = _candidate(org, number="C0002", name="司马青")
    client.force_login(outsider)
    assert client.get(reverse("exams:marking_session", args=[session.pk])).status_code == 404
    assert client.get(reverse("exams:marking_answer", args=[slot.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        mark_submit(slot_id=slot.pk, marker=outsider, scores=["1", "1", "1"])
    client.force_login(learner)
    assert client.get(reverse("exams:marking_queue")).status_code == 403
    client.force_login(admin)  # an exam administrator is no marker
    assert client.get(reverse("exams:marking_queue")).status_code == 403
    assert not Mark.objects.exists()


def test_admin_assigns_markers_and_sees_progress(session, org, admin, client):
    marker = _marker(org, "mk5")
    other_district = org.districts[1]
    foreign = _marker(org, "mk6", unit=other_district)
    district_admin = UserFactory(org_unit=org.districts[0], employee_number="ea-d")
    role_assign(user=district_admin, role=Role.EXAM_ADMIN, scope=org.districts[0])
    give_totp(district_admin)
    url = reverse("exams_sessions:marking", args=[session.pk])
    client.force_login(admin)
    assert client.post(url, {"marker": marker.pk, "action": "assign"}).status_code == 302
    page = client.get(url).content.decode()
    assert marker.name in page and "0 / 0" in page
    # A district administrator cannot reach this city-wide session's marking page at all.
    client.force_login(district_admin)
    assert client.get(url).status_code in (302, 403, 404)
    assert client.post(url, {"marker": foreign.pk}).status_code in (302, 403, 404)
    assert not session.markers.filter(marker=foreign).exists()


# --- import and export of the kinds ----------------------------------------------------------


@pytest.mark.parametrize(
    "fmt,filename", [("xlsx", "bank.xlsx"), ("csv", "bank.csv"), ("xml", "bank.xml")]
)
def test_marked_kinds_round_trip(case_question, exam_bank, fmt, filename):
    from exams.selectors import question_bank_export
    from exams.services import questions_import

    question_create(
        topic=exam_bank,
        kind="short_answer",
        stem="简述行政许可的审查期限。",
        articles=list(case_question.current_version.articles.all()),
        model_answer="二十日，可延长十日。",
        rubric=[("二十日", "3"), ("延长十日及程序", "2.5")],
    )
    marked = Question.objects.filter(current_version__kind__in=["case_analysis", "short_answer"])
    data = question_bank_export(questions=marked, fmt=fmt)
    before = {
        q.current_version.kind: (q.current_version.model_answer, q.current_version.rubric)
        for q in marked
    }
    Question.objects.filter(pk__in=[q.pk for q in marked]).update(current_version=None)
    Question.objects.filter(pk__in=[q.pk for q in marked]).delete()
    report = questions_import(data=data, filename=filename)
    assert not report.errors, report.errors
    assert report.imported == 2
    after = {
        q.current_version.kind: (q.current_version.model_answer, q.current_version.rubric)
        for q in Question.objects.filter(
            current_version__kind__in=["case_analysis", "short_answer"]
        )
    }
    assert after == before


def test_spreadsheet_rubric_errors_are_reported_by_row():
    from cms import spreadsheets
    from exams.formats.spreadsheet import parse_spreadsheet

    header = ["题型", "题干", "答案", "法条", "参考答案", "评分标准"]
    rows = [["简答", "简述。", "", "行政许可法第四十二条", "要点", "没有分值"]]
    data = spreadsheets.csv_bytes(header, rows)
    result = parse_spreadsheet(data, "bank.csv")
    assert result.errors and result.errors[0].position == "第 2 行"
    assert "评分要点|分值" in result.errors[0].message


def test_demo_has_a_case_analysis_question_marked_twice_and_released():
    import io

    from django.core.management import call_command

    from exams.demo import CASE_SESSION

    call_command("load_demo", stdout=io.StringIO())
    session = ExamSession.objects.get(title=CASE_SESSION)
    assert session.results_released_at is not None and session.double_marking
    slots = AttemptSlot.objects.filter(attempt__session=session, hand_marked=True)
    assert slots.count() == 3
    for slot in slots.select_related("attempt", "question_version"):
        assert slot.attempt.status == AttemptStatus.SUBMITTED
        assert not slot.attempt.marking_pending and slot.attempt.score is not None
        assert slot.marks.count() == 2 and slot.mark_round == 0
        assert slot.question_version.rubric and slot.question_version.citations.count() == 2
        assert "二十日" in slot.text


@pytest.mark.postgres  # row locks on attempts and questions
def test_a_remedy_confirmed_while_a_paper_awaits_marking_applies_when_it_is_marked(
    session, org, markers, admin, django_capture_on_commit_callbacks
):
    from exams.services.regrades import regrade_start

    attempt, slot = _sat(session, _candidate(org))  # single choices left unanswered: 0 of 10
    machine = attempt.slots.filter(hand_marked=False).select_related("question_version")
    first = machine.order_by("position").first()
    with django_capture_on_commit_callbacks(execute=True):
        regrade = regrade_start(
            question=first.question_version.question,
            session=session,
            action="full_marks",
            reason="题干有歧义",
            actor=admin,
        )
    regrade.refresh_from_db()
    assert regrade.total == 0  # the paper awaiting marking is not rescored now
    attempt.refresh_from_db()
    assert attempt.marking_pending and attempt.score is None
    mark_submit(slot_id=slot.pk, marker=markers[0], scores=["4", "3", "1"])
    mark_submit(slot_id=slot.pk, marker=markers[1], scores=["4", "3", "1"])
    attempt.refresh_from_db()
    assert not attempt.marking_pending
    assert AttemptSlot.objects.get(pk=first.pk).earned == Decimal("5")  # full marks
    # 5 (full marks) + 0 + 16 (8 of 10 rubric points in a 20-point slot) of 30
    assert Decimal(attempt.breakdown["earned"]) == Decimal("21")
    assert attempt.score == Decimal("70.00")
