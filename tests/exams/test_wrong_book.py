"""The wrong-answer book (错题本): it fills from practice, finished mock exams and released
reviews (each attempt once, whatever the order of events), empties after two right answers,
never counts a voided attempt, shows only the person's own questions, on the page and in the
PDF, with a fixed number of queries."""

import io
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from cms.laws.models import Article
from cms.people.models import Role
from cms.people.services import role_assign
from exams.formats.base import ParsedOption
from exams.models import (
    AnswerSource,
    BookedAttempt,
    ExamKind,
    ExamSession,
    PracticeRound,
    Question,
    QuestionRecord,
    ResultRelease,
    ReviewPolicy,
)
from exams.services import (
    answer_save,
    attempt_start,
    attempt_submit,
    attempt_void,
    question_create,
    session_release_results,
    topic_by_path,
)
from exams.services.practice_record import Answered, record_answers
from exams.services.wrong_book import attempt_book, wrong_book_sync
from exams.tokens import token_for, token_read
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BOOK = "/exams/wrong-answers/"
WRONG_COUNT = 3  # questions each sitting below gets wrong


@pytest.fixture
def candidate(org):
    return UserFactory(org_unit=org.departments[org.districts[0].code][0], name="李学员")


@pytest.fixture
def admin(org):
    user = UserFactory(org_unit=org.city)
    role_assign(user=user, role=Role.EXAM_ADMIN, scope=org.city)
    return user


def _session(blueprint, org, admin, **fields):
    now = timezone.now()
    values = dict(
        title="依法行政知识模拟考试",
        kind=ExamKind.MOCK,
        blueprint=blueprint,
        opens_at=now - timedelta(hours=2),
        closes_at=now + timedelta(days=30),
        duration_minutes=60,
        attempts_allowed=5,
        eligible_unit=org.city,
        created_by=admin,
    )
    values.update(fields)
    return ExamSession.objects.create(**values)


@pytest.fixture
def mock_session(blueprint, org, admin):
    return _session(blueprint, org, admin, review_policy=ReviewPolicy.FULL_AFTER_SUBMIT)


@pytest.fixture
def reviewed_session(blueprint, org, admin):
    """An annual exam whose full review opens after the close, once results are released."""
    return _session(
        blueprint,
        org,
        admin,
        title="2026年度学法考试",
        kind=ExamKind.ANNUAL_LAW,
        attempts_allowed=1,
        closes_at=timezone.now() + timedelta(hours=3),
        review_policy=ReviewPolicy.FULL_AFTER_CLOSE,
        result_release=ResultRelease.MANUAL,
    )


def _sit(session, user, *, wrong=WRONG_COUNT, submit=True):
    """Answer every question, the first ``wrong`` of them wrongly; hand in."""
    attempt = attempt_start(session=session, user=user)
    token = token_read(
        token_for(attempt_id=attempt.pk, user_id=user.pk, deadline=attempt.deadline),
        now=time.time(),
    )
    wrong_questions = []
    for slot in attempt.slots.select_related("question_version").order_by("position"):
        key = slot.question_version.correct_ids
        if slot.position <= wrong:
            chosen = [i for i in slot.option_order if i not in key][:1]
            wrong_questions.append(slot.question_version.question_id)
        else:
            chosen = key
        answer_save(token=token, position=slot.position, selected=chosen, seq=1, now=time.time())
    if submit:
        attempt = attempt_submit(attempt_id=attempt.pk, user=user)
    return attempt, wrong_questions


def _close(session):
    ExamSession.objects.filter(pk=session.pk).update(
        closes_at=timezone.now() - timedelta(minutes=1)
    )
    session.refresh_from_db()


def _book(user):
    return {r.question_id: r for r in QuestionRecord.objects.filter(user=user, in_book=True)}


def _records(user):
    return {
        r.question_id: (r.times_answered, r.times_wrong)
        for r in QuestionRecord.objects.filter(user=user)
    }


def _question(exam_bank, n=0):
    return Question.objects.select_related("current_version").order_by("pk")[n]


def _practise(user, question, *, correct, minutes=0, round_=None, chosen=None):
    version = question.current_version
    if chosen is None:
        key = version.correct_ids
        chosen = key if correct else [o["id"] for o in version.options if o["id"] not in key][:1]
    record_answers(
        user_id=user.pk,
        answers=[
            Answered(
                question_id=question.pk,
                version_id=version.pk,
                correct=correct,
                at=timezone.now() + timedelta(minutes=minutes),
                selected=chosen,
            )
        ],
        source=AnswerSource.PRACTICE,
        source_id=round_.pk if round_ else None,
    )


def _round(user, title="按知识点练习：宪法"):
    return PracticeRound.objects.create(
        user=user, mode="topic", title=title, started_at=timezone.now()
    )


