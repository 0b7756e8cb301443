"""Item analysis (试题分析): the statistics against hand-computed values and an independent
pandas implementation, the flags, option pick rates, the session page, its export, the
question's page across sessions, and who may see them."""

from __future__ import annotations

import io
import random
from datetime import timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cms.people.models import Role
from cms.people.services import role_assign
from exams import analysis
from exams.analysis_views import MSG_ANALYSIS_DONE
from exams.models import (
    Attempt,
    AttemptEvent,
    AttemptSlot,
    AttemptStatus,
    ExamKind,
    ExamSession,
    ItemAnalysis,
    ItemStatistic,
    QuestionVersion,
)
from exams.services.analysis import item_analysis_request
from exams.session_views import url_name
from tests.exams.test_session_admin import make_exam_admin
from tests.factories import UserFactory, give_totp

pytestmark = pytest.mark.django_db

CANDIDATES = 30
POINTS = Decimal(10)
# The hand fixture: candidate c (0..29, in attempt order) answers item j right when
#   items 1-8: c >= THRESHOLDS[j] (a Guttman pattern: the abler, the more right);
#   item 9: c is odd (unrelated to ability); item 10: c < 10 (the weak get it right).
THRESHOLDS = [0, 2, 5, 8, 12, 15, 18, 26]


def right(item: int, c: int) -> bool:
    if item < 8:
        return c >= THRESHOLDS[item]
    if item == 8:
        return c % 2 == 1
    return c < 10


# Totals (items right) per candidate c = 0..29, by the rules above:
#   2 3 3 4 3 5 4 5 5 6 | 4 5 5 6 5 7 6 7 7 8 | 7 8 7 8 7 8 8 9 8 9
# distribution: 2×1, 3×3, 4×3, 5×6, 6×3, 7×6, 8×6, 9×2; Σx = 179, Σx² = 1177.
#
# Facility = right / 30: 30, 28, 25, 22, 18, 15, 12, 4, 15, 10 candidates right.
FACILITY = [1.0, 28 / 30, 25 / 30, 22 / 30, 18 / 30, 15 / 30, 12 / 30, 4 / 30, 15 / 30, 10 / 30]
#
# Upper/lower 27 %: g = round(0.27 × 30) = 8. Ranked by total (ties: earlier attempt first):
#   top 8 = totals 9 (c27, c29) and 8 (c19, c21, c23, c25, c26, c28);
#   bottom 8 = totals 2 (c0), 3 (c1, c2, c4), 4 (c3, c6, c10) and the last-ranked 5 (c14).
# Item j: (right among the top 8 − right among the bottom 8) / 8, e.g.
#   item 2 (c >= 2): 8/8 − 6/8 (c2, c3, c4, c6, c10, c14) = 0.25;
#   item 9 (odd): 6/8 (c19..c29 odd: 19, 21, 23, 25, 27, 29) − 2/8 (c1, c3) = 0.5;
#   item 10 (c < 10): 0/8 − 6/8 (c0, c1, c2, c3, c4, c6) = −0.75.
UPPER_LOWER = [0.0, 0.25, 0.625, 0.75, 0.875, 1.0, 1.0, 0.5, 0.5, -0.75]
#
# Discrimination: Pearson's r of the item (0/1) and the rest score (total − item), i.e.
# Sxy / sqrt(Sxx · Syy) with S the sums of cross-products of deviations. For item 10:
#   Sxx = 10 − 10²/30 = 6.6667; rest = total − x, Σrest = 169, Σrest² = 1107 − … giving
#   Syy = 154.9667, Sxy = Σ x·rest − 10·169/30 = 30 − 56.3333 = −26.3333,
#   r = −26.3333 / sqrt(6.6667 × 154.9667) = −0.8193.
# Item 9: Sxy = 1, Sxx = 7.5, Syy = 99.4667 → r = 1 / sqrt(746) = 0.0366.
# The others the same way (Sxy, Sxx, Syy): item 2 (5.0667, 1.8667, 96.9667) → 0.3766;
# item 3 (10.6667, 4.1667, 83.4667) → 0.5720; item 4 (12.8667, 5.8667, 77.3667) → 0.6039;
# item 5 (15.4, 7.2, 70.9667) → 0.6813; item 6 (17, 7.5, 67.4667) → 0.7557;
# item 7 (15.2, 7.2, 71.3667) → 0.6705; item 8 (6.6667, 3.4667, 92.1667) → 0.3730;
# item 1: everyone right, Sxx = 0, r undefined.
DISCRIMINATION = [
    None,
    0.3766,
    0.5720,
    0.6039,
    0.6813,
    0.7557,
    0.6705,
    0.3730,
    0.0366,
    -0.8193,
]
#
# KR-20: Σ p·q = Σ right·(30 − right) / 900 = (0 + 56 + 125 + 176 + 216 + 225 + 216 + 104
#   + 225 + 200) / 900 = 1543 / 900; σ²(total) = (30·1177 − 179²) / 900 = 3269 / 900;
#   KR-20 = 10/9 · (1 − 1543/3269) = 17260 / 29421 = 0.58666.
KR20 = 17260 / 29421
# Scores are total × 10 (out of 100): mean 1790 / 30 = 59.67; SD (n − 1) =
#   10 · sqrt(3269/900 · 30/29) = 19.38; SEM = 19.38 · sqrt(1 − 0.58666) = 12.46.
MEAN, SD, SEM = 59.67, 19.38, 12.46


