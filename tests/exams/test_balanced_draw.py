"""Papers of equal difficulty: facilities, the balanced draw, the session's papers page."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from cms.laws.services import law_library_import, policy_documents_import
from exams.balance import (
    SectionPool,
    expected_score,
    facility_blend,
    paper_pick,
    pools_target,
    spread,
)
from exams.balance_selectors import (
    blueprint_target,
    paper_pools,
    papers_expected_scores,
    pool_facilities,
    pool_questions,
    question_facilities,
    simulated_scores,
)
from exams.demo import BLUEPRINTS, DEMO_DIR, DEMO_FILES
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
    QuestionStatus,
    QuestionVersion,
)
from exams.services import (
    attempt_start,
    paper_draw,
    paper_draw_balanced,
    questions_import,
    topic_by_path,
)
from exams.session_views import url_name
from tests.factories import OrgUnitFactory, UserFactory, build_org_tree

from .test_session_admin import make_exam_admin

pytestmark = pytest.mark.django_db

PRIOR = {1: 0.90, 2: 0.80, 3: 0.65, 4: 0.50, 5: 0.35}
K = 20


# --- Helpers ---------------------------------------------------------------------------------


def _session(blueprint, *, closed=False, kind=ExamKind.ANNUAL_LAW, unit=None, title="学法考试"):
    now = timezone.now()
    opens = now - timedelta(days=30 if closed else 1)
    return ExamSession.objects.create(
        title=title,
        kind=kind,
        blueprint=blueprint,
        opens_at=opens,
        closes_at=now - timedelta(days=1) if closed else now + timedelta(days=1),
        duration_minutes=60,
        eligible_unit=unit,
    )


def _graded(session, user, answers, *, status=AttemptStatus.SUBMITTED, number=1):
    """A finished attempt with one graded slot per (version, points, earned)."""
    started = session.opens_at + timedelta(hours=1)
    attempt = Attempt.objects.create(
        session=session,
        user=user,
        number=number,
        seed=1,
        status=status,
        started_at=started,
        deadline=started + timedelta(hours=1),
        finished_at=None
        if status == AttemptStatus.IN_PROGRESS
        else started + timedelta(minutes=30),
    )
    AttemptSlot.objects.bulk_create(
        AttemptSlot(
            attempt=attempt,
            position=i,
            question_version=version,
            option_order=[o["id"] for o in version.options],
            option_count=len(version.options),
            points=Decimal(points),
            earned=None if earned is None else Decimal(earned),
        )
        for i, (version, points, earned) in enumerate(answers, start=1)
    )
    return attempt


def _blueprint(topic, sections, *, name="试卷", **fields) -> Blueprint:
    blueprint = Blueprint.objects.create(name=name, **fields)
    for order, (kind, count, points, low, high) in enumerate(sections):
        section = BlueprintSection.objects.create(
            blueprint=blueprint,
            sort_order=order,
            title=kind,
            kind=kind,
            count=count,
            points=points,
            difficulty_min=low,
            difficulty_max=high,
        )
        section.topics.add(topic)
    return blueprint


def _set_difficulties(topic, rng: random.Random) -> None:
    """Give the fixture bank's questions (all difficulty 3) a spread of difficulties."""
    for version in QuestionVersion.objects.filter(question__topic=topic):
        version.difficulty = rng.randint(1, 5)
        version.save(update_fields=["difficulty"])


def demo_bank_load() -> int:
    """The real demo bank (exams/demo_data) on the whole law library, as the demo loads it."""
    law_library_import(directory=settings.SHARED_DIR / "laws")
    policy_documents_import(base_dir=settings.SHARED_DIR)
    for name in DEMO_FILES:
        report = questions_import(data=(DEMO_DIR / name).read_bytes(), filename=name)
        assert report.errors == [], report.errors[:3]
    return Question.objects.count()


@pytest.fixture
def demo_bank():
    return demo_bank_load()


def demo_blueprint(name: str) -> Blueprint:
    blueprint = Blueprint.objects.create(name=name)
    for order, spec in enumerate(BLUEPRINTS[name]):
        section = BlueprintSection.objects.create(
            blueprint=blueprint,
            sort_order=order,
            title=spec.title,
            kind=spec.kind,
            count=spec.count,
            points=Decimal(spec.points),
        )
        section.topics.set([topic_by_path(t) for t in spec.topics])
    return blueprint