# --- Filling the book ------------------------------------------------------------------------


def test_practice_fills_the_book_and_two_right_answers_empty_it(client, candidate, exam_bank):
    question = _question(exam_bank)
    _practise(candidate, question, correct=False, round_=_round(candidate))
    client.force_login(candidate)
    page = client.get(BOOK).content.decode()
    assert question.current_version.stem in page
    assert "再答对 2 次移出错题本" in page
    _practise(candidate, question, correct=True, minutes=1)
    assert "再答对 1 次移出错题本" in client.get(BOOK).content.decode()
    _practise(candidate, question, correct=True, minutes=2)
    page = client.get(BOOK).content.decode()
    assert question.current_version.stem not in page
    assert "错题本是空的" in page


def test_a_finished_mock_exam_feeds_the_book_once(candidate, mock_session):
    attempt, wrong = _sit(mock_session, candidate)
    booking = BookedAttempt.objects.get(attempt=attempt)
    assert (booking.source, booking.answers) == (AnswerSource.MOCK, 20)
    book = _book(candidate)
    assert set(book) == set(wrong)
    assert {(r.wrong_source, r.wrong_source_id) for r in book.values()} == {("mock", attempt.pk)}
    before = _records(candidate)
    assert len(before) == 20  # every answered question counted once, right or wrong
    # Opening the book, submitting again, booking again: nothing is recorded twice.
    assert wrong_book_sync(user=candidate) == 0
    attempt_submit(attempt_id=attempt.pk, user=candidate)
    assert attempt_book(attempt=attempt) is False
    assert _records(candidate) == before
    # The selected options kept are ids of the version the candidate got wrong.
    record = book[wrong[0]]
    assert set(record.wrong_selected) <= {o["id"] for o in record.wrong_version.options}


def test_a_mock_that_shows_no_review_is_not_booked(candidate, blueprint, org, admin):
    """The book shows keys: a mock whose policy keeps them back feeds nothing to it."""
    session = _session(blueprint, org, admin, review_policy=ReviewPolicy.SCORE_ONLY)
    _sit(session, candidate)
    wrong_book_sync(user=candidate)
    assert not BookedAttempt.objects.exists()
    assert not QuestionRecord.objects.filter(user=candidate).exists()


def test_a_second_mock_sitting_answered_right_takes_its_questions_out(candidate, mock_session):
    first, wrong = _sit(mock_session, candidate)
    _sit(mock_session, candidate, wrong=0)
    _sit(mock_session, candidate, wrong=0)
    # Each question answered right in both later sittings that drew it twice left the book.
    records = QuestionRecord.objects.filter(user=candidate, question_id__in=wrong)
    for record in records:
        assert record.in_book == (record.right_streak < 2)
    assert BookedAttempt.objects.filter(attempt__user=candidate).count() == 3


def test_a_released_review_feeds_the_book_once_whatever_the_order(
    candidate, reviewed_session, admin, django_capture_on_commit_callbacks
):
    attempt, wrong = _sit(reviewed_session, candidate)
    assert not BookedAttempt.objects.exists()  # not a mock: the review is not out
    assert wrong_book_sync(user=candidate) == 0
    _close(reviewed_session)
    assert wrong_book_sync(user=candidate) == 0  # closed, results not released
    assert _book(candidate) == {}
    with django_capture_on_commit_callbacks(execute=True):
        session_release_results(session=reviewed_session, actor=admin)
    booking = BookedAttempt.objects.get(attempt=attempt)
    assert booking.source == AnswerSource.REVIEW
    assert set(_book(candidate)) == set(wrong)
    before = _records(candidate)
    assert wrong_book_sync(user=candidate) == 0
    with django_capture_on_commit_callbacks(execute=True):
        session_release_results(session=reviewed_session, actor=admin)  # released again
    assert _records(candidate) == before
    assert all(times == (1, int(q in wrong)) for q, times in before.items())


def test_a_review_opened_by_the_clock_is_booked_when_the_book_is_opened(
    client, candidate, blueprint, org, admin
):
    session = _session(
        blueprint,
        org,
        admin,
        title="2026年度学法考试（结束后公布）",
        kind=ExamKind.ANNUAL_LAW,
        review_policy=ReviewPolicy.FULL_AFTER_CLOSE,
        result_release=ResultRelease.AT_CLOSE,
    )
    attempt, wrong = _sit(session, candidate)
    client.force_login(candidate)
    assert "错题本是空的" in client.get(BOOK).content.decode()
    _close(session)
    page = client.get(BOOK).content.decode()
    assert BookedAttempt.objects.get(attempt=attempt).source == AnswerSource.REVIEW
    assert "考试回顾" in page and session.title in page
    assert set(_book(candidate)) == set(wrong)


