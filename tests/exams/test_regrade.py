"""Key correction and regrade, the exam side: the dry run, the task, drop and full marks.

The paper of the sessions here is hand-checkable: one single-choice question Q (10 points,
key A) and three true/false questions of 10 points each, 40 points in all. Each candidate's
answers are set so that the key correction A -> B, dropping Q, or full marks for Q changes
their score by a known amount; certification's receivers are stood in for by test receivers.
"""

from __future__ import annotations

import datetime
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from cms.laws.models import Article, Law, LawVersion
from exams.data import Consequence
from exams.formats.base import ParsedOption
from exams.models import (
    Attempt,
    AttemptEvent,
    AttemptSlot,
    AttemptStatus,
    Blueprint,
    BlueprintSection,
    ExamKind,
    ExamSession,
    Question,
    QuestionVersion,
    Regrade,
    RegradeChange,
    ResultRelease,
    Topic,
)
from exams.services import (
    attempt_start,
    attempt_submit,
    attempt_void,
    question_create,
    topic_by_path,
)
from exams.services.regrade_runs import regrade_run
from exams.services.regrades import (
    ERR_KEY_SHAPE,
    ERR_REASON,
    ERR_SCOPE,
    RegradeError,
    key_correction_confirm,
    regrade_plan,
    regrade_start,
)
from exams.signals import regrade_consequences, results_regraded
from tests.exams.test_session_admin import make_exam_admin
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

A, B = 1, 2  # option ids of Q: A (the wrong key), B (the right one)


# --- The world ----------------------------------------------------------------------------


def _q_options(correct: int):
    return [
        ParsedOption(text, i == correct) for i, text in enumerate(["五日", "十日", "二十日"], 1)
    ]


def constitution_article() -> Article:
    """宪法第二条, made by hand (importing the real texts is slow and not the point here)."""
    law, _ = Law.objects.get_or_create(
        key="constitution",
        defaults={"title": "中华人民共和国宪法", "short_title": "宪法", "category": "宪法"},
    )
    version, _ = LawVersion.objects.get_or_create(
        law=law,
        is_current=True,
        defaults={"version_date": datetime.date(2018, 3, 11), "source_file": "constitution.md"},
    )
    article, _ = Article.objects.get_or_create(
        version=version,
        number=2,
        defaults={"label": "第二条", "text": "中华人民共和国的一切权力属于人民。"},
    )
    return article


def true_false_bank() -> Topic:
    """Ten true/false questions under 宪法."""
    topic = topic_by_path("宪法", create=True)
    for i in range(10):
        question_create(
            topic=topic,
            kind="true_false",
            stem=f"判断题{i}",
            answer_true=i % 2 == 0,
            articles=[constitution_article()],
        )
    return topic


class World:
    def __init__(self, exam_bank, org):
        self.org = org
        article = constitution_article()
        self.q_topic = topic_by_path("行政许可", create=True)
        self.q = question_create(
            topic=self.q_topic,
            kind="single",
            stem="行政许可决定的期限？",
            options=_q_options(A),
            articles=[article],
        )
        self.other_q = question_create(
            topic=topic_by_path("行政处罚", create=True),
            kind="single",
            stem="另一道题",
            options=_q_options(A),
            articles=[article],
        )
        self.blueprint = self._blueprint("含Q", self.q_topic, exam_bank)
        self.other_blueprint = self._blueprint("不含Q", self.other_q.topic, exam_bank)
        self.district = org.districts[0]
        self.unit = org.departments[self.district.code][0]
        self.session = self._session("2026年度学法考试", self.blueprint)
        self.admin = make_exam_admin(org.city, email="admin@example.gov.cn")
        self.district_admin = make_exam_admin(self.district)

    def _blueprint(self, name, topic, exam_bank):
        bp = Blueprint.objects.create(name=name)
        first = BlueprintSection.objects.create(
            blueprint=bp, sort_order=0, title="单选", kind="single", count=1, points=10
        )
        first.topics.add(topic)
        second = BlueprintSection.objects.create(
            blueprint=bp, sort_order=1, title="判断", kind="true_false", count=3, points=10
        )
        second.topics.add(exam_bank)
        return bp

    def _session(self, title, blueprint, **kwargs):
        now = timezone.now()
        return ExamSession.objects.create(
            title=title,
            kind=kwargs.pop("kind", ExamKind.ANNUAL_LAW),
            blueprint=blueprint,
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(hours=3),
            duration_minutes=60,
            eligible_unit=self.org.city,
            **kwargs,
        )

    def sit(self, *, q=None, tf_right=3, session=None, submit=True, email=""):
        """A candidate who answers Q with ``q`` and ``tf_right`` true/false questions right."""
        person = UserFactory(org_unit=self.unit, email=email)
        attempt = attempt_start(session=session or self.session, user=person)
        right = 0
        for slot in attempt.slots.select_related("question_version").order_by("position"):
            version = slot.question_version
            if version.kind == "true_false":
                key = version.correct_ids[0]
                slot.selected = [key] if right < tf_right else [3 - key]
                right += 1
            elif version.question_id == self.q.pk and q is not None:
                slot.selected = [q]
            else:
                slot.selected = [version.correct_ids[0]]
            slot.save(update_fields=["selected"])
        if submit:
            attempt_submit(attempt_id=attempt.pk, user=person)
        attempt.refresh_from_db()
        return attempt