def simulate_sittings(blueprint, *, candidates: int, seed: int) -> dict[int, float]:
    """Earlier graded sittings of the demo bank: a closed session whose candidates each drew
    a paper and got each question right with a chance that follows its difficulty and a
    question-specific twist (so observed facilities differ from the authors' priors).
    Returns the "true" facility per question used to simulate."""
    rng = random.Random(seed)
    session = _session(blueprint, closed=True, title="上期学法考试")
    pools = paper_pools(blueprint)
    questions = pool_questions(pools)
    truth = {
        q: min(0.98, max(0.05, PRIOR[d] + rng.uniform(-0.25, 0.25))) for q, d in questions.values()
    }
    versions = QuestionVersion.objects.in_bulk(list(questions))
    unit = OrgUnitFactory()
    for _ in range(candidates):
        user = UserFactory(org_unit=unit)
        pick = paper_pick(pools.pools, rng)
        answers = []
        for pool, chosen in zip(pools.pools, pick.chosen, strict=True):
            for v in chosen:
                right = rng.random() < truth[questions[v][0]]
                answers.append((versions[v], pool.points, pool.points if right else 0))
        _graded(session, user, answers)
    return truth


# --- Facilities ------------------------------------------------------------------------------


def test_blend_leans_on_the_prior_with_few_responses_and_on_the_data_with_many():
    assert facility_blend(responses=0, share=0.1, prior=0.65, weight=K) == 0.65
    assert facility_blend(responses=5, share=0.2, prior=0.65, weight=K) == pytest.approx(
        (5 * 0.2 + 20 * 0.65) / 25
    )
    many = facility_blend(responses=2000, share=0.2, prior=0.65, weight=K)
    assert many == pytest.approx((2000 * 0.2 + 20 * 0.65) / 2020)
    assert abs(many - 0.2) < 0.005


def test_question_facilities_count_graded_finished_sittings_only(
    exam_bank, django_assert_num_queries
):
    single = list(
        QuestionVersion.objects.filter(kind="single", question__topic=exam_bank).order_by("pk")
    )
    easy, hard, fresh, partial = single[:4]
    hard.difficulty = 5
    hard.save(update_fields=["difficulty"])
    blueprint = _blueprint(exam_bank, [("single", 5, 2, 1, 5)])
    closed = _session(blueprint, closed=True)
    users = [UserFactory() for _ in range(6)]
    # Four responses to ``easy`` (3 right, 1 wrong), two to ``hard`` (both wrong), one
    # partial credit on ``partial`` (1 of 2 points).
    for user, earned in zip(users[:4], (2, 2, 2, 0), strict=True):
        _graded(closed, user, [(easy, 2, earned)])
    for user in users[4:6]:
        _graded(closed, user, [(hard, 2, 0)])
    _graded(closed, users[0], [(partial, 2, 1)], number=2)
    # None of these count: a voided sitting, a running one, an open session, a mock exam,
    # a slot not graded yet (awaiting marking).
    _graded(closed, users[1], [(hard, 2, 2)], status=AttemptStatus.VOIDED, number=2)
    _graded(closed, users[2], [(hard, 2, 2)], status=AttemptStatus.IN_PROGRESS, number=2)
    _graded(_session(blueprint, title="本期"), users[3], [(hard, 2, 2)])
    _graded(_session(blueprint, closed=True, kind=ExamKind.MOCK), users[4], [(hard, 2, 2)])
    _graded(closed, users[5], [(fresh, 2, None)], number=2)

    ids = [v.question_id for v in (easy, hard, fresh, partial)]
    with django_assert_num_queries(2):
        facilities = question_facilities(ids)
    assert facilities == {
        easy.question_id: pytest.approx((4 * 0.75 + K * PRIOR[3]) / (4 + K)),
        hard.question_id: pytest.approx((2 * 0.0 + K * PRIOR[5]) / (2 + K)),
        fresh.question_id: pytest.approx(PRIOR[3]),
        partial.question_id: pytest.approx((1 * 0.5 + K * PRIOR[3]) / (1 + K)),
    }
    # The whole pool as a subquery gives the same figures (one aggregate, however large).
    with django_assert_num_queries(2):
        pool = question_facilities(Question.objects.filter(pk__in=ids).values("pk"))
    assert pool == facilities