def _versions(count: int) -> list[QuestionVersion]:
    """Single-choice versions of the bank fixture (4 options, the first correct)."""
    return list(
        QuestionVersion.objects.filter(kind="single", question__current_version__isnull=False)
        .order_by("question_id")
        .distinct()[:count]
    )


def closed_session(blueprint, unit, title="2026年上半年学法考试") -> ExamSession:
    now = timezone.now()
    return ExamSession.objects.create(
        title=title,
        kind=ExamKind.ANNUAL_LAW,
        blueprint=blueprint,
        opens_at=now - timedelta(days=3),
        closes_at=now - timedelta(days=2),
        duration_minutes=60,
        eligible_unit=unit,
    )


def seed(session, unit, versions, answers, *, saved=None) -> list[Attempt]:
    """Graded attempts in bulk: ``answers[c][j]`` is candidate c's option index on item j
    (None: left empty); right answers earn the item's points. ``saved(c, j)`` gives the
    seconds after the start at which the slot was saved (None: never)."""
    users = UserFactory.build_batch(len(answers), org_unit=unit)
    for user in users:
        user.set_unusable_password()
    from cms.people.models import User

    users = User.objects.bulk_create(users)
    started = session.opens_at + timedelta(minutes=10)
    totals = [
        sum(
            POINTS for j, a in enumerate(row) if a is not None and versions[j].options[a]["correct"]
        )
        for row in answers
    ]
    attempts = Attempt.objects.bulk_create(
        Attempt(
            session=session,
            user=user,
            number=1,
            seed=c,
            status=AttemptStatus.SUBMITTED,
            started_at=started,
            deadline=started + timedelta(minutes=60),
            finished_at=started + timedelta(minutes=30),
            score=totals[c] * 100 / (POINTS * len(versions)),
            passed=totals[c] * 100 / (POINTS * len(versions)) >= 60,
        )
        for c, user in enumerate(users)
    )
    slots = []
    for c, attempt in enumerate(attempts):
        for j, version in enumerate(versions):
            choice = answers[c][j]
            ids = [o["id"] for o in version.options]
            at = saved(c, j) if saved else 60 * (j + 1)
            slots.append(
                AttemptSlot(
                    attempt=attempt,
                    position=j + 1,
                    question_version=version,
                    option_order=list(reversed(ids)),  # shown in another order than stored
                    option_count=len(ids),
                    points=POINTS,
                    selected=[] if choice is None else [ids[choice]],
                    seq=1,
                    saved_at=None if at is None else started + timedelta(seconds=at),
                    earned=POINTS
                    if choice is not None and version.options[choice]["correct"]
                    else Decimal(0),
                )
            )
    AttemptSlot.objects.bulk_create(slots)
    return attempts


def hand_answers() -> list[list[int | None]]:
    """Right: option 0. Wrong: option 1 + c mod 3 (B, C, D by turns). c29 leaves item 10."""
    rows = []
    for c in range(CANDIDATES):
        row = [0 if right(j, c) else 1 + c % 3 for j in range(10)]
        if c == 29:
            row[9] = None
        rows.append(row)
    return rows