@pytest.fixture
def world(db, org):
    return World(true_false_bank(), org)


@pytest.fixture
def sittings(world):
    """p1 100 (A, 3 right), p2 50 (B, 2 right), p3 75 (A, 2 right), p4 voided (B),
    an attempt on another paper without Q, and one still in progress (B)."""
    s = {
        "p1": world.sit(q=A, tf_right=3, email="p1@example.gov.cn"),
        "p2": world.sit(q=B, tf_right=2, email="p2@example.gov.cn"),
        "p3": world.sit(q=A, tf_right=2),
        "p4": world.sit(q=B, tf_right=3),
    }
    attempt_void(
        attempt_id=s["p4"].pk, actor=world.admin, reason="作弊", legal_basis="考场纪律第三条"
    )
    other = world._session("另一场考试", world.other_blueprint)
    s["other"] = world.sit(q=None, tf_right=1, session=other)
    s["running"] = world.sit(q=B, tf_right=3, submit=False)
    for key in s:
        s[key].refresh_from_db()
    return s


def scores(*attempts) -> list[Decimal | None]:
    return [Attempt.objects.get(pk=a.pk).score for a in attempts]


def corrected_edit(world, correct=B):
    return dict(
        kind="single",
        stem="行政许可决定的期限？",
        options=_q_options(correct),
        explanation="更正：见行政许可法第四十二条。",
        articles=[constitution_article()],
    )


@pytest.fixture
def receivers():
    """Stand-ins for certification: a certificate per pass flip, and what was announced."""
    received = []

    def consequences(sender, regrade, **kwargs):
        return [
            Consequence(
                kind="certificate",
                person_id=c.user_id,
                summary="任前考试合格证书将撤销" if c.old_passed else "将颁发任前考试合格证书",
                blocked=False,
            )
            for c in regrade.flips
        ]

    def regraded(sender, regrade, **kwargs):
        received.append(regrade)

    regrade_consequences.connect(consequences, dispatch_uid="test_consequences")
    results_regraded.connect(regraded, dispatch_uid="test_regraded")
    yield received
    regrade_consequences.disconnect(dispatch_uid="test_consequences")
    results_regraded.disconnect(dispatch_uid="test_regraded")


def snapshot() -> dict:
    """Every row a regrade could touch, to prove a dry run touched none."""
    return {
        "attempts": list(
            Attempt.objects.order_by("pk").values_list("pk", "score", "passed", "breakdown")
        ),
        "slots": list(AttemptSlot.objects.order_by("pk").values_list("pk", "earned")),
        "events": AttemptEvent.objects.count(),
        "log": ModelLogEntry.objects.count(),
        "regrades": Regrade.objects.count(),
        "changes": RegradeChange.objects.count(),
        "versions": list(QuestionVersion.objects.order_by("pk").values_list("pk", "options")),
    }


# --- Dry run ------------------------------------------------------------------------------


def test_the_papers_score_as_designed(world, sittings):
    s = sittings
    assert scores(s["p1"], s["p2"], s["p3"]) == [Decimal("100"), Decimal("50"), Decimal("75")]
    assert Attempt.objects.get(pk=s["p4"].pk).status == AttemptStatus.VOIDED