@override_settings(EXAM_BALANCE_FACILITY_CACHE_SECONDS=60)
def test_pool_facilities_are_read_once_for_an_exam_day(exam_bank, django_assert_num_queries):
    cache.clear()
    blueprint = _blueprint(exam_bank, [("single", 5, 2, 1, 5)])
    late = Question.objects.filter(topic=exam_bank, current_version__kind="single").first()
    late.status = QuestionStatus.RETIRED
    late.save(update_fields=["status"])
    pools = paper_pools(blueprint)
    with django_assert_num_queries(2):  # the pool's questions, one aggregate
        first = pool_facilities(pools)
    assert len(first) == 19
    with django_assert_num_queries(0):
        assert pool_facilities(pools) == first
    # A question that joins the pool during the day is added with two small queries.
    late.status = QuestionStatus.ACTIVE
    late.save(update_fields=["status"])
    pools = paper_pools(blueprint)
    with django_assert_num_queries(2):
        second = pool_facilities(pools)
    assert second == {**first, late.current_version_id: pytest.approx(PRIOR[3])}
    with django_assert_num_queries(0):
        pool_facilities(pools)
    cache.clear()


# --- The draw --------------------------------------------------------------------------------


def test_same_seed_same_paper_and_different_seeds_differ(exam_bank):
    _set_difficulties(exam_bank, random.Random(3))
    blueprint = _blueprint(
        exam_bank, [("single", 8, 2, 1, 5), ("multiple", 4, 4, 1, 5), ("true_false", 4, 2, 1, 5)]
    )
    first = paper_draw_balanced(blueprint, random.Random(42))
    again = paper_draw_balanced(blueprint, random.Random(42))
    assert first.slots == again.slots  # versions, sections, option orders, points
    assert first.expected_score == again.expected_score
    other = paper_draw(blueprint, random.Random(43))
    assert [s.version_id for s in other] != [s.version_id for s in first.slots]
    # Facilities passed in are used as given: the same seed and facilities, the same paper.
    facilities = question_facilities(Question.objects.values_list("pk", flat=True))
    assert paper_draw(blueprint, random.Random(42), facilities=facilities) == first.slots


def test_swaps_keep_every_section_constraint(exam_bank):
    _set_difficulties(exam_bank, random.Random(5))
    blueprint = _blueprint(
        exam_bank,
        [("single", 6, 2, 2, 4), ("multiple", 4, 5, 1, 5), ("true_false", 5, 2, 1, 3)],
        target_expected_score=Decimal("80"),  # far from the pool's mean: many swaps
    )
    sections = list(blueprint.sections.order_by("sort_order"))
    for seed in range(40):
        paper = paper_draw_balanced(blueprint, random.Random(seed))
        assert paper.balanced
        versions = QuestionVersion.objects.in_bulk([s.version_id for s in paper.slots])
        assert len(versions) == len(paper.slots)  # no question twice
        for index, section in enumerate(sections):
            drawn = [s for s in paper.slots if s.section == index]
            assert len(drawn) == section.count
            for slot in drawn:
                version = versions[slot.version_id]
                assert version.kind == section.kind
                assert section.difficulty_min <= version.difficulty <= section.difficulty_max
                assert version.question.current_version_id == version.pk
                assert version.question.topic_id == exam_bank.pk
                assert slot.points == section.points
                assert sorted(slot.option_order) == sorted(o["id"] for o in version.options)


def test_a_band_the_pool_cannot_reach_draws_the_closest_paper_and_still_starts(exam_bank):
    _set_difficulties(exam_bank, random.Random(7))
    blueprint = _blueprint(exam_bank, [("single", 10, 10, 1, 5)], target_expected_score=99)
    pools = paper_pools(blueprint)
    facility = pool_facilities(pools)
    best_possible = 100 * sum(sorted(facility[v] for v in pools.pools[0].versions)[-10:]) / 10
    paper = paper_draw_balanced(blueprint, random.Random(1))
    assert paper.within_band is False
    assert paper.expected_score == pytest.approx(best_possible, abs=0.5)
    unbalanced = paper_pick(
        pools.pools, random.Random(1), facility=facility, target=99, balance=False
    )
    assert paper.expected_score > unbalanced.expected

    unit = OrgUnitFactory()
    attempt = attempt_start(session=_session(blueprint, unit=unit), user=UserFactory(org_unit=unit))
    assert attempt.slots.count() == 10
    start = AttemptEvent.objects.get(attempt=attempt, action=AttemptEvent.Action.START)
    assert start.data["paper"]["within_band"] is False
    assert start.data["paper"]["target"] == 99
    assert float(attempt.expected_score) == pytest.approx(start.data["paper"]["expected_score"])