def hand_saved(c, j):
    """Item 1 saved 30 s after the start, each next one 60 s later; c29's item 10 never."""
    if c == 29 and j == 9:
        return None
    return 30 + 60 * j


@pytest.fixture
def hand_session(blueprint, org):
    session = closed_session(blueprint, org.city)
    versions = _versions(10)
    seed(
        session, org.departments_of(org.districts[0])[0], versions, hand_answers(), saved=hand_saved
    )
    return session, versions


@pytest.mark.postgres  # the text casts, JSON reads and row locks
def test_statistics_equal_the_hand_computed_values(hand_session):
    session, versions = hand_session

    item_analysis_request(session=session)

    stored = ItemAnalysis.objects.get(session=session)
    assert stored.status == ItemAnalysis.Status.DONE
    assert stored.attempt_count == CANDIDATES
    figures = stored.results["session"]
    assert figures["attempts"] == CANDIDATES
    assert figures["reliability_kind"] == "kr20"
    assert figures["reliability"] == pytest.approx(KR20, abs=1e-4)
    assert figures["mean"] == pytest.approx(MEAN, abs=0.01)
    assert figures["sd"] == pytest.approx(SD, abs=0.01)
    assert figures["sem"] == pytest.approx(SEM, abs=0.01)
    items = {i["version_id"]: i for i in stored.results["items"]}
    for j, version in enumerate(versions):
        item = items[version.pk]
        assert item["position"] == j + 1
        assert item["candidates"] == CANDIDATES
        assert item["facility"] == pytest.approx(FACILITY[j], abs=1e-4), j
        assert item["upper_lower"] == pytest.approx(UPPER_LOWER[j], abs=1e-4), j
        if DISCRIMINATION[j] is None:
            assert item["discrimination"] is None
        else:
            assert item["discrimination"] == pytest.approx(DISCRIMINATION[j], abs=1e-4), j
        assert item["mean_seconds"] == (30 if j == 0 else 60)
    # One row per item for the question's page across sessions.
    assert ItemStatistic.objects.filter(analysis=stored).count() == 10


def test_flags_follow_the_rules_with_their_reasons(hand_session, settings):
    session, versions = hand_session

    item_analysis_request(session=session)

    items = {i["version_id"]: i for i in ItemAnalysis.objects.get(session=session).results["items"]}
    codes = [[f["code"] for f in items[v.pk]["flags"]] for v in versions]
    assert codes == [
        [analysis.TOO_EASY, analysis.WEAK_DISTRACTOR],  # all right; nobody chose B, C or D
        [analysis.WEAK_DISTRACTOR],  # nobody chose D
        [],
        [],
        [],
        [],
        [],
        [analysis.TOO_HARD],  # 4 of 30 right
        [analysis.LOW_DISCRIMINATION],  # r = 0.037
        [analysis.NEGATIVE_DISCRIMINATION],  # r = −0.82
    ]
    from exams.analysis_selectors import item_reasons

    assert item_reasons(items[versions[0].pk]) == [
        "过易：得分率 1.00 高于 0.95，几乎所有考生都答对，区分不出掌握程度。",
        "干扰项 B、C、D 的选择率低于 2.0%，几乎无人选择，起不到干扰作用。",
    ]
    assert item_reasons(items[versions[9].pk]) == [
        "区分度为负（-0.82）：高分考生反而更常答错，请检查答案是否有误。"
    ]

    # The rules are settings: stricter limits flag more, a higher minimum flags nothing.
    settings.EXAMS_ITEM_FLAGS = {**settings.EXAMS_ITEM_FLAGS, "facility_max": 0.9}
    item_analysis_request(session=session)
    items = {i["version_id"]: i for i in ItemAnalysis.objects.get(session=session).results["items"]}
    assert analysis.TOO_EASY in [f["code"] for f in items[versions[1].pk]["flags"]]
    settings.EXAMS_ITEM_FLAGS = {**settings.EXAMS_ITEM_FLAGS, "min_candidates": 31}
    item_analysis_request(session=session)
    results = ItemAnalysis.objects.get(session=session).results
    assert results["session"]["flagged"] == 0