def test_dry_run_reports_old_and_new_scores_flips_and_consequences_and_writes_nothing(
    world, sittings, receivers
):
    s = sittings
    before = snapshot()
    plan = regrade_plan(question=world.q, action="key", key=[B], actor=world.admin)
    assert snapshot() == before
    assert plan.id is None
    by_attempt = {c.attempt_id: c for c in plan.changes}
    # only graded attempts with Q: not the voided one, the other paper or the running one
    assert set(by_attempt) == {s["p1"].pk, s["p2"].pk, s["p3"].pk}
    assert (by_attempt[s["p1"].pk].old_score, by_attempt[s["p1"].pk].new_score) == (100, 75)
    assert (by_attempt[s["p2"].pk].old_score, by_attempt[s["p2"].pk].new_score) == (50, 75)
    assert (by_attempt[s["p3"].pk].old_score, by_attempt[s["p3"].pk].new_score) == (75, 50)
    assert {c.attempt_id for c in plan.flips} == {s["p2"].pk, s["p3"].pk}
    from exams.services.regrades import regrade_consequences_collect

    consequences = regrade_consequences_collect(plan)
    assert sorted(c.summary for c in consequences) == [
        "任前考试合格证书将撤销",
        "将颁发任前考试合格证书",
    ]
    assert snapshot() == before
    assert receivers == []  # nothing announced as done


def test_dry_run_page_shows_the_plan_within_a_query_budget(
    world, sittings, receivers, client, django_assert_max_num_queries
):
    from tests.factories import login_with_mfa

    url = reverse("exams_regrade_remedy", args=[world.q.pk, world.session.pk, "full_marks"])
    login_with_mfa(client, world.admin)
    client.get(url)  # warm the caches (content types, permissions)
    # The plan, the receivers' reads (certification's: certificates, reviews, appraisal
    # records) and the admin's chrome; the same whatever the number of attempts.
    with django_assert_max_num_queries(40) as first:
        response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "data-affected>3<" in page and "data-flips>1<" in page
    assert "将颁发任前考试合格证书" in page
    for _ in range(6):  # more attempts, same number of queries
        world.sit(q=B, tf_right=1)
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(url)
    assert "data-affected>9<" in response.content.decode()
    assert Regrade.objects.count() == 0


# --- Key correction -------------------------------------------------------------------------


@pytest.mark.postgres  # row locks on attempts and questions
def test_key_correction_rescores_exactly_the_affected_attempts_and_announces_them(
    world, sittings, receivers, django_capture_on_commit_callbacks
):
    s = sittings
    untouched = {k: Attempt.objects.get(pk=s[k].pk) for k in ("p4", "other")}
    with django_capture_on_commit_callbacks(execute=True):
        regrade = key_correction_confirm(
            question=world.q, reason="原答案与法条不符", actor=world.admin, **corrected_edit(world)
        )
    regrade.refresh_from_db()
    assert regrade.status == Regrade.Status.DONE
    assert (regrade.done, regrade.total) == (3, 3)
    assert scores(s["p1"], s["p2"], s["p3"]) == [Decimal("75"), Decimal("75"), Decimal("50")]
    p2 = Attempt.objects.get(pk=s["p2"].pk)
    assert p2.passed is True
    assert (Decimal(p2.breakdown["earned"]), Decimal(p2.breakdown["possible"])) == (30, 40)
    for key, attempt in untouched.items():
        now = Attempt.objects.get(pk=attempt.pk)
        assert (now.score, now.passed, now.breakdown) == (
            attempt.score,
            attempt.passed,
            attempt.breakdown,
        ), key
    # the slots still show the version the candidates saw; the new version holds the new key
    world.q.refresh_from_db()
    assert world.q.current_version.number == 2 and world.q.current_version.correct_ids == [B]
    slot = AttemptSlot.objects.get(attempt=s["p2"], question_version__question=world.q)
    assert slot.question_version.number == 1 and slot.earned == Decimal("10")
    # audited per attempt, with the before and after
    event = AttemptEvent.objects.get(attempt=s["p3"], action=AttemptEvent.Action.REGRADE)
    assert event.data["before"] == {"score": "75.00", "passed": True}
    assert event.data["after"] == {"score": "50.00", "passed": False}
    assert event.reason == "原答案与法条不符" and event.actor == world.admin
    assert ModelLogEntry.objects.filter(action="exams.attempt.regrade").count() == 3
    assert ModelLogEntry.objects.filter(action="exams.question.key_correct").count() == 1
    # the signal: once, with the three changed results
    assert len(receivers) == 1
    announced = receivers[0]
    assert announced.id == regrade.pk and announced.action == "key"
    flips = {(c.attempt_id, c.old_passed, c.new_passed) for c in announced.flips}
    assert flips == {(s["p2"].pk, False, True), (s["p3"].pk, True, False)}
    assert {c.attempt_id for c in announced.changes} == {s["p1"].pk, s["p2"].pk, s["p3"].pk}
    assert all(c.session_kind == ExamKind.ANNUAL_LAW for c in announced.changes)


