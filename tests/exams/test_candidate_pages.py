"""The candidate's pages: my exams, start, the paper, flags, submit, result, review; staff view."""

import json
import re
import time
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cms.people.models import Role
from exams.models import (
    Attempt,
    AttemptStatus,
    Blueprint,
    BlueprintSection,
    ExamKind,
    ExamSession,
    QuestionVersion,
    ResultRelease,
    ReviewPolicy,
)
from exams.services import answer_save, attempt_start, attempt_submit
from exams.services.attempts import ERR_CLOSED, ERR_NOT_ELIGIBLE
from exams.tokens import token_for, token_read
from tests.factories import RoleAssignmentFactory, UserFactory, give_totp

pytestmark = pytest.mark.django_db

EXPLANATION = "本题解析：依据宪法第二条，一切权力属于人民。"


@pytest.fixture
def candidate(org):
    return UserFactory(org_unit=org.departments[org.districts[0].code][0])


@pytest.fixture
def other(org):
    return UserFactory(org_unit=org.departments[org.districts[1].code][0])


@pytest.fixture
def explained(exam_bank):
    """Every question gets an explanation that must never reach the paper's HTML."""
    QuestionVersion.objects.update(explanation=EXPLANATION)


def _url(name, attempt):
    return reverse(f"exams:{name}", args=[attempt.pk])


def _save(attempt, position, selected, seq):
    token = token_read(
        token_for(attempt_id=attempt.pk, user_id=attempt.user_id, deadline=attempt.deadline),
        now=time.time(),
    )
    return answer_save(token=token, position=position, selected=selected, seq=seq, now=time.time())


def _key(slot):
    return slot.question_version.correct_ids


def _option_orders(html):
    """{position: [option ids in page order]} read back from the rendered paper."""
    orders = {}
    for position, value in re.findall(r'name="q(\d+)" value="(\d+)"', html):
        orders.setdefault(int(position), []).append(int(value))
    return orders


def _session(blueprint, org, **kwargs):
    now = timezone.now()
    values = {
        "title": "测试考试",
        "kind": ExamKind.ANNUAL_LAW,
        "blueprint": blueprint,
        "opens_at": now - timedelta(hours=1),
        "closes_at": now + timedelta(hours=3),
        "duration_minutes": 60,
        "eligible_unit": org.city,
    }
    values.update(kwargs)
    return ExamSession.objects.create(**values)


# --- My exams and the start page --------------------------------------------------------------


def test_my_exams_groups_sessions_and_shows_released_scores(
    client, open_session, candidate, blueprint, org, django_assert_max_num_queries
):
    now = timezone.now()
    upcoming = _session(
        blueprint,
        org,
        title="下月模拟考试",
        opens_at=now + timedelta(days=30),
        closes_at=now + timedelta(days=31),
    )
    past = _session(blueprint, org, title="上月考试", kind=ExamKind.MOCK)
    hidden = _session(blueprint, org, title="仅限领导干部", only_leading_cadres=True)
    attempt = attempt_start(session=past, user=candidate)
    for slot in attempt.slots.select_related("question_version"):
        _save(attempt, slot.position, _key(slot), 1)
    attempt_submit(attempt_id=attempt.pk, user=candidate)
    past.closes_at = now - timedelta(minutes=1)
    past.opens_at = now - timedelta(days=1)
    past.save()
    client.force_login(candidate)
    with django_assert_max_num_queries(7):  # header: unread count
        response = client.get(reverse("exams:my_exams"))
    html = response.content.decode()
    exams = response.context["exams"]
    assert [r.session for r in exams.open] == [open_session]
    assert [r.session for r in exams.upcoming] == [upcoming]
    assert [r.session for r in exams.finished] == [past]
    assert hidden.title not in html
    assert reverse("exams:session", args=[open_session.pk]) in html
    assert "100" in html and reverse("exams:result", args=[attempt.pk]) in html


def test_start_page_shows_rules_and_starts_then_resumes(
    client, open_session, candidate, django_assert_max_num_queries
):
    open_session.instructions = "请独立完成，不得翻阅资料。"
    open_session.save()
    client.force_login(candidate)
    url = reverse("exams:session", args=[open_session.pk])
    with django_assert_max_num_queries(12):  # header: unread count
        html = client.get(url).content.decode()
    for text in [
        "2026年度学法考试",
        "年度学法考试",
        "60 分钟",
        "20 题",
        "0 / 1",
        "请独立完成",
        "开始答题",
    ]:
        assert text in html
    response = client.post(url)
    attempt = Attempt.objects.get(session=open_session, user=candidate)
    assert response.status_code == 302 and response.url == _url("attempt", attempt)
    assert client.post(url).url == _url("attempt", attempt)  # resumes, no second attempt
    assert Attempt.objects.filter(session=open_session, user=candidate).count() == 1
    assert "继续答题" in client.get(url).content.decode()