def test_option_pick_rates_are_per_option_id_including_a_never_picked_distractor(hand_session):
    session, versions = hand_session

    item_analysis_request(session=session)

    items = {i["version_id"]: i for i in ItemAnalysis.objects.get(session=session).results["items"]}
    # Item 2: right for c >= 2; c0 chose B (0 mod 3), c1 chose C; D nobody.
    second = items[versions[1].pk]
    ids = [o["id"] for o in versions[1].options]
    assert [(o["id"], o["label"], o["count"]) for o in second["options"]] == [
        (ids[0], "A", 28),
        (ids[1], "B", 1),
        (ids[2], "C", 1),
        (ids[3], "D", 0),
    ]
    assert [o["rate"] for o in second["options"]] == pytest.approx(
        [28 / 30, 1 / 30, 1 / 30, 0], abs=1e-4
    )
    assert [o["correct"] for o in second["options"]] == [True, False, False, False]
    # Item 10: c < 10 right; c10..c28 wrong by turns (c mod 3: B for 12,15,..,27 …); c29 empty.
    tenth = items[versions[9].pk]
    wrong = [c for c in range(10, 29)]
    expected = [10] + [sum(1 for c in wrong if c % 3 == k) for k in range(3)]
    assert [o["count"] for o in tenth["options"]] == expected
    assert tenth["omitted"] == pytest.approx(1 / 30, abs=1e-4)


def test_pure_analysis_handles_items_without_options_and_partial_credit():
    """An essay-like item (no options, partial marks) gets facility and discrimination from
    earned / points; the session's reliability becomes alpha (not KR-20)."""
    rng = random.Random(5)
    attempts, items, earned, points, positions = [], [], [], [], []
    for a in range(40):
        ability = a / 40
        for j in range(3):
            attempts.append(a)
            items.append(j)
            positions.append(j + 1)
            worth = 20.0 if j == 2 else 10.0
            points.append(worth)
            if j == 2:
                earned.append(round(worth * min(1, max(0, ability + rng.uniform(-0.2, 0.2)))))
            else:
                earned.append(worth if rng.random() < ability + 0.2 else 0.0)
    n = len(attempts)
    responses = analysis.Responses(
        attempt=np.array(attempts),
        item=np.array(items),
        position=np.array(positions),
        earned=np.array(earned),
        points=np.array(points),
        selected=[[] for _ in range(n)],
        seconds=np.full(n, np.nan),
        scores=np.bincount(attempts, earned) / 40 * 100,
        item_options=[[], [], []],
    )

    session, figures = analysis.analyse(responses)

    essay = figures[2]
    fractions = np.array(earned[2::3]) / 20
    assert essay.facility == pytest.approx(fractions.mean())
    assert essay.options == [] and essay.omitted is None
    assert essay.discrimination is not None and essay.discrimination > 0.5
    assert session.reliability_kind == "alpha"
    assert essay.mean_seconds is None


def _random_matrix(seed: int, candidates: int, questions: int):
    """Answers driven by a 2-parameter logistic model, so the statistics spread out."""
    rng = np.random.default_rng(seed)
    ability = rng.normal(size=candidates)
    difficulty = rng.normal(scale=1.2, size=questions)
    slope = rng.uniform(-0.5, 2.5, size=questions)
    p = 1 / (1 + np.exp(-slope * (ability[:, None] - difficulty)))
    correct = rng.random((candidates, questions)) < p
    wrong_choice = rng.integers(1, 4, size=(candidates, questions))
    return [
        [0 if correct[c, j] else int(wrong_choice[c, j]) for j in range(questions)]
        for c in range(candidates)
    ]