def test_an_attempt_graded_after_the_correction_uses_the_corrected_key(
    world, sittings, django_capture_on_commit_callbacks
):
    running = sittings["running"]  # answered B on version 1, still in progress
    with django_capture_on_commit_callbacks(execute=True):
        key_correction_confirm(
            question=world.q, reason="答案有误", actor=world.admin, **corrected_edit(world)
        )
    assert Attempt.objects.get(pk=running.pk).score is None  # not touched while running
    attempt_submit(attempt_id=running.pk, user=running.user)
    assert scores(running) == [Decimal("100")]
    # and the review shows the corrected key on the version the candidate saw
    from exams.selectors import attempt_paper

    paper = attempt_paper(Attempt.objects.get(pk=running.pk), with_keys=True)
    q_slot = next(p for p in paper if p.stem == "行政许可决定的期限？")
    assert [o.id for o in q_slot.options if o.key] == [B]


def test_rerunning_the_task_changes_nothing_and_notifies_nobody_twice(
    world, sittings, receivers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        regrade = key_correction_confirm(
            question=world.q, reason="答案有误", actor=world.admin, **corrected_edit(world)
        )
    after = snapshot()
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        summary = regrade_run(regrade.pk)
    assert summary == {"attempts": 3, "changed": 0}
    now = snapshot()
    assert now["attempts"] == after["attempts"] and now["slots"] == after["slots"]
    assert now["events"] == after["events"] and now["changes"] == after["changes"]
    assert len(mail.outbox) == sent
    # the second announcement carries the same changes (receivers bring records in line)
    assert receivers[0].changes == receivers[1].changes


def test_candidates_are_told_by_mail_and_on_their_pages(
    world, sittings, client, django_capture_on_commit_callbacks
):
    s = sittings
    with django_capture_on_commit_callbacks(execute=True):
        key_correction_confirm(
            question=world.q, reason="原答案与法条不符", actor=world.admin, **corrected_edit(world)
        )
    # p1 and p2 have addresses (p3 has none); p1 75 <- 100, p2 75 <- 50
    to = sorted(m.to[0] for m in mail.outbox)
    assert to == ["p1@example.gov.cn", "p2@example.gov.cn"]
    body = next(m for m in mail.outbox if m.to == ["p2@example.gov.cn"]).body
    assert "原成绩：50 分（不合格）" in body and "现成绩：75 分（合格）" in body
    assert "原答案与法条不符" in body
    assert RegradeChange.objects.filter(notified_at__isnull=True).count() == 0

    client.force_login(s["p2"].user)
    page = client.get(reverse("exams:result", args=[s["p2"].pk])).content.decode()
    assert "因原答案与法条不符更正：原 50 分，现 75 分。" in page
    page = client.get(reverse("exams:my_exams")).content.decode()
    assert "因原答案与法条不符更正：原 50 分，现 75 分。" in page


def test_a_result_not_yet_released_is_not_mailed(world, django_capture_on_commit_callbacks):
    world.session.result_release = ResultRelease.MANUAL
    world.session.save()
    attempt = world.sit(q=A, tf_right=3, email="quiet@example.gov.cn")
    with django_capture_on_commit_callbacks(execute=True):
        key_correction_confirm(
            question=world.q, reason="答案有误", actor=world.admin, **corrected_edit(world)
        )
    assert scores(attempt) == [Decimal("75")]
    assert mail.outbox == []


def test_a_key_correction_needs_a_reason_and_the_same_options(world, sittings):
    with pytest.raises(RegradeError) as refused:
        key_correction_confirm(
            question=world.q, reason=" ", actor=world.admin, **corrected_edit(world)
        )
    assert refused.value.messages == [str(ERR_REASON)]
    edit = corrected_edit(world)
    edit["options"] = [*edit["options"], ParsedOption("三十日", False)]
    with pytest.raises(RegradeError) as refused:
        key_correction_confirm(question=world.q, reason="理由", actor=world.admin, **edit)
    assert refused.value.messages == [str(ERR_KEY_SHAPE)]
    assert Regrade.objects.count() == 0 and world.q.versions.count() == 1


def test_a_district_administrator_may_not_correct_a_city_wide_sessions_key(world, sittings):
    with pytest.raises(PermissionDenied) as refused:
        regrade_plan(question=world.q, action="key", key=[B], actor=world.district_admin)
    assert str(refused.value) == str(ERR_SCOPE % {"count": 3})
    with pytest.raises(PermissionDenied):
        key_correction_confirm(
            question=world.q, reason="理由", actor=world.district_admin, **corrected_edit(world)
        )
    assert Regrade.objects.count() == 0 and world.q.versions.count() == 1


# --- Drop and full marks ---------------------------------------------------------------------


def test_dropping_the_question_shrinks_the_paper_and_later_attempts_honour_it(
    world, sittings, receivers, django_capture_on_commit_callbacks
):
    s = sittings
    second = world._session("同卷另一场", world.blueprint)
    elsewhere = world.sit(q=A, tf_right=2, session=second)  # 75, and stays 75
    with django_capture_on_commit_callbacks(execute=True):
        regrade_start(
            question=world.q,
            session=world.session,
            action="drop",
            reason="题目有歧义",
            actor=world.admin,
        )
    # p1: 30/30 = 100; p2: 20/30 = 66.67; p3: 20/30 = 66.67
    assert scores(s["p1"], s["p2"], s["p3"]) == [
        Decimal("100"),
        Decimal("66.67"),
        Decimal("66.67"),
    ]
    p2 = Attempt.objects.get(pk=s["p2"].pk)
    assert (Decimal(p2.breakdown["earned"]), Decimal(p2.breakdown["possible"])) == (20, 30)
    assert p2.passed is True  # 50 -> 66.67 flips
    assert scores(elsewhere) == [Decimal("75")]
    assert {c.attempt_id for c in receivers[0].changes} == {s["p2"].pk, s["p3"].pk}
    # graded later in the same session: Q counts neither way
    attempt_submit(attempt_id=s["running"].pk, user=s["running"].user)
    running = Attempt.objects.get(pk=s["running"].pk)
    assert (Decimal(running.breakdown["earned"]), Decimal(running.breakdown["possible"])) == (
        30,
        30,
    )
    # only once per question and session
    with pytest.raises(RegradeError):
        regrade_start(
            question=world.q,
            session=world.session,
            action="full_marks",
            reason="再次",
            actor=world.admin,
        )


def test_full_marks_for_everyone(world, sittings, receivers, django_capture_on_commit_callbacks):
    s = sittings
    with django_capture_on_commit_callbacks(execute=True):
        regrade = regrade_start(
            question=world.q,
            session=world.session,
            action="full_marks",
            reason="超出考试范围",
            actor=world.admin,
        )
    # p1 40/40 = 100; p2 (B wrong under key A) 30/40 = 75; p3 (A right) 75
    assert scores(s["p1"], s["p2"], s["p3"]) == [Decimal("100"), Decimal("75"), Decimal("75")]
    assert [c.attempt_id for c in receivers[0].changes] == [s["p2"].pk]
    assert receivers[0].changes[0].pass_flipped
    assert Attempt.objects.get(pk=s["p4"].pk).score == s["p4"].score  # voided: untouched
    assert regrade.session == world.session


# --- Admin pages -----------------------------------------------------------------------------


def _edit_form(world, **overrides):
    data = {
        "topic": str(world.q_topic.pk),
        "status": "active",
        "kind": "single",
        "difficulty": "3",
        "stem": "行政许可决定的期限？",
        "option_a": "五日",
        "option_b": "十日",
        "option_c": "二十日",
        "answer": "A",
        "explanation": "",
        "citations": "宪法第二条",
    }
    data.update(overrides)
    return data


@pytest.fixture
def admin_client(client, world):
    from tests.factories import login_with_mfa

    login_with_mfa(client, world.admin)
    return client


def test_the_editor_sends_a_key_change_to_the_correction_and_a_rewording_saves(
    world, sittings, admin_client, receivers, django_capture_on_commit_callbacks
):
    edit_url = reverse(Question.snippet_viewset.get_url_name("edit"), args=[world.q.pk])
    key_url = reverse("exams_regrade_key", args=[world.q.pk])

    response = admin_client.post(edit_url, _edit_form(world, answer="B"))
    assert response.status_code == 302 and response["Location"] == key_url
    assert world.q.versions.count() == 1 and Regrade.objects.count() == 0

    page = admin_client.get(key_url).content.decode()
    assert "更正后的答案：B" in page and "data-affected>3<" in page
    response = admin_client.post(key_url, {"reason": ""})
    assert response.status_code == 200 and Regrade.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(key_url, {"reason": "原答案与法条不符"})
    regrade = Regrade.objects.get()
    assert response["Location"] == reverse("exams_regrade", args=[regrade.pk])
    page = admin_client.get(response["Location"]).content.decode()
    assert 'data-regrade-status="done"' in page
    assert scores(sittings["p2"]) == [Decimal("75")]

    # a rewording (key unchanged from the corrected B) is saved as before, no regrade
    response = admin_client.post(edit_url, _edit_form(world, answer="B", stem="行政许可的期限？"))
    assert response.status_code == 302 and response["Location"] != key_url
    world.q.refresh_from_db()
    assert world.q.current_version.stem == "行政许可的期限？"
    assert Regrade.objects.count() == 1


def test_usage_page_lists_sessions_and_versions_with_remedies(world, sittings, admin_client):
    url = reverse(Question.snippet_viewset.get_url_name("usage"), args=[world.q.pk])
    page = admin_client.get(url).content.decode()
    assert "2026年度学法考试" in page and "没有结果" not in page
    drop = reverse("exams_regrade_remedy", args=[world.q.pk, world.session.pk, "drop"])
    assert drop in page
    assert "另一场考试" not in page  # that paper had no Q


def test_usage_page_is_scoped_to_the_viewers_sessions(world, sittings, client):
    from tests.factories import login_with_mfa

    login_with_mfa(client, world.district_admin)
    url = reverse(Question.snippet_viewset.get_url_name("usage"), args=[world.q.pk])
    page = client.get(url).content.decode()
    assert "2026年度学法考试" not in page


def test_remedy_pages_refuse_outside_the_scope(world, sittings, client):
    from tests.factories import login_with_mfa

    drop = reverse("exams_regrade_remedy", args=[world.q.pk, world.session.pk, "drop"])
    key = reverse("exams_regrade_key", args=[world.q.pk])
    login_with_mfa(client, world.district_admin)
    assert client.get(drop).status_code == 404  # a city-wide session is not theirs
    assert client.post(drop, {"reason": "x"}).status_code == 404
    learner = UserFactory(org_unit=world.unit)
    client.force_login(learner)
    assert client.get(drop).status_code in (302, 403)
    assert client.get(key).status_code in (302, 403)
    assert Regrade.objects.count() == 0


def test_an_edit_changing_the_options_of_a_used_question_is_refused_as_a_correction(
    world, sittings, admin_client
):
    edit_url = reverse(Question.snippet_viewset.get_url_name("edit"), args=[world.q.pk])
    key_url = reverse("exams_regrade_key", args=[world.q.pk])
    response = admin_client.post(edit_url, _edit_form(world, option_d="三十日", answer="D"))
    assert response["Location"] == key_url
    response = admin_client.get(key_url, follow=True)
    assert str(ERR_KEY_SHAPE) in response.content.decode()
    assert world.q.versions.count() == 1 and Regrade.objects.count() == 0