def test_start_refusals_are_shown_as_messages(client, open_session, candidate, org):
    stranger = UserFactory(org_unit=None)
    client.force_login(stranger)
    url = reverse("exams:session", args=[open_session.pk])
    assert str(ERR_NOT_ELIGIBLE) in client.get(url).content.decode()
    response = client.post(url, follow=True)
    assert str(ERR_NOT_ELIGIBLE) in response.content.decode()
    assert not Attempt.objects.exists()
    client.force_login(candidate)
    with time_machine.travel(open_session.closes_at + timedelta(minutes=1), tick=False):
        response = client.post(url, follow=True)
    assert ERR_CLOSED in [str(m) for m in response.context["messages"]]
    assert not Attempt.objects.exists()


# --- The paper ------------------------------------------------------------------------------


def test_attempt_page_renders_every_question_and_resumes_saved_answers(
    client, open_session, candidate
):
    attempt = attempt_start(session=open_session, user=candidate)
    slots = list(attempt.slots.select_related("question_version").order_by("position"))
    single = next(s for s in slots if not s.multiple)
    multiple = next(s for s in slots if s.multiple)
    _save(attempt, single.position, [single.option_order[2]], 5)
    _save(attempt, multiple.position, multiple.option_order[:2], 6)
    client.force_login(candidate)
    response = client.get(_url("attempt", attempt))
    html = response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")
    for slot in slots:
        assert slot.question_version.stem in html
        assert f'id="q-{slot.position}"' in html and f'data-palette="{slot.position}"' in html
    assert f'name="q{single.position}" value="{single.option_order[2]}" checked' in html
    for option_id in multiple.option_order[:2]:
        assert f'type="checkbox" name="q{multiple.position}" value="{option_id}" checked' in html
    assert html.count(" checked") == 3
    assert "data-answered>2</span> / 20" in html
    assert f'data-seq="{6}"' in html
    token = re.search(r'data-token="([^"]+)"', html).group(1)
    assert token_read(token, now=time.time()).attempt_id == attempt.pk
    remaining = int(re.search(r'data-remaining="(\d+)"', html).group(1))
    assert 3590 <= remaining <= 3600


def test_no_key_or_explanation_in_the_paper_or_the_save_response(
    client, open_session, candidate, explained
):
    attempt = attempt_start(session=open_session, user=candidate)
    client.force_login(candidate)
    html = client.get(_url("attempt", attempt)).content.decode()
    assert EXPLANATION not in html and "解析" not in html
    assert "correct" not in html.lower()
    assert "is-key" not in html and "正确答案</span>" not in html
    html = client.get(_url("submit", attempt)).content.decode()
    assert EXPLANATION not in html and "correct" not in html.lower()
    token = token_for(attempt_id=attempt.pk, user_id=candidate.pk, deadline=attempt.deadline)
    response = client.post(
        _url("answer_save", attempt),
        data=json.dumps({"position": 1, "selected": [1], "seq": 1}),
        content_type="application/json",
        headers={"X-Attempt-Token": token},
    )
    assert set(response.json()) == {"ok", "position", "seq", "stale", "remaining"}
    assert "correct" not in response.content.decode()


def test_options_are_shuffled_per_attempt_and_stable_on_reload(
    client, open_session, candidate, other
):
    mine = attempt_start(session=open_session, user=candidate)
    theirs = attempt_start(session=open_session, user=other)
    client.force_login(candidate)
    first = _option_orders(client.get(_url("attempt", mine)).content.decode())
    again = _option_orders(client.get(_url("attempt", mine)).content.decode())
    assert first == again
    assert first == {s.position: s.option_order for s in mine.slots.all()}
    assert any(order != sorted(order) for order in first.values())
    client.force_login(other)
    other_orders = _option_orders(client.get(_url("attempt", theirs)).content.decode())
    by_version = {s.question_version_id: s.option_order for s in theirs.slots.all()}
    mine_by_version = {s.question_version_id: s.option_order for s in mine.slots.all()}
    shared = set(by_version) & set(mine_by_version)
    assert other_orders == {s.position: s.option_order for s in theirs.slots.all()}
    assert any(by_version[v] != mine_by_version[v] for v in shared) or (
        [s.question_version_id for s in theirs.slots.order_by("position")]
        != [s.question_version_id for s in mine.slots.order_by("position")]
    )