@pytest.mark.postgres  # the text casts, JSON reads and row locks
def test_an_independent_pandas_implementation_agrees_on_a_random_matrix(blueprint, org):
    """Straight from the candidate × question matrix with pandas (corr, var), not through
    ``exams.analysis``."""
    session = closed_session(blueprint, org.city)
    versions = _versions(20)
    answers = _random_matrix(2026, 150, 20)
    seed(session, org.departments_of(org.districts[0])[0], versions, answers)

    item_analysis_request(session=session)

    results = ItemAnalysis.objects.get(session=session).results
    matrix = pd.DataFrame(
        [[1.0 if a == 0 else 0.0 for a in row] for row in answers],
        columns=[v.pk for v in versions],
    )
    total = matrix.sum(axis=1)
    k = matrix.shape[1]
    alpha = k / (k - 1) * (1 - matrix.var().sum() / total.var())
    scores = total / k * 100
    assert results["session"]["reliability"] == pytest.approx(alpha, abs=1e-4)
    assert results["session"]["sd"] == pytest.approx(scores.std(), abs=0.01)
    assert results["session"]["sem"] == pytest.approx(scores.std() * (1 - alpha) ** 0.5, abs=0.01)
    items = {i["version_id"]: i for i in results["items"]}
    order = sorted(range(len(answers)), key=lambda c: (-total[c], c))
    g = int(0.27 * len(answers) + 0.5)  # 27 %, halves rounded up: 40.5 -> 41
    for version in versions:
        column = matrix[version.pk]
        item = items[version.pk]
        assert item["facility"] == pytest.approx(column.mean(), abs=1e-4)
        rest = total - column
        expected = column.corr(rest)
        if np.isnan(expected):
            assert item["discrimination"] is None
        else:
            assert item["discrimination"] == pytest.approx(expected, abs=1e-4)
        upper = column.iloc[order[:g]].mean() - column.iloc[order[-g:]].mean()
        assert item["upper_lower"] == pytest.approx(upper, abs=1e-4)
        picks = pd.Series([row[versions.index(version)] for row in answers]).value_counts()
        assert [o["count"] for o in item["options"]] == [int(picks.get(i, 0)) for i in range(4)]
    assert any(i["flags"] for i in results["items"])


# --- Pages ------------------------------------------------------------------------------------


def _admin(unit, client):
    admin = make_exam_admin(unit)
    admin.groups.get().permissions.add(
        *Permission.objects.filter(
            content_type__app_label="exams", codename__in=["change_question", "view_question"]
        )
    )
    client.force_login(admin)
    return admin


def test_page_shows_figures_flags_links_and_charts_with_a_query_budget(
    client, hand_session, org, django_assert_max_num_queries
):
    session, versions = hand_session
    _admin(org.city, client)
    compute = client.post(reverse(url_name("analysis_compute"), args=[session.pk]), follow=True)
    assert compute.status_code == 200
    message = str(MSG_ANALYSIS_DONE % {"attempts": 30, "items": 10, "flagged": 5})
    assert message in compute.content.decode()
    url = reverse(url_name("analysis"), args=[session.pk])
    client.get(url)  # charts drawn once, then cached

    with django_assert_max_num_queries(16):
        response = client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-figure="reliability">0.5867<' in html
    assert "KR-20" in html
    flagged = [i for i in response.context["items"] if i["flags"]]
    assert len(flagged) == 5
    first = versions[0].question_id
    edit = reverse("wagtailsnippets_exams_question:edit", args=[first])
    statistics = reverse("exams_question_statistics", args=[first])
    assert f'href="{edit}" data-edit-question' in html
    assert f'href="{statistics}" data-question-statistics' in html
    assert "几乎所有考生都答对" in html
    assert 'data-chart="scatter"' in html and "data:image/svg+xml;base64," in html
    only = client.get(url + "?flagged=1")
    assert len(only.context["items"]) == 5
    # One click from the flag to the question's editor and its usage across sessions.
    assert client.get(edit).status_code == 200
    page = client.get(statistics)
    assert page.status_code == 200
    assert session.title in page.content.decode()


def test_question_page_lists_every_session_that_used_it(client, blueprint, org):
    versions = _versions(10)
    unit = org.departments_of(org.districts[0])[0]
    first = closed_session(blueprint, org.city, "第一场")
    second = closed_session(blueprint, org.city, "第二场")
    other = closed_session(blueprint, org.districts[1], "另一区的考试")
    for s in (first, second, other):
        seed(s, unit, versions, hand_answers())
        item_analysis_request(session=s)
    _admin(org.districts[0], client)

    response = client.get(reverse("exams_question_statistics", args=[versions[7].question_id]))

    # A district's administrator sees neither the city's sessions nor the other district's.
    assert response.status_code == 200
    assert response.context["rows"] == []
    client.logout()
    _admin(org.city, client)
    response = client.get(reverse("exams_question_statistics", args=[versions[7].question_id]))
    titles = [row["session"].title for row in response.context["rows"]]
    assert sorted(titles) == ["另一区的考试", "第一场", "第二场"]
    assert all(row["flag_labels"] == ["过难"] for row in response.context["rows"])


