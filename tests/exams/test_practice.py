"""Practice (练习) and daily practice (每日一练): drawing rounds, answering with feedback, the
daily selection, and that practice never touches exams."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cms.laws.models import Article, Law
from exams.formats.base import ParsedOption
from exams.models import (
    Attempt,
    AttemptSlot,
    ItemAnalysis,
    ItemStatistic,
    PracticeItem,
    PracticeMode,
    PracticeRound,
    Question,
    QuestionRecord,
    QuestionStatus,
)
from exams.round_selectors import (
    WEAK_MIN_ANSWERS,
    daily_pick,
    practice_questions,
    round_items,
    topic_accuracy,
    weak_topics,
)
from exams.services import attempt_start, attempt_submit, question_create, topic_by_path
from exams.services.practice import (
    ERR_ALREADY_ANSWERED,
    ERR_BAD_OPTIONS,
    ERR_BAD_RANGE,
    ERR_BOOK_EMPTY,
    ERR_NO_ITEM,
    ERR_NO_WEAK_TOPICS,
    ERR_NOTHING_TO_PRACTISE,
    ERR_ONE_ANSWER,
    PracticeError,
    daily_round,
    practice_answer,
    practice_start,
)
from exams.services.practice_record import Answered, record_answers
from learning.models import LessonProgress, StudyHourEntry
from tests.cms.courses.conftest import block, course_index, home, make_course  # noqa: F401
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _key(item: PracticeItem) -> list[int]:
    return item.question_version.correct_ids


def _wrong(item: PracticeItem) -> list[int]:
    return [o for o in item.option_order if o not in _key(item)][:1]


def _answer_all(user, practice_round, *, right: bool):
    for item in practice_round.items.select_related("question_version"):
        practice_answer(user=user, item=item, selected=_key(item) if right else _wrong(item))


@pytest.fixture
def penalty_questions(exam_bank):
    """Five questions citing 行政处罚法 articles 5, 10, 20, 30 and 40, under 行政法/行政处罚;
    one essay question citing article 5 (never drawn: not machine-scored)."""
    topic = topic_by_path("行政法/行政处罚")
    questions = {}
    for number in (5, 10, 20, 30, 40):
        article = Article.objects.get(
            version__law__key="administrative-penalty-law", version__is_current=True, number=number
        )
        questions[number] = question_create(
            topic=topic,
            kind="single",
            stem=f"行政处罚法第{number}条的题",
            explanation=f"见第{number}条。",
            articles=[article],
            options=[
                ParsedOption("对", True),
                ParsedOption("错", False),
                ParsedOption("否", False),
            ],
        )
    question_create(
        topic=topic,
        kind="short_answer",
        stem="简述行政处罚的原则",
        model_answer="公正、公开",
        rubric=[("要点", "10")],
        articles=[
            Article.objects.get(
                version__law__key="administrative-penalty-law", version__is_current=True, number=5
            )
        ],
    )
    return questions


# --- Drawing rounds ----------------------------------------------------------------------------


def test_a_topic_round_draws_from_the_topics_subtree_only_active_machine_scored(penalty_questions):
    user = UserFactory()
    parent = topic_by_path("行政法")
    retired = penalty_questions[40]
    retired.status = QuestionStatus.RETIRED
    retired.save()
    practice_round = practice_start(user=user, mode="topic", criteria={"topic": parent.pk})
    drawn = set(practice_round.items.values_list("question_id", flat=True))
    assert drawn == {penalty_questions[n].pk for n in (5, 10, 20, 30)}
    assert practice_round.question_count == 4
    assert practice_round.title == "按知识点练习：行政法"
    assert practice_round.criteria == {"topic": parent.pk}


@override_settings(PRACTICE_ROUND_SIZE=7)
def test_a_round_pins_the_version_and_a_shuffled_option_order(exam_bank):
    user = UserFactory()
    practice_round = practice_start(
        user=user, mode="topic", criteria={"topic": exam_bank.pk}, seed=3
    )
    items = list(practice_round.items.select_related("question", "question_version"))
    assert len(items) == 7
    assert [i.position for i in items] == list(range(1, 8))
    for item in items:
        assert item.question_version_id == item.question.current_version_id
        assert sorted(item.option_order) == sorted(o["id"] for o in item.question_version.options)
    choice_orders = [i.option_order for i in items if i.question_version.kind != "true_false"]
    assert any(order != sorted(order) for order in choice_orders)


def test_a_law_round_takes_questions_citing_any_article_of_the_law(penalty_questions):
    law = Law.objects.get(key="administrative-penalty-law")
    practice_round = practice_start(user=UserFactory(), mode="law", criteria={"law": law.pk})
    assert set(practice_round.items.values_list("question_id", flat=True)) == {
        q.pk for q in penalty_questions.values()
    }
    assert practice_round.title == "按法律法规练习：行政处罚法"


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [(5, 20, {5, 10, 20}), (11, 39, {20, 30}), (40, 40, {40}), (1, 200, {5, 10, 20, 30, 40})],
)
def test_an_article_range_round_takes_the_articles_from_to(
    penalty_questions, first, last, expected
):
    law = Law.objects.get(key="administrative-penalty-law")
    practice_round = practice_start(
        user=UserFactory(), mode="articles", criteria={"law": law.pk, "from": first, "to": last}
    )
    assert set(practice_round.items.values_list("question_id", flat=True)) == {
        penalty_questions[n].pk for n in expected
    }


@pytest.mark.parametrize(
    ("mode", "criteria", "message"),
    [
        ("articles", {"law": "LAW", "from": 41, "to": 60}, ERR_NOTHING_TO_PRACTISE),
        ("articles", {"law": "LAW", "from": 20, "to": 10}, ERR_BAD_RANGE),
        ("articles", {"law": "LAW", "from": "x", "to": 10}, ERR_BAD_RANGE),
        ("wrong", {}, ERR_BOOK_EMPTY),
        ("weak", {}, ERR_NO_WEAK_TOPICS),
    ],
)
def test_nothing_to_practise_is_a_clear_error(penalty_questions, mode, criteria, message):
    law = Law.objects.get(key="administrative-penalty-law")
    criteria = {k: law.pk if v == "LAW" else v for k, v in criteria.items()}
    with pytest.raises(PracticeError) as caught:
        practice_start(user=UserFactory(), mode=mode, criteria=criteria)
    assert str(caught.value) == str(message)
    assert not PracticeRound.objects.exists()


def test_a_wrong_round_takes_the_questions_in_the_book(penalty_questions):
    user = UserFactory()
    now = timezone.now()
    in_book, out_of_book = penalty_questions[5], penalty_questions[10]
    record_answers(
        user_id=user.pk,
        answers=[
            Answered(in_book.pk, in_book.current_version_id, False, now),
            Answered(out_of_book.pk, out_of_book.current_version_id, True, now),
        ],
        source="mock",
    )
    practice_round = practice_start(user=user, mode="wrong")
    assert list(practice_round.items.values_list("question_id", flat=True)) == [in_book.pk]


# --- My weak topics -------------------------------------------------------------------------------


def test_weak_topics_are_the_lowest_accuracy_from_records_and_finished_attempts(
    penalty_questions, open_session
):
    user = UserFactory()
    now = timezone.now()
    penalty = penalty_questions[5].topic
    # 行政处罚: 1 right in 4 through the records (practice).
    answers = [
        Answered(q.pk, q.current_version_id, n == 5, now)
        for n, q in penalty_questions.items()
        if n != 40
    ]
    record_answers(user_id=user.pk, answers=answers, source="practice")
    # 宪法: a finished exam attempt with every answer wrong, counted from its slots.
    from exams.models import Candidate

    Candidate.objects.create(session=open_session, user=user)
    attempt = attempt_start(session=open_session, user=user)
    attempt_submit(attempt_id=attempt.pk, user=user)
    accuracy = topic_accuracy(user.pk)
    assert accuracy[penalty.pk] == ("行政处罚", 4, 1)
    assert accuracy[open_session.blueprint.sections.first().topics.first().pk] == ("宪法", 20, 0)
    weak = weak_topics(user.pk)
    assert [t.name for t in weak] == ["宪法", "行政处罚"]
    assert weak[1].accuracy == 25
    practice_round = practice_start(user=user, mode="weak")
    assert practice_round.criteria == {"topics": [t.topic_id for t in weak]}
    assert practice_round.title == "薄弱知识点练习：宪法、行政处罚"


def test_a_question_with_a_record_is_not_counted_again_from_attempts(penalty_questions):
    user = UserFactory()
    q = penalty_questions[5]
    now = timezone.now()
    record_answers(
        user_id=user.pk,
        answers=[Answered(q.pk, q.current_version_id, False, now)] * (WEAK_MIN_ANSWERS - 1),
        source="practice",
    )
    assert weak_topics(user.pk) == []  # two answers are not enough to call a topic weak
    record_answers(
        user_id=user.pk, answers=[Answered(q.pk, q.current_version_id, True, now)], source="daily"
    )
    assert [(t.answered, t.right) for t in weak_topics(user.pk)] == [(3, 1)]


# --- Answering ----------------------------------------------------------------------------------


def test_an_answer_is_checked_counted_recorded_and_given_feedback(penalty_questions):
    user = UserFactory()
    law = Law.objects.get(key="administrative-penalty-law")
    practice_round = practice_start(user=user, mode="law", criteria={"law": law.pk})
    items = list(practice_round.items.select_related("question_version"))
    first = items[0]
    result = practice_answer(user=user, item=first, selected=_wrong(first))
    assert result.correct is False
    assert (result.answered_count, result.question_count, result.finished) == (1, 5, False)
    feedback = result.feedback
    assert feedback.key_letters and feedback.key_letters != feedback.chosen_letters
    assert feedback.explanation.startswith("见第")
    assert [a.article.version.law.key for a in feedback.articles] == ["administrative-penalty-law"]
    assert feedback.articles[0].paragraphs and feedback.articles[0].is_amended is False
    record = QuestionRecord.objects.get(user=user, question_id=first.question_id)
    assert record.in_book and record.wrong_source == "practice"
    assert record.wrong_source_id == practice_round.pk
    for item in items[1:]:
        practice_answer(user=user, item=item.pk, selected=_key(item))
    practice_round.refresh_from_db()
    assert (practice_round.answered_count, practice_round.correct_count) == (5, 4)
    assert practice_round.finished_at is not None
    assert QuestionRecord.objects.filter(user=user).count() == 5


def test_an_item_is_answered_once_and_only_by_its_owner(exam_bank):
    user, other = UserFactory(), UserFactory()
    practice_round = practice_start(user=user, mode="topic", criteria={"topic": exam_bank.pk})
    item = practice_round.items.select_related("question_version").first()
    with pytest.raises(PracticeError) as caught:
        practice_answer(user=other, item=item, selected=_key(item))
    assert str(caught.value) == str(ERR_NO_ITEM)
    practice_answer(user=user, item=item, selected=_key(item))
    with pytest.raises(PracticeError) as caught:
        practice_answer(user=user, item=item, selected=_wrong(item))
    assert str(caught.value) == str(ERR_ALREADY_ANSWERED)
    item.refresh_from_db()
    assert item.correct is True and item.selected == sorted(_key(item))
    assert QuestionRecord.objects.get(user=user).times_answered == 1
    assert not QuestionRecord.objects.filter(user=other).exists()


def test_foreign_options_and_two_answers_to_a_single_choice_are_refused(exam_bank):
    user = UserFactory()
    practice_round = practice_start(user=user, mode="topic", criteria={"topic": exam_bank.pk})
    single = next(
        i
        for i in practice_round.items.select_related("question_version")
        if i.question_version.kind == "single"
    )
    for selected, message in (
        ([999999], ERR_BAD_OPTIONS),
        (single.option_order[:2], ERR_ONE_ANSWER),
    ):
        with pytest.raises(PracticeError) as caught:
            practice_answer(user=user, item=single, selected=selected)
        assert str(caught.value) == str(message)
    single.refresh_from_db()
    assert single.answered_at is None


def test_a_multiple_choice_needs_every_right_option(exam_bank):
    user = UserFactory()
    practice_round = practice_start(
        user=user, mode="topic", criteria={"topic": exam_bank.pk}, seed=1
    )
    multiple = [
        i
        for i in practice_round.items.select_related("question_version")
        if i.question_version.kind == "multiple"
    ][:2]
    assert len(multiple) == 2
    assert (
        practice_answer(user=user, item=multiple[0], selected=_key(multiple[0])[:2]).correct
        is False
    )
    assert practice_answer(user=user, item=multiple[1], selected=_key(multiple[1])).correct is True


def test_feedback_quotes_the_cited_version_marks_an_amended_one_and_links_the_lessons(
    exam_bank,
    make_course,  # noqa: F811
):
    old = Article.objects.get(
        version__law__key="administrative-reconsideration-law", version__is_current=False, number=9
    )
    topic = topic_by_path("行政法/行政复议")
    question = question_create(
        topic=topic,
        kind="true_false",
        stem="行政复议申请期限为六十日。",
        answer_true=True,
        articles=[Article.objects.get(version__law__key="constitution", number=2)],
    )
    # Written against the 2017 text, reviewed as still right after the 2023 amendment.
    from exams.models import Citation

    Citation.objects.filter(version=question.current_version).update(article=old)
    make_course(
        slug="fuyi", lessons=2, body=[block("law_article", {"article": old.pk, "note": ""})]
    )
    unrelated = Article.objects.get(version__law__key="constitution", number=5)
    make_course(slug="other", lessons=1, body=[block("law_article", {"article": unrelated.pk})])
    user = UserFactory()
    practice_round = practice_start(user=user, mode="topic", criteria={"topic": topic.pk})
    item = practice_round.items.get()
    assert item.question_id == question.pk
    feedback = practice_answer(
        user=user, item=item, selected=[item.question_version.correct_ids[0]]
    ).feedback
    [cited] = feedback.articles
    assert cited.article.pk == old.pk and cited.is_amended is True
    assert cited.paragraphs[0].startswith("公民、法人或者其他组织认为具体行政行为")
    assert [lesson.title for lesson in feedback.lessons] == ["第1课", "第2课"]
    assert all(lesson.url.startswith("/") for lesson in feedback.lessons)


def test_keys_are_not_in_unanswered_items(exam_bank):
    user = UserFactory()
    practice_round = practice_start(user=user, mode="topic", criteria={"topic": exam_bank.pk})
    rows = round_items(practice_round)
    assert all(o.key is None for row in rows for o in row.options)
    assert all(not row.explanation and not row.articles for row in rows)


# --- Practice never touches exams ------------------------------------------------------------


def _exam_state():
    return (
        list(
            Attempt.objects.order_by("pk").values_list(
                "pk", "status", "score", "passed", "finished_at"
            )
        ),
        list(AttemptSlot.objects.order_by("pk").values_list("pk", "selected", "earned", "seq")),
        ItemAnalysis.objects.count(),
        list(ItemStatistic.objects.order_by("pk").values_list("pk", "facility", "discrimination")),
        list(StudyHourEntry.objects.order_by("pk").values_list("pk", "hours")),
        LessonProgress.objects.count(),
    )


def test_practice_never_changes_attempts_results_item_analysis_or_study_hours(open_session):
    user = UserFactory()
    from exams.models import Candidate

    Candidate.objects.create(session=open_session, user=user)
    attempt = attempt_start(session=open_session, user=user)
    attempt_submit(attempt_id=attempt.pk, user=user)
    StudyHourEntry.objects.create(
        user=user,
        source="t",
        year=2026,
        hours=Decimal("2"),
        kind="offline",
        title="培训",
        date=datetime.date(2026, 3, 1),
    )
    before = _exam_state()
    topic = open_session.blueprint.sections.first().topics.first()
    practice_round = practice_start(user=user, mode="topic", criteria={"topic": topic.pk})
    _answer_all(user, practice_round, right=False)
    daily = daily_round(user=user)
    _answer_all(user, daily, right=True)
    assert practice_start(user=user, mode="wrong").question_count > 0
    assert _exam_state() == before
    assert QuestionRecord.objects.filter(user=user).exists()


# --- Daily practice ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("records", "count", "first"),
    [
        # {question: in book?}; questions 1..10 in the pool
        ({}, 5, None),  # nothing seen: any five, all unseen
        ({1: True, 2: True}, 5, {1, 2}),  # the book first
        ({1: False, 2: False, 3: False}, 7, set(range(4, 11))),  # the unseen before the seen
        ({i: False for i in range(1, 10)}, 3, {10}),  # the one unseen, then seen ones
        ({1: True, 2: False}, 10, {1}),  # book, then unseen, then seen, last
        ({1: True, 2: True, 3: True}, 2, None),  # more in the book than the day asks: book only
    ],
)
def test_the_daily_pick_prefers_the_book_then_the_unseen(records, count, first):
    pool = list(range(1, 11))
    picked = daily_pick(pool, records, count, random.Random("seed"))
    assert len(picked) == min(count, len(pool)) and len(set(picked)) == len(picked)
    tiers = [0 if records.get(q) is True else 1 if q not in records else 2 for q in picked]
    assert tiers == sorted(tiers), "book, then unseen, then seen"
    in_book = {q for q, b in records.items() if b}
    unseen = set(pool) - set(records)
    assert set(picked[: len(in_book)]) == (in_book if len(in_book) <= count else set(picked))
    if first is not None:
        assert first <= set(picked[: len(first)]) | set(picked)
        assert set(picked[: len(first)]) == first
    if count >= len(in_book) + len(unseen):
        assert in_book | unseen <= set(picked)


def test_the_daily_pick_is_the_same_for_the_same_seed_and_differs_by_day():
    pool = list(range(100))
    a = daily_pick(pool, {}, 5, random.Random("daily:1:2026-12-01"))
    assert a == daily_pick(list(reversed(pool)), {}, 5, random.Random("daily:1:2026-12-01"))
    assert a != daily_pick(pool, {}, 5, random.Random("daily:1:2026-12-02"))


@override_settings(PRACTICE_DAILY_COUNT=5)
def test_the_daily_round_favours_wrong_then_unseen_questions(exam_bank):
    user = UserFactory()
    now = timezone.now()
    questions = list(practice_questions().order_by("pk"))
    wrong, seen = questions[:2], questions[2:36]  # 4 unseen left
    record_answers(
        user_id=user.pk,
        answers=[Answered(q.pk, q.current_version_id, False, now) for q in wrong]
        + [Answered(q.pk, q.current_version_id, True, now) for q in seen],
        source="practice",
    )
    daily = daily_round(user=user, day=datetime.date(2026, 12, 1))
    picked = list(daily.items.order_by("position").values_list("question_id", flat=True))
    assert daily.mode == PracticeMode.DAILY and daily.question_count == 5
    assert set(picked[:2]) == {q.pk for q in wrong}
    assert set(picked[2:]) <= {q.pk for q in questions[36:]}
    assert daily_round(user=user, day=datetime.date(2026, 12, 1)).pk == daily.pk
    item = daily.items.select_related("question_version").first()
    practice_answer(user=user, item=item, selected=_wrong(item))
    assert (
        QuestionRecord.objects.get(user=user, question_id=item.question_id).wrong_source == "daily"
    )


def test_two_people_get_their_own_daily_round_deterministically(exam_bank):
    first, second = UserFactory(), UserFactory()
    day = datetime.date(2026, 12, 1)
    a = list(daily_round(user=first, day=day).items.values_list("question_id", flat=True))
    PracticeRound.objects.filter(user=first).delete()
    assert list(daily_round(user=first, day=day).items.values_list("question_id", flat=True)) == a
    b = list(daily_round(user=second, day=day).items.values_list("question_id", flat=True))
    assert a != b


def test_a_lost_race_for_the_daily_round_returns_the_winners(exam_bank, monkeypatch):
    user = UserFactory()
    day = datetime.date(2026, 12, 1)
    winner = daily_round(user=user, day=day)
    # The loser saw no round when it looked, then hit the unique constraint on insert.
    from exams.services import practice as module

    real_filter = PracticeRound.objects.filter
    calls = {"n": 0}

    class NoneFirst:
        def first(self):
            return None

    def filter_once(*args, **kwargs):
        calls["n"] += 1
        return NoneFirst() if calls["n"] == 1 else real_filter(*args, **kwargs)

    monkeypatch.setattr(module.PracticeRound.objects, "filter", filter_once)
    assert daily_round(user=user, day=day).pk == winner.pk
    assert PracticeRound.objects.filter(user=user).count() == 1
    with pytest.raises(IntegrityError):
        PracticeRound.objects.create(
            user=user, mode="daily", day=day, title="x", started_at=timezone.now()
        )


# --- Pages --------------------------------------------------------------------------------------


def test_the_chooser_preselects_and_a_post_starts_a_round(client, penalty_questions):
    user = UserFactory()
    client.force_login(user)
    topic = penalty_questions[5].topic
    page = client.get(reverse("exams:practice"), {"topic": topic.pk})
    assert page.status_code == 200
    assert f'value="{topic.pk}" selected' in page.content.decode()
    page = client.get(reverse("exams:practice"), {"law": "administrative-penalty-law"})
    assert 'value="administrative-penalty-law" selected' in page.content.decode()
    response = client.post(reverse("exams:practice"), {"mode": "topic", "topic": topic.pk})
    practice_round = PracticeRound.objects.get(user=user)
    assert response.url == reverse("exams:practice_round", args=[practice_round.pk])
    response = client.post(
        reverse("exams:practice"),
        {"mode": "articles", "law": "administrative-penalty-law", "first": 6, "last": 9},
    )
    assert response.url == reverse("exams:practice") + "?law=administrative-penalty-law"
    page = client.get(response.url)
    assert str(ERR_NOTHING_TO_PRACTISE) in page.content.decode()


def test_a_round_is_answered_one_question_at_a_time_without_script(client, penalty_questions):
    user = UserFactory()
    client.force_login(user)
    law = Law.objects.get(key="administrative-penalty-law")
    practice_round = practice_start(user=user, mode="law", criteria={"law": law.pk})
    url = reverse("exams:practice_round", args=[practice_round.pk])
    page = client.get(url).content.decode()
    assert "第 1 题（共 5 题）" in page and "正确答案" not in page
    for item in practice_round.items.select_related("question_version").order_by("position"):
        response = client.post(url, {"position": item.position, "selected": _wrong(item)})
        assert response.url == f"{url}?show={item.position}#feedback"
        page = client.get(f"{url}?show={item.position}").content.decode()
        assert "回答错误" in page and "见第" in page and "行政处罚法" in page
    summary = client.get(url).content.decode()
    assert "本轮小结" in summary and "共 5 题，答对 0 题，正确率 0%。" in summary
    again = client.post(url, {"position": 1, "selected": [1]})
    assert again.url == f"{url}?show=1#feedback"


def test_the_round_answers_json_for_the_script(client, exam_bank):
    user = UserFactory()
    client.force_login(user)
    practice_round = practice_start(user=user, mode="topic", criteria={"topic": exam_bank.pk})
    item = practice_round.items.select_related("question_version").first()
    url = reverse("exams:practice_round", args=[practice_round.pk])
    data = client.post(
        url, {"position": item.position, "selected": _key(item)}, HTTP_ACCEPT="application/json"
    ).json()
    assert data["ok"] and data["correct"] and data["answered"] == 1
    assert "回答正确" in data["html"] and 'aria-valuenow="1"' in data["progress"]
    refused = client.post(
        url, {"position": item.position, "selected": _key(item)}, HTTP_ACCEPT="application/json"
    )
    assert refused.status_code == 400 and refused.json()["error"] == str(ERR_ALREADY_ANSWERED)


def test_another_persons_round_is_404_and_cannot_be_answered(client, exam_bank):
    owner, other = UserFactory(), UserFactory()
    practice_round = practice_start(user=owner, mode="topic", criteria={"topic": exam_bank.pk})
    item = practice_round.items.select_related("question_version").first()
    client.force_login(other)
    url = reverse("exams:practice_round", args=[practice_round.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"position": 1, "selected": _key(item)}).status_code == 404
    item.refresh_from_db()
    assert item.answered_at is None


def test_the_daily_page_shows_the_streak_and_a_post_makes_todays_round(client, exam_bank):
    user = UserFactory()
    today = timezone.localdate()
    for n in (1, 2, 3):
        past = daily_round(user=user, day=today - datetime.timedelta(days=n))
        _answer_all(user, past, right=True)
    client.force_login(user)
    page = client.get(reverse("exams:daily")).content.decode()
    assert "已连续练习 <strong>3</strong> 天" in page and "开始今日练习" in page
    response = client.post(reverse("exams:daily"))
    todays = PracticeRound.objects.get(user=user, day=today)
    assert response.url == reverse("exams:practice_round", args=[todays.pk])
    assert "继续今日练习" in client.get(reverse("exams:daily")).content.decode()


def test_my_exams_links_to_practice_and_daily_practice(client):
    client.force_login(UserFactory())
    page = client.get(reverse("exams:my_exams")).content.decode()
    assert f'href="{reverse("exams:practice")}"' in page
    assert f'href="{reverse("exams:daily")}"' in page


# --- Query budgets ------------------------------------------------------------------------------


def _round_with(user, size: int, *, answered: bool) -> str:
    """A round of ``size`` questions, all answered (the summary with every feedback) or just
    the first (the next question); its page's URL, opened once (the site's root paths are
    cached after the first page)."""
    with override_settings(PRACTICE_ROUND_SIZE=size):
        practice_round = practice_start(
            user=user, mode="topic", criteria={"topic": Question.objects.first().topic_id}
        )
    items = list(practice_round.items.select_related("question_version"))
    for item in items[: len(items) if answered else 1]:
        practice_answer(user=user, item=item, selected=_key(item))
    return reverse("exams:practice_round", args=[practice_round.pk])


@pytest.mark.parametrize("answered", [False, True])
def test_the_round_page_queries_do_not_grow_with_the_round(
    client,
    exam_bank,
    make_course,  # noqa: F811
    django_assert_num_queries,
    answered,
):
    article = Article.objects.get(version__law__key="constitution", number=2)
    make_course(slug="xianfa", lessons=3, body=[block("law_article", {"article": article.pk})])
    user = UserFactory()
    client.force_login(user)
    small, large = _round_with(user, 3, answered=answered), _round_with(user, 30, answered=answered)
    client.get(small)
    client.get(large)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(small)
    assert page.status_code == 200
    with django_assert_num_queries(len(queries)):
        page = client.get(large)
    assert ("本轮小结" in page.content.decode()) is answered
    if answered:
        assert "第1课" in page.content.decode()


def test_the_chooser_queries_do_not_grow_with_rounds_or_questions(
    client, penalty_questions, django_assert_num_queries
):
    user = UserFactory()
    client.force_login(user)
    topic = penalty_questions[5].topic
    practice_start(user=user, mode="topic", criteria={"topic": topic.pk})
    client.get(reverse("exams:practice"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("exams:practice"))
    for _ in range(6):
        _answer_all(
            user, practice_start(user=user, mode="topic", criteria={"topic": topic.pk}), right=False
        )
    for n in range(5):
        question_create(
            topic=topic_by_path(f"行政法/新知识点{n}", create=True),
            kind="true_false",
            stem=f"新题{n}",
            answer_true=True,
            articles=[Article.objects.get(version__law__key="constitution", number=3)],
        )
    with django_assert_num_queries(len(few)):
        page = client.get(reverse("exams:practice"))
    assert "行政处罚" in page.content.decode()