def test_another_persons_attempt_is_not_found(client, open_session, candidate, other):
    attempt = attempt_start(session=open_session, user=candidate)
    client.force_login(other)
    for name in ["attempt", "submit", "result", "review"]:
        assert client.get(_url(name, attempt)).status_code == 404, name
    assert client.post(_url("submit", attempt)).status_code == 404
    assert client.post(_url("flag", attempt), {"position": 1, "flagged": "1"}).status_code == 404
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS
    client.logout()
    response = client.get(_url("attempt", attempt))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_flag_toggles_and_shows_in_the_palette(client, open_session, candidate):
    attempt = attempt_start(session=open_session, user=candidate)
    client.force_login(candidate)
    response = client.post(
        _url("flag", attempt),
        {"position": 3, "flagged": "1"},
        headers={"Accept": "application/json"},
    )
    assert response.json() == {"ok": True, "position": 3, "flagged": True}
    assert attempt.slots.get(position=3).flagged
    html = client.get(_url("attempt", attempt)).content.decode()
    assert re.search(r'class="palette__item is-flagged"\s+href="#q-3"', html)
    assert 'aria-pressed="true"' in html
    response = client.post(_url("flag", attempt), {"position": 3, "flagged": "0"})
    assert response.status_code == 302 and response.url.endswith("#q-3")
    assert not attempt.slots.get(position=3).flagged


def test_submit_confirmation_lists_flagged_questions_with_links_back(
    client, open_session, candidate, django_assert_max_num_queries
):
    attempt = attempt_start(session=open_session, user=candidate)
    slots = {s.position: s for s in attempt.slots.select_related("question_version")}
    _save(attempt, 4, _key(slots[4]), 1)
    attempt.slots.filter(position__in=[4, 9]).update(flagged=True)  # one answered, one not
    client.force_login(candidate)
    with django_assert_max_num_queries(4):  # the same budget as without flags
        html = client.get(_url("submit", attempt)).content.decode()
    flagged = html[html.index('id="confirm-flagged"') :]
    assert "你标记了 2 道题" in flagged
    links = re.findall(r'<a class="palette__item is-flagged" href="([^"]+)"', flagged)
    assert links == [f"{_url('attempt', attempt)}#q-4", f"{_url('attempt', attempt)}#q-9"]
    unanswered = html[html.index('id="confirm-unanswered"') : html.index('id="confirm-flagged"')]
    assert "#q-4" not in unanswered and "#q-9" in unanswered
    # No flags: no flagged list at all.
    attempt.slots.update(flagged=False)
    assert "confirm-flagged" not in client.get(_url("submit", attempt)).content.decode()


def test_attempt_page_hides_the_site_navigation_and_offers_the_answer_sheet(
    client, open_session, candidate
):
    attempt = attempt_start(session=open_session, user=candidate)
    client.force_login(candidate)
    html = client.get(_url("attempt", attempt)).content.decode()
    assert "site-header" not in html
    assert reverse("account_logout") not in html  # no 退出 during the exam
    assert 'aria-label="主导航"' not in html
    assert html.count("data-sheet-item=") == 20
    assert (
        '<dialog class="answer-sheet" id="answer-sheet" aria-labelledby="answer-sheet-title"'
        in html
    )
    for label in ("上一题", "下一题", "答题卡"):
        assert label in html
    # Another page still has it.
    assert 'aria-label="主导航"' in client.get(reverse("exams:my_exams")).content.decode()


def test_overdue_attempt_is_finalised_when_opened(client, open_session, candidate):
    attempt = attempt_start(session=open_session, user=candidate)
    _save(attempt, 1, [attempt.slots.get(position=1).option_order[0]], 1)
    client.force_login(candidate)
    with time_machine.travel(attempt.deadline + timedelta(minutes=5), tick=False):
        response = client.get(_url("attempt", attempt))
    assert response.status_code == 302 and response.url == _url("result", attempt)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.EXPIRED and attempt.score is not None


# --- Submit, result and review ----------------------------------------------------------------


