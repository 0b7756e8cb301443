"""Mock exams that teach: the review right after submit, the weak topics with their lessons
and practice links, the retake button; formal exams keep their review policy."""

import re
import time
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page, Site

from cms.courses.models import CourseIndexPage, CoursePage, HomePage, LessonPage
from cms.courses.selectors import lessons_citing
from cms.laws.models import Article
from exams.formats.base import ParsedOption
from exams.models import (
    ERR_REVIEW_POLICY_MOCK_ONLY,
    Blueprint,
    BlueprintSection,
    Candidate,
    ExamKind,
    ExamSession,
    QuestionVersion,
    ResultRelease,
    ReviewPolicy,
)
from exams.selectors import review_visible
from exams.selectors_mock import mock_weak_topics
from exams.services import answer_save, attempt_start, attempt_submit, question_create
from exams.services.questions import topic_by_path
from exams.tokens import token_for, token_read
from tests.factories import UserFactory, give_totp

pytestmark = pytest.mark.django_db

EXPLANATION = "本题解析：依据宪法第二条，一切权力属于人民。"
KEY_MARK = 'class="badge badge--ok"'  # the review's 正确答案 badge (answered_question.html)


@pytest.fixture
def candidate(org):
    return UserFactory(org_unit=org.departments[org.districts[0].code][0])


@pytest.fixture
def classmate(org):
    """Another candidate of the same session, still sitting it."""
    return UserFactory(org_unit=org.departments[org.districts[1].code][0])


@pytest.fixture
def explained(exam_bank):
    QuestionVersion.objects.update(explanation=EXPLANATION)


def _session(blueprint, org, **kwargs):
    now = timezone.now()
    values = {
        "title": "依法行政知识模拟考试",
        "kind": ExamKind.MOCK,
        "blueprint": blueprint,
        "opens_at": now - timedelta(hours=1),
        "closes_at": now + timedelta(days=30),
        "duration_minutes": 60,
        "attempts_allowed": 3,
        "review_policy": ReviewPolicy.FULL_AFTER_SUBMIT,
        "eligible_unit": org.city,
    }
    values.update(kwargs)
    session = ExamSession(**values)
    session.full_clean()
    session.save()
    return session


def _save(attempt, position, selected, seq=1):
    token = token_read(
        token_for(attempt_id=attempt.pk, user_id=attempt.user_id, deadline=attempt.deadline),
        now=time.time(),
    )
    return answer_save(token=token, position=position, selected=selected, seq=seq, now=time.time())


def _sit(session, user, *, right=None, wrong_positions=()):
    """Start, answer (the key, except at ``wrong_positions`` where a wrong option) and submit."""
    attempt = attempt_start(session=session, user=user)
    for slot in attempt.slots.select_related("question_version").order_by("position"):
        key = slot.question_version.correct_ids
        if slot.position in wrong_positions:
            chosen = [next(o for o in slot.option_order if o not in key)]
        else:
            chosen = key
        _save(attempt, slot.position, chosen)
    return attempt_submit(attempt_id=attempt.pk, user=user)


def _url(name, attempt):
    return reverse(f"exams:{name}", args=[attempt.pk])


# --- The policy ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind",
    [
        ExamKind.PRE_APPOINTMENT,
        ExamKind.ANNUAL_ROTATION,
        ExamKind.ANNUAL_LAW,
        ExamKind.QUALIFICATION,
    ],
)
def test_only_a_mock_may_show_keys_right_after_submit(blueprint, org, kind):
    with pytest.raises(ValidationError) as error:
        _session(blueprint, org, kind=kind)
    assert error.value.message_dict["review_policy"] == [str(ERR_REVIEW_POLICY_MOCK_ONLY)]
    session = _session(blueprint, org)
    session.kind = kind  # turning a mock into a formal exam keeps the rule
    with pytest.raises(ValidationError):
        session.full_clean()