def test_reviews_that_never_open_never_feed_the_book(candidate, blueprint, org, admin):
    session = _session(
        blueprint,
        org,
        admin,
        title="任前法律知识考试",
        kind=ExamKind.PRE_APPOINTMENT,
        review_policy=ReviewPolicy.SCORE_ONLY,
        result_release=ResultRelease.IMMEDIATELY,
    )
    _sit(session, candidate)
    _close(session)
    assert wrong_book_sync(user=candidate) == 0
    assert not QuestionRecord.objects.filter(user=candidate).exists()


def test_voided_attempts_never_count(candidate, mock_session, reviewed_session, admin):
    running, _wrong = _sit(mock_session, candidate, submit=False)
    attempt_void(attempt_id=running.pk, actor=admin, reason="替考", legal_basis="考场规则第5条")
    reviewed, _wrong = _sit(reviewed_session, candidate)
    attempt_void(attempt_id=reviewed.pk, actor=admin, reason="夹带", legal_basis="考场规则第5条")
    _close(reviewed_session)
    session_release_results(session=reviewed_session, actor=admin)
    assert wrong_book_sync(user=candidate) == 0
    assert not BookedAttempt.objects.exists()
    assert not QuestionRecord.objects.filter(user=candidate).exists()


def test_unanswered_questions_are_not_counted_as_wrong(candidate, mock_session):
    attempt = attempt_start(session=mock_session, user=candidate)
    attempt_submit(attempt_id=attempt.pk, user=candidate)
    assert BookedAttempt.objects.get(attempt=attempt).answers == 0
    assert not QuestionRecord.objects.filter(user=candidate).exists()


def test_a_later_regrade_does_not_count_the_attempt_again(candidate, mock_session):
    """A key correction rescoring a booked paper leaves the book as it was booked: the
    booking is kept, so neither the sync nor another booking records the answers twice."""
    attempt, wrong = _sit(mock_session, candidate)
    before = _records(candidate)
    attempt.slots.filter(position=1).update(earned=0)  # as a rescoring would leave it
    attempt.refresh_from_db()
    assert attempt_book(attempt=attempt) is False
    assert wrong_book_sync(user=candidate) == 0
    assert _records(candidate) == before


# --- The page --------------------------------------------------------------------------------


@pytest.fixture
def amended_question(exam_bank):
    """A question citing 行政复议法 as it stood before the 2023 revision."""
    old = (
        Article.objects.filter(version__law__key="administrative-reconsideration-law")
        .filter(version__is_current=False)
        .order_by("number")
        .select_related("version__law")[1]
    )
    question = question_create(
        topic=topic_by_path("宪法"),
        kind="single",
        stem="关于行政复议申请期限，下列说法正确的是",
        explanation="复议申请期限为六十日。",
        articles=[old],
        options=[
            ParsedOption("六十日", True),
            ParsedOption("三十日", False),
            ParsedOption("十五日", False),
        ],
    )
    return Question.objects.select_related("current_version").get(pk=question.pk), old


def test_the_entry_shows_answer_key_explanation_article_and_where_it_was_wrong(
    client, candidate, amended_question
):
    question, article = amended_question
    version = question.current_version
    wrong_option = version.options[2]
    round_ = _round(candidate, title="按法律法规练习：行政复议法")
    _practise(candidate, question, correct=False, round_=round_, chosen=[wrong_option["id"]])
    client.force_login(candidate)
    response = client.get(BOOK)
    page = response.content.decode()
    assert response.status_code == 200
    assert version.stem in page
    assert "您的答案</dt><dd>C</dd>" in page.replace("\n", "")
    assert "正确答案</dt><dd>A</dd>" in page.replace("\n", "")
    assert wrong_option["text"] in page and "您的选择" in page
    assert version.explanation in page
    assert article.text.splitlines()[0].strip() in page
    assert "本条引用的是旧版本条文" in page  # the cited version is no longer current
    assert "出错：练习" in page and round_.title in page
    assert "答错 1 次" in page


def test_the_practise_button_links_to_practice_of_the_wrong_answers(client, candidate, exam_bank):
    _practise(candidate, _question(exam_bank), correct=False)
    client.force_login(candidate)
    page = client.get(BOOK).content.decode()
    assert f'href="{reverse("exams:practice")}?mode=wrong"' in page