def test_export_is_a_workbook_of_figures_items_and_options(client, hand_session, org):
    session, versions = hand_session
    item_analysis_request(session=session)
    _admin(org.city, client)

    response = client.get(reverse(url_name("analysis_export"), args=[session.pk]))

    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["考试概况", "试题", "选项"]
    figures = {row[0]: row[1] for row in book["考试概况"].iter_rows(min_row=2, values_only=True)}
    assert figures["答卷数"] == 30
    assert figures["信度（KR-20）"] == pytest.approx(KR20, abs=1e-4)
    items = list(book["试题"].iter_rows(min_row=2, values_only=True))
    assert len(items) == 10
    assert items[7][7] == pytest.approx(4 / 30, abs=1e-4)
    assert items[7][12] == "过难"
    options = list(book["选项"].iter_rows(min_row=2, values_only=True))
    assert len(options) == 40
    assert options[7][3:8] == ("D", options[7][4], None, 0, 0)
    assert book["试题"].freeze_panes == "A2"


def test_export_escapes_formulas(client, blueprint, org):
    session = closed_session(blueprint, org.city)
    versions = _versions(2)
    QuestionVersion.objects.filter(pk=versions[0].pk).update(stem_text="=HYPERLINK(1)")
    seed(session, org.city, versions, [[0, 1], [1, 0], [0, 0]])
    item_analysis_request(session=session)
    _admin(org.city, client)

    response = client.get(reverse(url_name("analysis_export"), args=[session.pk]))

    stems = [
        r[4]
        for r in load_workbook(io.BytesIO(response.content))["试题"].iter_rows(
            min_row=2, values_only=True
        )
    ]
    assert "'=HYPERLINK(1)" in stems


@pytest.mark.parametrize("who", ["learner", "hr", "other_district_admin"])
def test_other_people_are_refused(client, hand_session, org, who):
    session, _versions_ = hand_session
    session.eligible_unit = org.districts[0]
    session.save()
    item_analysis_request(session=session)
    if who == "learner":
        user = UserFactory(org_unit=org.districts[0])
        give_totp(user)
        client.force_login(user)
    elif who == "hr":
        user = UserFactory(org_unit=org.districts[0])
        role_assign(user=user, role=Role.HR, scope=org.districts[0])
        give_totp(user)
        client.force_login(user)
    else:
        _admin(org.districts[1], client)
    for name in ("analysis", "analysis_export", "analysis_progress"):
        response = client.get(reverse(url_name(name), args=[session.pk]))
        assert response.status_code in (302, 403, 404), (name, response.status_code)
        if response.status_code == 302:  # to the login, or (no permission) the admin's home
            assert "login" in response["Location"] or response["Location"] == "/admin/"
    before = ItemAnalysis.objects.get(session=session).requested_at
    response = client.post(reverse(url_name("analysis_compute"), args=[session.pk]))
    assert response.status_code in (302, 403, 404)
    assert ItemAnalysis.objects.get(session=session).requested_at == before
    if who == "other_district_admin":
        assert client.get(reverse(url_name("analysis"), args=[session.pk])).status_code == 404


def test_the_district_admin_of_the_session_may_use_it(client, hand_session, org):
    session, _versions_ = hand_session
    session.eligible_unit = org.districts[0]
    session.save()
    _admin(org.districts[0], client)

    response = client.post(reverse(url_name("analysis_compute"), args=[session.pk]))

    assert response.status_code == 302
    assert ItemAnalysis.objects.get(session=session).status == ItemAnalysis.Status.DONE