def test_balancing_off_draws_as_before(exam_bank):
    _set_difficulties(exam_bank, random.Random(9))
    blueprint = _blueprint(exam_bank, [("single", 10, 10, 1, 5)], balance_papers=False)
    pools = paper_pools(blueprint)
    for seed in range(10):
        paper = paper_draw_balanced(blueprint, random.Random(seed))
        plain = paper_pick(pools.pools, random.Random(seed))  # no facilities: the plain draw
        assert [s.version_id for s in paper.slots] == plain.chosen[0]
        assert not paper.balanced and paper.swaps == 0 and paper.expected_score is None


def test_the_draw_keeps_the_expected_score_and_the_spread_lists_every_paper(exam_bank):
    _set_difficulties(exam_bank, random.Random(11))
    blueprint = _blueprint(exam_bank, [("single", 8, 5, 1, 5), ("true_false", 6, 10, 1, 5)])
    unit = OrgUnitFactory()
    session = _session(blueprint, unit=unit)
    attempts = [attempt_start(session=session, user=UserFactory(org_unit=unit)) for _ in range(5)]
    # A voided paper was drawn all the same: it stays in the spread.
    Attempt.objects.filter(pk=attempts[0].pk).update(status=AttemptStatus.VOIDED)
    pools = paper_pools(blueprint)
    facility = pool_facilities(pools)
    for attempt in attempts:
        by_section = [[], []]
        for slot in attempt.slots.order_by("position"):
            by_section[slot.section].append(slot.question_version_id)
        assert float(attempt.expected_score) == pytest.approx(
            expected_score(by_section, pools.pools, facility), abs=0.006
        )
    assert papers_expected_scores(session) == [float(a.expected_score) for a in attempts]
    # A paper drawn before expected scores were kept is scored from its slots.
    Attempt.objects.filter(pk=attempts[1].pk).update(expected_score=None)
    scores = papers_expected_scores(session)
    assert scores[1] == pytest.approx(float(attempts[1].expected_score), abs=0.006)


# --- The demo bank: 1,000 papers ------------------------------------------------------------


def test_1000_demo_papers_stay_within_the_band_and_unbalanced_ones_do_not(demo_bank):
    blueprint = demo_blueprint("年度学法考试标准卷")
    simulate_sittings(blueprint, candidates=60, seed=2026)
    pools = paper_pools(blueprint)
    facility = pool_facilities(pools)
    questions = pool_questions(pools)
    observed = question_facilities([q for q, _d in questions.values()])
    assert facility == {v: observed[q] for v, (q, _d) in questions.items()}
    assert len(set(round(f, 3) for f in facility.values())) > 50  # not just five priors
    target = blueprint_target(blueprint, pools, facility)
    assert target == pytest.approx(pools_target(pools.pools, facility))
    band = settings.EXAM_BALANCE_BAND
    assert band == 2.0

    balanced = simulated_scores(pools, facility, papers=1000, balance=True, target=target)
    unbalanced = simulated_scores(pools, facility, papers=1000, balance=False, target=target)
    with_balance = spread(balanced, target=target, band=band)
    without = spread(unbalanced, target=target, band=band)
    print(f"\nbalanced   {with_balance}\nunbalanced {without}")
    assert with_balance.count == without.count == 1000
    assert with_balance.within_band == 1.0
    assert target - band - 1e-9 <= with_balance.minimum
    assert with_balance.maximum <= target + band + 1e-9
    assert without.within_band < 0.9
    assert without.sd > 1.25 * with_balance.sd
    assert without.range > 2 * with_balance.range

    # The in-memory draw is the real draw: the same seeds give the same papers.
    for seed in range(5):
        paper = paper_draw_balanced(blueprint, random.Random(seed))
        assert paper.expected_score == pytest.approx(balanced[seed])
        assert paper.within_band

    # (The same bank, loaded once: it takes the whole law library.) A blueprint with
    # difficulty ranges on one topic subtree keeps them through the swaps.
    topic = topic_by_path("行政法")
    blueprint = _blueprint(
        topic, [("single", 12, 4, 2, 3), ("multiple", 6, 5, 1, 4), ("true_false", 10, 2, 1, 5)]
    )
    simulate_sittings(blueprint, candidates=20, seed=7)
    sections = list(blueprint.sections.order_by("sort_order"))
    for seed in range(25):
        paper = paper_draw_balanced(blueprint, random.Random(seed))
        assert paper.within_band
        versions = QuestionVersion.objects.select_related("question__topic").in_bulk(
            [s.version_id for s in paper.slots]
        )
        for slot in paper.slots:
            version, section = versions[slot.version_id], sections[slot.section]
            assert version.kind == section.kind
            assert section.difficulty_min <= version.difficulty <= section.difficulty_max
            assert version.question.topic.path.startswith(topic.path)