def test_filters_by_topic_and_by_law(client, candidate, exam_bank, amended_question):
    other_topic = topic_by_path("行政许可")
    licensing = Article.objects.get(version__law__key="administrative-licensing-law", number=42)
    licensing_question = question_create(
        topic=other_topic,
        kind="true_false",
        stem="行政许可一般应当在受理之日起二十日内作出决定",
        answer_true=True,
        articles=[licensing],
    )
    constitution_question = _question(exam_bank)
    reconsideration_question, _article = amended_question
    for question in (licensing_question, constitution_question, reconsideration_question):
        question = Question.objects.select_related("current_version").get(pk=question.pk)
        _practise(candidate, question, correct=False)
    client.force_login(candidate)
    everything = client.get(BOOK).content.decode()
    assert "共 3 道错题" in everything
    by_topic = client.get(BOOK, {"topic": other_topic.pk}).content.decode()
    assert licensing_question.current_version.stem in by_topic
    assert constitution_question.current_version.stem not in by_topic
    by_law = client.get(BOOK, {"law": "administrative-reconsideration-law"}).content.decode()
    assert reconsideration_question.current_version.stem in by_law
    assert licensing_question.current_version.stem not in by_law
    assert constitution_question.current_version.stem not in by_law
    nothing = client.get(
        BOOK, {"topic": other_topic.pk, "law": "administrative-reconsideration-law"}
    ).content.decode()
    assert "没有符合筛选条件的错题" in nothing
    unknown = client.get(BOOK, {"topic": "x", "law": "<script>"}).content.decode()
    assert "共 3 道错题" in unknown  # an unknown filter is ignored


def test_pages_of_ten(client, candidate, exam_bank):
    questions = list(Question.objects.select_related("current_version").order_by("pk")[:12])
    for minutes, question in enumerate(questions):
        _practise(candidate, question, correct=False, minutes=minutes)
    client.force_login(candidate)
    first = client.get(BOOK).content.decode()
    second = client.get(BOOK, {"page": 2}).content.decode()
    newest, oldest = questions[-1].current_version.stem, questions[0].current_version.stem
    assert f">{newest}<" in first and f">{oldest}<" not in first
    assert f">{oldest}<" in second and "第 2 / 2 页" in second
    assert 'rel="next"' in first and 'rel="prev"' in second


def test_another_persons_questions_never_show(client, candidate, org, exam_bank, mock_session):
    other = UserFactory(org_unit=candidate.org_unit)
    mine, theirs = _question(exam_bank, 0), _question(exam_bank, 1)
    _practise(candidate, mine, correct=False)
    _practise(other, theirs, correct=False)
    _sit(mock_session, other)
    client.force_login(candidate)
    page = client.get(BOOK).content.decode()
    assert mine.current_version.stem in page and theirs.current_version.stem not in page
    assert "共 1 道错题" in page
    pdf = _pdf_text(client.get(reverse("exams:wrong_book_pdf")))
    assert mine.current_version.stem in pdf and theirs.current_version.stem not in pdf
    # Nor through a filter naming a topic or law only the other person's book holds.
    other_book = QuestionRecord.objects.filter(user=other, in_book=True)
    assert other_book.count() > 1
    assert "共 1 道错题" in client.get(BOOK, {"topic": exam_bank.pk}).content.decode()


def test_anonymous_is_sent_to_the_login(client):
    for url in (BOOK, reverse("exams:wrong_book_pdf")):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_the_book_takes_the_same_queries_for_one_entry_or_ten(
    client, candidate, exam_bank, mock_session, django_assert_num_queries
):
    questions = list(Question.objects.select_related("current_version").order_by("pk")[:10])
    round_ = _round(candidate)
    _practise(candidate, questions[0], correct=False, round_=round_)
    _sit(mock_session, candidate, wrong=1)
    client.force_login(candidate)
    client.get(BOOK)  # the session's first request loads the user's things once
    with django_assert_num_queries(12) as small:  # 11, and the header's unread count
        assert client.get(BOOK).status_code == 200
    for minutes, question in enumerate(questions[1:], start=1):
        _practise(candidate, question, correct=False, round_=round_, minutes=minutes)
    _sit(mock_session, candidate, wrong=5)
    assert QuestionRecord.objects.filter(user=candidate, in_book=True).count() >= 10
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(BOOK).status_code == 200


# --- The PDF ---------------------------------------------------------------------------------


def _pdf_text(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "".join(page.extract_text() for page in reader.pages).replace(" ", "")


def test_the_pdf_holds_the_stem_the_key_and_the_article(
    client, candidate, exam_bank, amended_question
):
    question, article = amended_question
    _practise(candidate, question, correct=False)
    constitution = _question(exam_bank)
    _practise(candidate, constitution, correct=False)
    client.force_login(candidate)
    response = client.get(reverse("exams:wrong_book_pdf"))
    assert "attachment" in response["Content-Disposition"]
    text = _pdf_text(response)
    assert question.current_version.stem in text
    assert "正确答案：A" in text
    assert article.text.splitlines()[0].strip().replace(" ", "")[:20] in text
    assert constitution.current_version.stem in text
    filtered = _pdf_text(
        client.get(reverse("exams:wrong_book_pdf"), {"law": "administrative-reconsideration-law"})
    )
    assert question.current_version.stem in filtered
    assert constitution.current_version.stem not in filtered