def test_a_large_session_runs_as_a_task_with_progress(client, hand_session, org, settings):
    session, _versions_ = hand_session
    settings.EXAMS_ITEM_ANALYSIS_INLINE_MAX = 10  # 30 attempts: background
    from exams.services import analysis as service

    seen = []
    original = service._progress

    def spy(analysis_id, done, total=None):
        seen.append((done, total))
        original(analysis_id, done, total)

    service_every = service.PROGRESS_EVERY_ROWS
    service.PROGRESS_EVERY_ROWS = 100
    service._progress = spy
    try:
        _admin(org.city, client)
        client.post(reverse(url_name("analysis_compute"), args=[session.pk]))
    finally:
        service._progress = original
        service.PROGRESS_EVERY_ROWS = service_every

    stored = ItemAnalysis.objects.get(session=session)
    assert stored.task_result_id  # enqueued (the test backend runs it at once)
    assert stored.status == ItemAnalysis.Status.DONE
    # Rows read against the expected attempts × paper length (the fixture's blueprint has 20
    # questions, the seeded papers 10); the finished row says what was really read.
    assert seen == [(100, 600), (200, 600), (300, 600)]
    progress = client.get(reverse(url_name("analysis_progress"), args=[session.pk])).json()
    assert progress == {
        "status": "done",
        "label": "已完成",
        "done": 300,
        "total": 300,
        "percent": 100,
        "running": False,
    }


def test_void_and_unfinished_attempts_are_left_out(hand_session):
    session, _versions_ = hand_session
    Attempt.objects.filter(session=session, seed__in=[0, 1]).update(status=AttemptStatus.VOIDED)
    Attempt.objects.filter(session=session, seed=2).update(
        status=AttemptStatus.IN_PROGRESS, score=None
    )

    item_analysis_request(session=session)

    assert ItemAnalysis.objects.get(session=session).results["session"]["attempts"] == 27


def test_page_before_any_analysis_offers_the_button(client, hand_session, org):
    session, _versions_ = hand_session
    _admin(org.city, client)

    response = client.get(reverse(url_name("analysis"), args=[session.pk]))

    html = response.content.decode()
    assert "data-no-analysis" in html
    assert "计算试题分析" in html


def test_a_run_under_way_shows_progress_and_a_dead_one_can_be_started_again(
    client, hand_session, org
):
    session, _versions_ = hand_session
    _admin(org.city, client)
    url = reverse(url_name("analysis"), args=[session.pk])
    queued = ItemAnalysis.objects.create(
        session=session, status=ItemAnalysis.Status.RUNNING, requested_at=timezone.now()
    )

    html = client.get(url).content.decode()
    assert "data-analysis-progress" in html
    assert 'disabled aria-disabled="true"' in html
    # Asking again while it runs returns the run under way, untouched.
    assert item_analysis_request(session=session).status == ItemAnalysis.Status.RUNNING

    ItemAnalysis.objects.filter(pk=queued.pk).update(
        requested_at=timezone.now() - timedelta(hours=1)
    )
    html = client.get(url).content.decode()
    assert "data-analysis-progress" not in html
    assert 'disabled aria-disabled="true"' not in html
    assert item_analysis_request(session=session).status == ItemAnalysis.Status.DONE


def test_the_analysis_reports_the_spread_of_the_papers_expected_scores(hand_session, client, org):
    """After the sitting: how far apart in difficulty the candidates' papers were, against the
    target their (balanced) draw aimed at."""
    session, _versions = hand_session
    attempts = list(Attempt.objects.filter(session=session).order_by("pk"))
    assert len(attempts) == 30
    for i, attempt in enumerate(attempts):  # ten papers each at 70, 72 and 75
        attempt.expected_score = [70, 72, 75][i % 3]
        attempt.save(update_fields=["expected_score"])
    AttemptEvent.objects.create(
        attempt=attempts[0],
        action=AttemptEvent.Action.START,
        to_status=AttemptStatus.IN_PROGRESS,
        at=attempts[0].started_at,
        data={"paper": {"expected_score": 70, "target": 72.0}},
    )

    item_analysis_request(session=session)

    papers = ItemAnalysis.objects.get(session=session).results["papers"]
    assert papers["papers"] == 30
    assert (papers["min"], papers["max"]) == (70, 75)
    assert papers["mean"] == pytest.approx(72.33, abs=0.01)
    # population SD: sqrt((10 · 2.333² + 10 · 0.333² + 10 · 2.667²) / 30) = 2.05
    assert papers["sd"] == pytest.approx(2.05, abs=0.01)
    # target 72 ± 2: the papers at 70 and 72 are within, those at 75 are not
    assert papers["target"] == 72 and papers["within_band"] == pytest.approx(2 / 3, abs=1e-4)
    _admin(org.city, client)
    page = client.get(reverse(url_name("analysis"), args=[session.pk])).content.decode()
    assert 'data-figure="papers"' in page and "66.7%" in page