def _form_data(blueprint, org, **overrides):
    opens = timezone.localtime() + timedelta(days=1)
    data = {
        "title": "新建模拟考试",
        "kind": ExamKind.MOCK,
        "blueprint": str(blueprint.pk),
        "opens_at": opens.strftime("%Y-%m-%d %H:%M"),
        "closes_at": (opens + timedelta(days=7)).strftime("%Y-%m-%d %H:%M"),
        "duration_minutes": "30",
        "attempts_allowed": "5",
        "pass_mark": "60",
        "scoring": "all_or_nothing",
        "result_release": ResultRelease.IMMEDIATELY,
        "review_policy": ReviewPolicy.SCORE_ONLY,  # the field's default, left untouched
        "eligible_unit": str(org.city.pk),
        "instructions": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def admin_client(client, org):
    user = UserFactory(org_unit=org.city, is_superuser=True, is_staff=True)
    give_totp(user)
    client.force_login(user)
    return client


def test_the_admin_form_makes_review_after_submit_the_mock_default(admin_client, blueprint, org):
    add = reverse("exams_sessions:add")
    assert admin_client.post(add, _form_data(blueprint, org)).status_code == 302
    mock = ExamSession.objects.get(title="新建模拟考试")
    assert mock.review_policy == ReviewPolicy.FULL_AFTER_SUBMIT
    # a formal exam left at the default shows the score only
    data = _form_data(blueprint, org, title="年度考试", kind=ExamKind.ANNUAL_LAW)
    assert admin_client.post(add, data).status_code == 302
    assert ExamSession.objects.get(title="年度考试").review_policy == ReviewPolicy.SCORE_ONLY
    # and may not choose the mock's policy
    data = _form_data(
        blueprint,
        org,
        title="任前考试",
        kind=ExamKind.PRE_APPOINTMENT,
        review_policy=ReviewPolicy.FULL_AFTER_SUBMIT,
    )
    response = admin_client.post(add, data)
    assert response.status_code == 200
    assert response.context["form"].errors["review_policy"] == [str(ERR_REVIEW_POLICY_MOCK_ONLY)]
    assert not ExamSession.objects.filter(title="任前考试").exists()
    # nor turn the mock into a formal exam while it holds it
    edit = reverse("exams_sessions:edit", args=[mock.pk])
    data = _form_data(blueprint, org, kind=ExamKind.ANNUAL_LAW, review_policy="full_after_submit")
    response = admin_client.post(edit, data)
    assert response.status_code == 200 and "review_policy" in response.context["form"].errors
    mock.refresh_from_db()
    assert mock.kind == ExamKind.MOCK


def test_an_explicit_choice_on_a_mock_is_kept(admin_client, blueprint, org):
    data = _form_data(blueprint, org, review_policy=ReviewPolicy.NONE)
    assert admin_client.post(reverse("exams_sessions:add"), data).status_code == 302
    assert ExamSession.objects.get(title="新建模拟考试").review_policy == ReviewPolicy.NONE


def test_editing_a_mock_keeps_its_policy(admin_client, blueprint, org):
    session = _session(blueprint, org, review_policy=ReviewPolicy.SCORE_ONLY)
    data = _form_data(blueprint, org, title="改名的模拟考试")
    response = admin_client.post(reverse("exams_sessions:edit", args=[session.pk]), data)
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.title == "改名的模拟考试"
    assert session.review_policy == ReviewPolicy.SCORE_ONLY


# --- The review right after submit -----------------------------------------------------------


def test_mock_review_opens_right_after_submit_with_keys_and_explanations(
    client, blueprint, org, candidate, explained
):
    session = _session(blueprint, org)
    attempt = _sit(session, candidate, wrong_positions={1, 2})
    client.force_login(candidate)
    html = client.get(_url("result", attempt)).content.decode()
    assert reverse("exams:review", args=[attempt.pk]) in html and "查看答卷与解析" in html
    response = client.get(_url("review", attempt))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count(EXPLANATION) == 20 and html.count(KEY_MARK) >= 20
    assert "本场考试不提供答卷回顾" not in html
    assert "/laws/constitution/" in html


def test_no_key_reaches_the_page_while_the_attempt_runs(
    client, blueprint, org, candidate, classmate, explained
):
    session = _session(blueprint, org)
    running = attempt_start(session=session, user=candidate)
    client.force_login(candidate)
    for name in ("attempt", "submit", "review"):
        response = client.get(_url(name, running))
        html = response.content.decode()
        assert EXPLANATION not in html, name
        assert KEY_MARK not in html and "is-key" not in html, name
    assert client.get(_url("review", running)).status_code == 403
    assert client.get(_url("result", running)).status_code == 302  # back to the paper
    assert not review_visible(running)


def test_another_candidate_still_sitting_sees_no_key(
    client, blueprint, org, candidate, classmate, explained
):
    session = _session(blueprint, org)
    done = _sit(session, candidate)
    theirs = attempt_start(session=session, user=classmate)
    client.force_login(classmate)
    # the finished candidate's review is not theirs to open
    assert client.get(_url("review", done)).status_code == 404
    assert client.get(_url("result", done)).status_code == 404
    # their own paper and review stay without keys while they sit
    for name in ("attempt", "review"):
        html = client.get(_url(name, theirs)).content.decode()
        assert EXPLANATION not in html and KEY_MARK not in html, name
    # once they hand in, their own review opens
    _save_all_and_submit(theirs, classmate)
    assert client.get(_url("review", theirs)).status_code == 200


def _save_all_and_submit(attempt, user):
    for slot in attempt.slots.select_related("question_version"):
        _save(attempt, slot.position, slot.question_version.correct_ids)
    attempt_submit(attempt_id=attempt.pk, user=user)


def test_mock_review_waits_for_a_result_not_yet_released(client, blueprint, org, candidate):
    session = _session(blueprint, org, result_release=ResultRelease.MANUAL)
    attempt = _sit(session, candidate)
    client.force_login(candidate)
    response = client.get(_url("review", attempt))
    assert response.status_code == 403 and "交卷并公布成绩后方可查看" in response.content.decode()
    session.results_released_at = timezone.now()
    session.save()
    assert client.get(_url("review", attempt)).status_code == 200


@pytest.mark.parametrize(
    "kind", [ExamKind.PRE_APPOINTMENT, ExamKind.ANNUAL_LAW, ExamKind.ANNUAL_ROTATION]
)
def test_formal_exams_keep_their_policy(client, blueprint, org, candidate, explained, kind):
    session = _session(
        blueprint,
        org,
        kind=kind,
        review_policy=ReviewPolicy.FULL_AFTER_CLOSE,
        closes_at=timezone.now() + timedelta(hours=3),
    )
    attempt = _sit(session, candidate, wrong_positions={1})
    client.force_login(candidate)
    response = client.get(_url("review", attempt))
    html = response.content.decode()
    assert response.status_code == 403 and EXPLANATION not in html and KEY_MARK not in html
    result = client.get(_url("result", attempt)).content.decode()
    assert "薄弱知识点" not in result and "再考一次" not in result
    with time_machine.travel(session.closes_at + timedelta(minutes=1), tick=False):
        assert client.get(_url("review", attempt)).status_code == 200


def test_a_formal_exam_holding_the_mock_policy_shows_nothing_before_close(
    client, blueprint, org, candidate, explained
):
    """A row that bypassed the model's rule (an old or hand-edited row) is still safe."""
    session = _session(blueprint, org, kind=ExamKind.ANNUAL_LAW, review_policy="score_only")
    ExamSession.objects.filter(pk=session.pk).update(review_policy="full_after_submit")
    attempt = _sit(session, candidate)
    client.force_login(candidate)
    response = client.get(_url("review", attempt))
    assert response.status_code == 403 and EXPLANATION not in response.content.decode()


# --- Weak topics ----------------------------------------------------------------------------


def _block(block_type, value):
    return {"type": block_type, "value": value, "id": str(uuid.uuid4())}


@pytest.fixture
def course(db):
    root = Page.get_first_root_node()
    home = HomePage(title="学法平台", slug="mock-home")
    root.add_child(instance=home)
    home.save_revision().publish()
    site = Site.objects.get(is_default_site=True)
    site.root_page = home
    site.save()
    index = CourseIndexPage(title="课程中心", slug="courses")
    home.add_child(instance=index)
    index.save_revision().publish()
    course = CoursePage(
        title="依法行政",
        slug="yifa",
        track="administrative_law",
        audience=["all_civil_servants"],
        study_hours=Decimal("2"),
        intro="<p>简介</p>",
    )
    index.add_child(instance=course)
    course.save_revision().publish()
    return course


def _lesson(course, slug, articles, *, live=True):
    lesson = LessonPage(
        title=f"课程{slug}",
        slug=slug,
        summary="摘要",
        body=[_block("paragraph", "<p>正文</p>")]
        + [_block("law_article", {"article": a.pk, "note": ""}) for a in articles],
        live=live,
    )
    course.add_child(instance=lesson)
    revision = lesson.save_revision()
    if live:
        revision.publish()
    return lesson


@pytest.fixture
def three_topics(law_library):
    """Three topics, each with its own article: 宪法学习 (宪法第二条), 许可学习 (行政许可法第
    十二条), 处罚学习 (行政处罚法第九条); two single-choice questions each."""
    specs = [
        ("测试/宪法学习", "constitution", 2),
        ("测试/许可学习", "administrative-licensing-law", 12),
        ("测试/处罚学习", "administrative-penalty-law", 9),
    ]
    made = {}
    for path, law, number in specs:
        topic = topic_by_path(path, create=True)
        article = Article.objects.get(
            version__law__key=law, version__is_current=True, number=number
        )
        for i in range(2):
            question_create(
                topic=topic,
                kind="single",
                stem=f"{path}单选题{i}",
                articles=[article],
                options=[ParsedOption(f"{path}{c}{i}", c == "甲") for c in "甲乙丙丁"],
            )
        made[path.split("/")[1]] = (topic, article)
    return made


@pytest.fixture
def three_topic_blueprint(three_topics):
    blueprint = Blueprint.objects.create(name="三知识点卷")
    for order, (name, (topic, _article)) in enumerate(three_topics.items()):
        section = BlueprintSection.objects.create(
            blueprint=blueprint,
            sort_order=order,
            title=name,
            kind="single",
            count=2,
            points=Decimal(10),
        )
        section.topics.add(topic)
    return blueprint


def test_weak_topics_and_lesson_links_for_a_hand_built_case(
    client, three_topics, three_topic_blueprint, org, candidate, course
):
    (constitution, art_c), (licensing, art_l), (penalty, art_p) = three_topics.values()
    other = Article.objects.get(version__law__key="constitution", number=5)
    taught_licensing = _lesson(course, "licensing", [art_l, other])
    taught_penalty = _lesson(course, "penalty", [art_p])
    both = _lesson(course, "both", [art_p, art_l])
    draft = _lesson(course, "draft", [art_l], live=False)
    constitution_lesson = _lesson(course, "constitution", [art_c])
    unrelated = _lesson(course, "unrelated", [other])
    session = _session(three_topic_blueprint, org, pass_mark=Decimal(90))
    attempt = attempt_start(session=session, user=candidate)
    slots = list(attempt.slots.select_related("question_version__question").order_by("position"))
    by_topic = {}
    for slot in slots:
        by_topic.setdefault(slot.question_version.question.topic_id, []).append(slot)
    # 宪法学习: both right; 许可学习: one of two wrong; 处罚学习: both wrong
    wrong = {by_topic[licensing.pk][0].position, *(s.position for s in by_topic[penalty.pk])}
    for slot in slots:
        key = slot.question_version.correct_ids
        chosen = (
            [o for o in slot.option_order if o not in key][:1] if slot.position in wrong else key
        )
        _save(attempt, slot.position, chosen)
    attempt = attempt_submit(attempt_id=attempt.pk, user=candidate)
    assert attempt.score == Decimal(50)

    weak = mock_weak_topics(attempt)
    assert [(w.name, w.earned, w.possible, w.missed) for w in weak] == [
        ("处罚学习", Decimal(0), Decimal(20), 2),
        ("许可学习", Decimal(10), Decimal(20), 1),
    ]
    assert [lesson.pk for lesson in weak[0].lessons] == [taught_penalty.pk, both.pk]
    assert [lesson.pk for lesson in weak[1].lessons] == [taught_licensing.pk, both.pk]

    client.force_login(candidate)
    html = client.get(_url("result", attempt)).content.decode()
    section = html.split('id="weak-topics"', 1)[1].split("</section>", 1)[0]
    items = re.findall(
        r'<li class="weak-topic" data-topic="(\d+)">(.*?)</li>\s*(?=<li class|</ol>)', section, re.S
    )
    assert [int(pk) for pk, _body in items] == [penalty.pk, licensing.pk]
    penalty_html, licensing_html = (body for _pk, body in items)
    assert "得分 0 / 20（0%），2 题未答对" in penalty_html
    assert "得分 10 / 20（50%），1 题未答对" in licensing_html
    assert taught_penalty.url in penalty_html and both.url in penalty_html
    assert taught_licensing.url not in penalty_html
    assert taught_licensing.url in licensing_html and both.url in licensing_html
    for absent in (draft, constitution_lesson, unrelated):
        assert f'data-lesson="{absent.pk}"' not in section
    assert "宪法学习" not in section  # no points lost there
    practice = reverse("exams:practice")
    assert f"{practice}?topic={penalty.pk}" in penalty_html
    assert f"{practice}?topic={licensing.pk}" in licensing_html


def test_a_full_score_has_no_weak_topics(client, blueprint, org, candidate):
    session = _session(blueprint, org)
    attempt = _sit(session, candidate)
    assert attempt.score == Decimal(100)
    client.force_login(candidate)
    html = client.get(_url("result", attempt)).content.decode()
    assert "薄弱知识点" not in html and mock_weak_topics(attempt) == []


def test_lessons_citing_matches_by_article_and_only_live_lessons(law_library, course):
    a2 = Article.objects.get(version__law__key="constitution", number=2)
    a5 = Article.objects.get(version__law__key="constitution", number=5)
    a9 = Article.objects.get(version__law__key="administrative-penalty-law", number=9)
    first = _lesson(course, "first", [a2, a5])
    second = _lesson(course, "second", [a2])
    _lesson(course, "draft", [a9], live=False)
    with CaptureQueriesContext(connection) as queries:
        found = lessons_citing([a2.pk, a5.pk, a9.pk])
    # The live lessons, and the site's root paths for their URLs (cached after the first).
    assert len(queries) == 2
    assert {k: [p.pk for p in v] for k, v in found.items()} == {
        a2.pk: [first.pk, second.pk],
        a5.pk: [first.pk],
    }
    assert lessons_citing([]) == {}


# --- Retake ---------------------------------------------------------------------------------


def _retake_form(html):
    return re.search(r'<form method="post" action="([^"]+)" class="mock-retake__form">', html)


def test_retake_while_attempts_remain_and_none_when_used_up(client, blueprint, org, candidate):
    session = _session(blueprint, org, attempts_allowed=2)
    first = _sit(session, candidate, wrong_positions={1})
    client.force_login(candidate)
    for name in ("result", "review"):
        html = client.get(_url(name, first)).content.decode()
        form = _retake_form(html)
        assert form and form.group(1) == reverse("exams:session", args=[session.pk]), name
        assert "再考一次" in html and "还可考 1 次" in html
    # the button starts the next attempt through the start flow
    response = client.post(reverse("exams:session", args=[session.pk]))
    second = session.attempts.get(number=2)
    assert response.status_code == 302 and response.url == _url("attempt", second)
    # while it runs, the first result offers to continue it, not a third attempt
    html = client.get(_url("result", first)).content.decode()
    assert "再考一次" not in html and _url("attempt", second) in html and "继续作答" in html
    _save_all_and_submit(second, candidate)
    for attempt in (first, second):
        for name in ("result", "review"):
            html = client.get(_url(name, attempt)).content.decode()
            assert "再考一次" not in html and not _retake_form(html), (attempt.number, name)


def test_extra_attempts_of_the_candidate_count(client, blueprint, org, candidate):
    session = _session(blueprint, org, attempts_allowed=1)
    attempt = _sit(session, candidate)
    client.force_login(candidate)
    assert "再考一次" not in client.get(_url("result", attempt)).content.decode()
    Candidate.objects.create(session=session, user=candidate, extra_attempts=2)
    html = client.get(_url("result", attempt)).content.decode()
    assert _retake_form(html) and "还可考 2 次" in html


def test_no_retake_once_the_session_has_closed(client, blueprint, org, candidate):
    session = _session(blueprint, org, attempts_allowed=5)
    attempt = _sit(session, candidate)
    client.force_login(candidate)
    assert _retake_form(client.get(_url("result", attempt)).content.decode())
    with time_machine.travel(session.closes_at + timedelta(minutes=1), tick=False):
        for name in ("result", "review"):
            html = client.get(_url(name, attempt)).content.decode()
            assert "再考一次" not in html and not _retake_form(html), name


# --- Query budget ---------------------------------------------------------------------------


@pytest.fixture
def big_bank(exam_bank):
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


def test_result_page_queries_do_not_grow_with_the_paper(
    client, big_bank, org, candidate, course, django_assert_max_num_queries
):
    article = Article.objects.get(version__law__key="constitution", number=2)
    _lesson(course, "one", [article])
    _lesson(course, "two", [article])
    counts = {}
    client.force_login(candidate)
    Site.get_site_root_paths()  # cached once for every page, as on a running site
    for size in (10, 100):
        blueprint = Blueprint.objects.create(name=f"{size} 题")
        section = BlueprintSection.objects.create(
            blueprint=blueprint, title="单选题", kind="single", count=size, points=Decimal(1)
        )
        section.topics.add(big_bank)
        session = _session(blueprint, org, title=f"{size} 题模拟考试")
        attempt = _sit(session, candidate, wrong_positions=set(range(1, size + 1, 2)))
        # the login session, the user, the attempt with its session; the slots with their
        # topics, the missed questions' citations, the lessons; the retake's attempts,
        # candidate row and eligibility (the person's unit, the session's); the request's
        # site (for the lessons' URLs)
        with django_assert_max_num_queries(11):
            with CaptureQueriesContext(connection) as queries:
                html = client.get(_url("result", attempt)).content.decode()
        assert html.count('class="weak-topic"') == 1 and html.count("data-lesson=") == 2
        assert _retake_form(html)
        counts[size] = len(queries)
    assert counts[10] == counts[100]


# --- Demo -----------------------------------------------------------------------------------


def test_the_demo_mock_teaches():
    from exams.demo import FINISHED, _sessions

    mock = next(s for s in _sessions(timezone.now()) if s["kind"] == ExamKind.MOCK)
    assert mock["review_policy"] == ReviewPolicy.FULL_AFTER_SUBMIT
    index = [s["kind"] for s in _sessions(timezone.now())].index(ExamKind.MOCK)
    sat = {number for number, i, _days, _skill in FINISHED if i == index}
    assert {"E1001", "E1003", "E3004", "E1006"} <= sat
    assert mock["attempts_allowed"] > 1