def test_submit_confirmation_lists_unanswered_and_double_submit_gives_one_result(
    client, open_session, candidate, django_assert_max_num_queries
):
    attempt = attempt_start(session=open_session, user=candidate)
    slots = {s.position: s for s in attempt.slots.select_related("question_version")}
    for position in (1, 2, 5):
        _save(attempt, position, _key(slots[position]), 1)
    client.force_login(candidate)
    with django_assert_max_num_queries(5):  # header: unread count
        html = client.get(_url("submit", attempt)).content.decode()
    listed = [int(p) for p in re.findall(r'#q-(\d+)"', html)]
    assert listed == [p for p in range(1, 21) if p not in (1, 2, 5)]
    assert "还有 17 道题未作答" in html
    first = client.post(_url("submit", attempt))
    attempt.refresh_from_db()
    finished_at, score = attempt.finished_at, attempt.score
    second = client.post(_url("submit", attempt))
    assert first.url == second.url == _url("result", attempt)
    attempt.refresh_from_db()
    assert (attempt.finished_at, attempt.score) == (finished_at, score)
    assert attempt.status == AttemptStatus.SUBMITTED
    assert Attempt.objects.filter(user=candidate).count() == 1
    assert client.get(_url("attempt", attempt)).url == _url("result", attempt)


def _finish(session, user, *, right=5):
    attempt = attempt_start(session=session, user=user)
    for slot in attempt.slots.select_related("question_version").order_by("position")[:right]:
        _save(attempt, slot.position, _key(slot), 1)
    return attempt_submit(attempt_id=attempt.pk, user=user)


def test_result_released_immediately_shows_score_and_topic_breakdown(
    client, open_session, candidate, django_assert_max_num_queries
):
    attempt = _finish(open_session, candidate)
    client.force_login(candidate)
    with django_assert_max_num_queries(4):  # header: unread count
        html = client.get(_url("result", attempt)).content.decode()
    assert f"{attempt.score.normalize():f} 分" in html or f"{attempt.score} 分" in html
    assert "不合格" in html and "宪法" in html and 'class="progress__bar"' in html
    assert "成绩尚未公布" not in html


@pytest.mark.parametrize("release", [ResultRelease.AT_CLOSE, ResultRelease.MANUAL])
def test_result_withheld_until_close_or_release(client, open_session, candidate, release):
    open_session.result_release = release
    open_session.save()
    attempt = _finish(open_session, candidate)
    client.force_login(candidate)
    html = client.get(_url("result", attempt)).content.decode()
    assert "成绩尚未公布" in html and str(attempt.score) not in html
    later = open_session.closes_at + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        html = client.get(_url("result", attempt)).content.decode()
    assert ("成绩尚未公布" in html) == (release == ResultRelease.MANUAL)
    open_session.results_released_at = later
    open_session.save()
    with time_machine.travel(later + timedelta(minutes=1), tick=False):
        html = client.get(_url("result", attempt)).content.decode()
    assert "成绩尚未公布" not in html and "各知识点得分" in html


def test_review_only_after_close_under_full_policy(client, open_session, candidate, explained):
    attempt = _finish(open_session, candidate)
    client.force_login(candidate)
    response = client.get(_url("review", attempt))  # score_only
    assert response.status_code == 403 and EXPLANATION not in response.content.decode()
    open_session.review_policy = ReviewPolicy.FULL_AFTER_CLOSE
    open_session.save()
    response = client.get(_url("review", attempt))  # not closed yet
    assert response.status_code == 403 and EXPLANATION not in response.content.decode()
    with time_machine.travel(open_session.closes_at + timedelta(minutes=1), tick=False):
        assert "查看答卷与解析" in client.get(_url("result", attempt)).content.decode()
        response = client.get(_url("review", attempt))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count(EXPLANATION) == 20 and html.count("正确答案") >= 20
    assert "您的选择" in html
    assert "/laws/constitution/" in html and "#art-2" in html


# --- Staff ------------------------------------------------------------------------------------


def test_staff_sees_the_paper_with_keys_only_within_scope(client, open_session, candidate, org):
    attempt = _finish(open_session, candidate)
    inside = UserFactory(org_unit=org.districts[0])
    RoleAssignmentFactory(user=inside, role=Role.EXAM_ADMIN, scope=org.districts[0])
    outside = UserFactory(org_unit=org.districts[1])
    RoleAssignmentFactory(user=outside, role=Role.EXAM_ADMIN, scope=org.districts[1])
    for user in (inside, outside):
        give_totp(user)
    url = reverse("exams:staff_attempt", args=[attempt.pk])
    client.force_login(inside)
    html = client.get(url).content.decode()
    slots = list(attempt.slots.order_by("position"))
    assert _option_orders_review(html) == {s.position: s.option_order for s in slots}
    assert html.count("正确答案") >= 20 and "考生所选" in html
    client.force_login(outside)
    assert client.get(url).status_code == 404
    client.force_login(candidate)
    assert client.get(url).status_code == 403