def test_pure_pick_on_a_hand_made_pool():
    pools = [
        SectionPool("单选", 2, Decimal(25), [1, 2, 3, 4]),
        SectionPool("判断", 2, Decimal(25), [5, 6]),
    ]
    facility = {1: 0.2, 2: 0.4, 3: 0.6, 4: 0.8, 5: 0.5, 6: 0.7}
    # The pool's mean paper: 25·2·(0.5) + 25·2·(0.6) = 55 of 100.
    assert pools_target(pools, facility) == pytest.approx(55)
    for seed in range(50):
        pick = paper_pick(pools, random.Random(seed), facility=facility, band=2.0)
        assert pick.within_band and abs(pick.expected - 55) <= 2
        assert sorted(pick.chosen[1]) == [5, 6]
        assert len(set(pick.chosen[0])) == 2
        assert pick.expected == pytest.approx(expected_score(pick.chosen, pools, facility))


# --- The session's papers page ---------------------------------------------------------------


def test_papers_page_shows_the_spread_of_the_admins_own_people(
    client, exam_bank, django_assert_max_num_queries
):
    _set_difficulties(exam_bank, random.Random(13))
    org = build_org_tree()
    district_a, district_b = org.districts[:2]
    blueprint = _blueprint(exam_bank, [("single", 8, 5, 1, 5), ("true_false", 6, 10, 1, 5)])
    session = _session(blueprint, unit=org.city)
    mine = [attempt_start(session=session, user=UserFactory(org_unit=district_a)) for _ in range(3)]
    for _ in range(2):
        attempt_start(session=session, user=UserFactory(org_unit=district_b))
    admin = make_exam_admin(district_a)
    ExamSession.objects.filter(pk=session.pk).update(created_by=admin)  # a city-wide session
    client.force_login(admin)

    url = reverse(url_name("papers"), args=[session.pk])
    with django_assert_max_num_queries(30):
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    drawn = html.split("data-drawn-spread")[1].split("</table>")[0]
    scores = sorted(float(a.expected_score) for a in mine)
    assert f"<td>{len(mine)}</td>" in drawn  # district B's two papers are not counted
    assert f"<td>{scores[0]:.2f}</td>" in drawn and f"<td>{scores[-1]:.2f}</td>" in drawn
    assert "data-drawn-chart" in html and 'src="data:image/svg+xml;base64,' in html
    simulated = html.split("data-simulated-spread")[1].split("</table>")[0]
    assert 'data-spread="balanced"' in simulated and 'data-spread="unbalanced"' in simulated
    assert "data-simulated-chart" in html
    balanced_row = simulated.split('data-spread="balanced"')[1].split("</tr>")[0]
    assert "<td>100.0%</td>" in balanced_row

    # The query count does not grow with the number of papers drawn.
    for _ in range(10):
        attempt_start(session=session, user=UserFactory(org_unit=district_a))
    with django_assert_max_num_queries(30):
        assert client.get(url).status_code == 200


def test_papers_page_is_refused_outside_the_admins_sessions(client, exam_bank):
    org = build_org_tree()
    district_a, district_b = org.districts[:2]
    blueprint = _blueprint(exam_bank, [("single", 5, 20, 1, 5)])
    other = _session(blueprint, unit=district_b)
    client.force_login(make_exam_admin(district_a))
    assert client.get(reverse(url_name("papers"), args=[other.pk])).status_code == 404
    client.force_login(UserFactory(org_unit=district_a))  # a learner
    assert client.get(reverse(url_name("papers"), args=[other.pk])).status_code in (302, 403)