def _option_orders_review(html):
    orders = {}
    for block in re.split(r'(?=<section class="exam-q exam-q--review" id="q-)', html)[1:]:
        position = int(re.match(r'<section[^>]*id="q-(\d+)"', block).group(1))
        orders[position] = [int(i) for i in re.findall(r'data-option="(\d+)"', block)]
    return orders


# --- Query budgets --------------------------------------------------------------------------


@pytest.fixture
def big_bank(exam_bank):
    """100 more single-choice questions, for a paper of 100."""
    from cms.laws.models import Article
    from exams.formats.base import ParsedOption
    from exams.services import question_create

    article = Article.objects.get(version__law__key="constitution", number=2)
    for i in range(100):
        question_create(
            topic=exam_bank,
            kind="single",
            stem=f"大题库单选题{i}",
            articles=[article],
            options=[ParsedOption(f"选项{i}{c}", c == "甲") for c in "甲乙丙丁"],
        )
    return exam_bank


def _paper_of(count, topic, org, title):
    blueprint = Blueprint.objects.create(name=f"{count} 题")
    section = BlueprintSection.objects.create(
        blueprint=blueprint, title="单选题", kind="single", count=count, points=Decimal(1)
    )
    section.topics.add(topic)
    return _session(blueprint, org, title=title)


def test_attempt_page_queries_do_not_grow_with_the_paper(
    client, big_bank, org, candidate, django_assert_max_num_queries
):
    counts = {}
    client.force_login(candidate)
    for size in (10, 100):
        session = _paper_of(size, big_bank, org, f"{size} 题考试")
        attempt = attempt_start(session=session, user=candidate)
        for slot in attempt.slots.all()[:5]:
            _save(attempt, slot.position, [slot.option_order[0]], 1)
        # session, user, attempt, sections, slots with their versions
        with django_assert_max_num_queries(6):  # header: unread count
            with CaptureQueriesContext(connection) as queries:
                response = client.get(_url("attempt", attempt))
        assert response.content.decode().count('<section class="exam-q') == size
        counts[size] = len(queries)
    assert counts[10] == counts[100]


def test_review_and_staff_pages_queries_do_not_grow(
    client, big_bank, org, candidate, django_assert_max_num_queries
):
    admin = UserFactory(org_unit=org.city, is_superuser=True)
    give_totp(admin)
    counts = {}
    for size in (10, 100):
        session = _paper_of(size, big_bank, org, f"{size} 题考试")
        session.review_policy = ReviewPolicy.FULL_AFTER_CLOSE
        session.save()
        attempt = _finish(session, candidate)
        with time_machine.travel(session.closes_at + timedelta(minutes=1), tick=False):
            client.force_login(candidate)
            with django_assert_max_num_queries(9):  # header: unread count
                with CaptureQueriesContext(connection) as review:
                    assert client.get(_url("review", attempt)).status_code == 200
        client.force_login(admin)
        # session, user, the attempt (scoped), sections, slots, citations, the marks of
        # written answers, the confirmed remedies (regrade), refused changes, events
        with django_assert_max_num_queries(11):  # header: unread count
            with CaptureQueriesContext(connection) as staff:
                url = reverse("exams:staff_attempt", args=[attempt.pk])
                assert client.get(url).status_code == 200
        counts[size] = (len(review), len(staff))
    assert counts[10] == counts[100]


def test_my_open_exams_tag_lists_open_sessions_for_the_user(
    rf, open_session, candidate, django_assert_max_num_queries
):
    from django.contrib.auth.models import AnonymousUser
    from django.template import Context, Template

    template = Template("{% load exams_tags %}{% my_open_exams %}")
    request = rf.get("/")
    request.user = candidate
    with django_assert_max_num_queries(3):
        html = template.render(Context({"request": request}))
    assert open_session.title in html and reverse("exams:session", args=[open_session.pk]) in html
    request.user = AnonymousUser()
    assert template.render(Context({"request": request})).strip() == ""
