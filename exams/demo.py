"""Demo question bank and exams.

About 440 questions written from the real law texts (exams/demo_data/), four sessions open now
(the annual law exam for every civil servant, a pre-appointment exam for the leading cadres, a
rotation exam for enforcement officers and a mock exam) and one closed rotation exam, with
finished attempts so that results and review pages have data. Idempotent.
"""

import math
import random
import time
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cms.people.demo import SIMULATED_PREFIX
from cms.people.models import OrgUnit

from .models import (
    Attempt,
    AttemptStatus,
    Blueprint,
    BlueprintSection,
    BookedAttempt,
    Candidate,
    ExamKind,
    ExamSession,
    Question,
    QuestionStatus,
    ResultRelease,
    ReviewPolicy,
    ScoringRule,
)
from .services import answer_save, attempt_start, attempt_submit, questions_import, topic_by_path
from .tokens import token_for, token_read

DEMO_DIR = Path(__file__).resolve().parent / "demo_data"
#: questions_plan.csv tests the city's implementation plan itself, citing its units
#: (《市政府依法行政实施方案》二（一）3): the plan must be in the library (import_policies).
DEMO_FILES = ["questions_part1.csv", "questions_part2.csv", "questions_plan.csv"]
SHANGHAI = ZoneInfo("Asia/Shanghai")


DEMO_COUNTS = [
    ("试题", lambda: Question.objects.count()),
    (
        "试题：待复核（修法）",
        lambda: Question.objects.filter(status=QuestionStatus.NEEDS_REVIEW).count(),
    ),
    ("考试场次", lambda: ExamSession.objects.count()),
    ("已交答卷", lambda: Attempt.objects.exclude(status=AttemptStatus.IN_PROGRESS).count()),
    ("记入错题本的答卷", lambda: BookedAttempt.objects.count()),
]


class DemoBankError(RuntimeError):
    pass


@dataclass(frozen=True)
class SectionSpec:
    title: str
    topics: tuple[str, ...]
    kind: str
    count: int
    points: int


ALL = ("宪法", "行政法", "公务员法", "依法行政与法治政府", "专门法律知识")
BLUEPRINTS: dict[str, list[SectionSpec]] = {
    "年度学法考试标准卷": [
        SectionSpec("单项选择题", ALL, "single", 20, 2),
        SectionSpec("多项选择题", ALL, "multiple", 10, 3),
        SectionSpec("判断题", ALL, "true_false", 15, 2),
    ],
    "任前法律知识考试卷": [
        SectionSpec("单项选择题", ("宪法", "行政法", "公务员法"), "single", 15, 3),
        SectionSpec("多项选择题", ("宪法", "行政法", "公务员法"), "multiple", 5, 5),
        SectionSpec("判断题", ("宪法", "行政法", "公务员法"), "true_false", 15, 2),
    ],
    "行政执法人员轮训考试卷": [
        SectionSpec("单项选择题", ("行政法", "专门法律知识"), "single", 20, 2),
        SectionSpec("多项选择题", ("行政法", "专门法律知识"), "multiple", 10, 3),
        SectionSpec("判断题", ("行政法", "专门法律知识"), "true_false", 15, 2),
    ],
    "模拟练习卷": [
        SectionSpec("单项选择题", ALL, "single", 6, 10),
        SectionSpec("多项选择题", ALL, "multiple", 2, 10),
        SectionSpec("判断题", ALL, "true_false", 2, 10),
    ],
}


def _sessions(now: datetime) -> list[dict]:
    """Windows relative to today, so that the demo shows open exams whenever it is loaded."""
    today = now.astimezone(SHANGHAI).replace(hour=0, minute=0, second=0, microsecond=0)
    year = today.year

    def day(offset: int, hour: int = 0) -> datetime:
        return today + timedelta(days=offset, hours=hour)

    return [
        dict(
            title=f"{year}年度全市公务员学法考试",
            kind=ExamKind.ANNUAL_LAW,
            blueprint="年度学法考试标准卷",
            opens_at=day(-26),
            closes_at=day(34, 23),
            duration_minutes=60,
            attempts_allowed=2,
            review_policy=ReviewPolicy.FULL_AFTER_CLOSE,
            result_release=ResultRelease.IMMEDIATELY,
            instructions="本次考试共45题，满分100分，60分合格。考试时间60分钟，计时以服务器为准，"
            "作答自动保存；网络中断时答案暂存在本机，恢复后自动提交。",
        ),
        dict(
            title=f"{year}年领导干部任前法律知识考试（第四批）",
            kind=ExamKind.PRE_APPOINTMENT,
            blueprint="任前法律知识考试卷",
            opens_at=day(-7),
            closes_at=day(23, 23),
            duration_minutes=90,
            only_leading_cadres=True,
            review_policy=ReviewPolicy.SCORE_ONLY,
            instructions="拟任职领导干部须参加任前法律知识考试。一次考试不合格的可补考一次，"
            "补考仍不合格的，记录为不得任用。",
        ),
        dict(
            title=f"{year}年行政执法人员轮训考试（本期）",
            kind=ExamKind.ANNUAL_ROTATION,
            blueprint="行政执法人员轮训考试卷",
            opens_at=day(-12),
            closes_at=day(28, 23),
            duration_minutes=60,
            only_enforcement_officers=True,
            scoring=ScoringRule.PARTIAL,
            instructions="多项选择题少选得一半分，错选不得分。",
        ),
        dict(
            title="依法行政知识模拟考试",
            kind=ExamKind.MOCK,
            blueprint="模拟练习卷",
            opens_at=day(-60),
            closes_at=day(365, 23),
            duration_minutes=20,
            attempts_allowed=10,
            review_policy=ReviewPolicy.FULL_AFTER_SUBMIT,
            instructions="模拟考试不计入成绩，可反复练习；交卷后即可查看答案与解析、"
            "薄弱知识点及相关课程。",
        ),
        dict(
            title=f"{year}年行政执法人员轮训考试（上期）",
            kind=ExamKind.ANNUAL_ROTATION,
            blueprint="行政执法人员轮训考试卷",
            opens_at=day(-180),
            closes_at=day(-150, 23),
            duration_minutes=60,
            only_enforcement_officers=True,
            review_policy=ReviewPolicy.FULL_AFTER_CLOSE,
            scoring=ScoringRule.PARTIAL,
        ),
        # Closes in under three days: the 西湖区 learners who have not sat it are reminded.
        dict(
            title=f"{year}年西湖区《行政处罚法》专题学法考试",
            kind=ExamKind.ANNUAL_LAW,
            blueprint="年度学法考试标准卷",
            opens_at=day(-10),
            closes_at=day(2, 23),
            duration_minutes=60,
            eligible_unit="330106",
            instructions="西湖区公务员专题学法考试，考试截止前须完成。",
        ),
    ]


# (employee number, session index, days after opening, share of answers right)
FINISHED = [
    ("E1001", 0, 2, 0.92),
    ("E1002", 0, 3, 0.55),
    ("E2001", 0, 5, 0.81),
    ("E3001", 0, 6, 0.74),
    ("E4002", 0, 4, 0.66),
    ("E4003", 0, 8, 0.97),
    ("E1003", 4, 3, 0.88),
    ("E1004", 4, 4, 0.45),
    ("E2002", 4, 2, 0.72),
    ("E3002", 4, 6, 0.64),
    ("E3003", 4, 9, 0.50),
    ("E4001", 4, 5, 0.83),
    ("E1003", 2, 1, 0.86),
    ("E2002", 2, 2, 0.70),
    ("E2004", 1, 1, 0.48),
    # The mock exam (review right after submit): the demo learners see their answers with
    # the keys, their weak topics with the lessons, and 再考一次.
    ("E1001", 3, 50, 0.62),
    ("E1003", 3, 52, 0.70),
    ("E3004", 3, 55, 0.55),
    ("E1006", 3, 57, 0.66),
]


def demo_load(*, stdout) -> None:
    for name in DEMO_FILES:
        path = DEMO_DIR / name
        report = questions_import(data=path.read_bytes(), filename=name, skip_duplicates=True)
        if report.errors:
            details = "; ".join(f"{e.position}: {e.message}" for e in report.errors[:5])
            raise DemoBankError(f"{name}: {report.summary}: {details}")
        stdout.write(f"{name}: {report.summary}\n")
    sessions = _demo_sessions_load()
    created = _demo_attempts_load(sessions)
    stdout.write(f"exam sessions: {len(sessions)}, finished demo attempts created: {created}\n")
    marked = demo_marking_load()
    stdout.write(f"case-analysis demo: {marked} answers marked twice, results released\n")

    analysed = demo_item_analysis_load()
    stdout.write(f"item analysis session: {analysed}\n")
    mocks, booked = demo_wrong_book_load(sessions)
    stdout.write(f"wrong-answer book: {mocks} mock sittings created, {booked} attempts booked\n")
    rounds = demo_practice_load()
    stdout.write(f"practice demo: {rounds} practice rounds created\n")


@transaction.atomic
def _demo_sessions_load() -> list[ExamSession]:
    blueprints = {}
    for name, specs in BLUEPRINTS.items():
        blueprint, created = Blueprint.objects.get_or_create(name=name)
        if created:
            for order, spec in enumerate(specs):
                section = BlueprintSection.objects.create(
                    blueprint=blueprint,
                    sort_order=order,
                    title=spec.title,
                    kind=spec.kind,
                    count=spec.count,
                    points=Decimal(spec.points),
                )
                section.topics.set([topic_by_path(t) for t in spec.topics])
        blueprints[name] = blueprint
    city = OrgUnit.objects.get(code="330100")
    sessions = []
    for spec in _sessions(timezone.now()):
        unit = OrgUnit.objects.get(code=spec["eligible_unit"]) if "eligible_unit" in spec else city
        fields = {**spec, "blueprint": blueprints[spec["blueprint"]], "eligible_unit": unit}
        session, created = ExamSession.objects.get_or_create(title=spec["title"], defaults=fields)
        if not created and session.kind == ExamKind.MOCK:
            # A demo loaded before mocks taught: its mock shows the review right after submit.
            policy = spec.get("review_policy", session.review_policy)
            if session.review_policy != policy:
                session.review_policy = policy
                session.full_clean()
                session.save(update_fields=["review_policy"])
        sessions.append(session)
    cadre = get_user_model().objects.get(employee_number="E1006")
    Candidate.objects.get_or_create(
        session=sessions[1],
        user=cadre,
        defaults={"extra_minutes": 15, "note": "视力障碍，延时15分钟"},
    )
    return sessions


def _demo_attempts_load(sessions: list[ExamSession]) -> int:
    users = {
        u.employee_number: u
        for u in get_user_model().objects.filter(employee_number__in={f[0] for f in FINISHED})
    }
    created = 0
    for employee_number, index, days, skill in FINISHED:
        session, user = sessions[index], users[employee_number]
        if Attempt.objects.filter(session=session, user=user).exists():
            continue
        started = min(
            session.opens_at + timedelta(days=days, hours=10), timezone.now() - timedelta(hours=1)
        )
        _finished_attempt(session, user, started, skill)
        created += 1
    return created


def _finished_attempt(session: ExamSession, user, started: datetime, skill: float) -> Attempt:
    """Sit the exam as a candidate would: start, save answers through the autosave service,
    submit before the deadline."""
    rng = random.Random(f"{user.employee_number}:{session.pk}")
    attempt = attempt_start(session=session, user=user, now=started)
    raw = token_for(attempt_id=attempt.pk, user_id=user.pk, deadline=attempt.deadline)
    moment = started.timestamp() + 60
    token = token_read(raw, now=min(moment, time.time()))
    for slot in attempt.slots.select_related("question_version"):
        right = slot.question_version.correct_ids
        if rng.random() < skill:
            chosen = right
        else:
            wrong = [i for i in slot.option_order if i not in right]
            chosen = [rng.choice(wrong)] if wrong else []
        answer_save(token=token, position=slot.position, selected=chosen, seq=1, now=moment)
    longest = max(1, session.duration_minutes - 5)  # a 20-minute mock: done in 1 to 15
    finished = started + timedelta(minutes=rng.randint(min(20, longest), longest))
    return attempt_submit(attempt_id=attempt.pk, user=user, now=finished)


# --- A case-analysis question, marked twice and released ------------------------------------

CASE_STEM = (
    "2026年3月2日，某区市场监督管理局受理了甲公司的食品经营许可申请。该局直到4月20日仍未作出"
    "决定，其间既未经本局负责人批准延长期限，也未告知甲公司延期理由。4月21日，该局作出不予"
    "许可的书面决定，决定书只写“经研究，不予许可”，未说明理由，也未告知甲公司救济途径。"
    "请根据《中华人民共和国行政许可法》分析该局的做法存在哪些问题。"
)
CASE_MODEL_ANSWER = (
    "一、审查期限：除当场作出决定的外，行政机关应当自受理申请之日起二十日内作出决定；二十日内"
    "不能作出决定的，经本行政机关负责人批准可以延长十日，并应当将延长期限的理由告知申请人"
    "（第四十二条）。该局受理后逾期未作决定，既未经负责人批准延期，也未告知理由，违反该规定。\n"
    "二、不予许可的决定：行政机关依法作出不予行政许可的书面决定的，应当说明理由，并告知申请人"
    "享有依法申请行政复议或者提起行政诉讼的权利（第三十八条第二款）。该局决定书未说明理由、"
    "未告知救济途径，程序违法。\n"
    "三、结论：该局的做法违反《行政许可法》规定的期限和程序，甲公司可以依法申请行政复议或者"
    "提起行政诉讼。"
)
CASE_RUBRIC = [
    ("指出二十日的审查期限及逾期未作决定违法", "4"),
    ("指出延长十日须经负责人批准并告知申请人延期理由", "4"),
    ("指出不予许可决定应当说明理由", "4"),
    ("指出应当告知申请复议或者提起诉讼的权利", "4"),
    ("结论明确、表述规范", "4"),
]
CASE_CITATIONS = "行政许可法第四十二条；行政许可法第三十八条"
CASE_SESSION = "2026年执法资格考试（含案例分析）"
CASE_BLUEPRINT = "执法资格考试卷（含案例分析）"
# (candidate, how well they write: criterion scores of the two markers, a comment)
CASE_ANSWERS = [
    (
        "E1003",
        "该局违反了行政许可法第四十二条：应当在受理后二十日内作出决定，需要延长的要经负责人批准"
        "延长十日并告知理由。不予许可决定没有说明理由，也没有告知可以申请行政复议或者提起行政诉讼，"
        "违反第三十八条。该局做法违法。",
        (["4", "4", "4", "4", "3.5"], ["4", "3.5", "4", "4", "3"]),
        ("要点齐全，结论明确。", "要点齐全，延期程序表述略简。"),
    ),
    (
        "E1004",
        "该局超过了法定期限，应当二十日内作出决定。决定书没有写理由，不规范。",
        (["3", "0", "3", "0", "2"], ["3", "0", "2.5", "0", "1.5"]),
        ("未涉及延期程序和救济告知。", "遗漏延期审批与救济途径。"),
    ),
    (
        "E1005",
        "根据行政许可法，行政机关应当在二十日内作出决定，可以延长十日但要负责人批准并告知理由；"
        "不予许可的应当说明理由并告知复议、诉讼的权利。本案中该局两方面都违法。",
        (["4", "4", "3.5", "3.5", "3"], ["4", "3.5", "4", "3", "3"]),
        ("分析到位。", "基本完整，结论可更具体。"),
    ),
]


def _demo_markers() -> list:
    """The demo's two markers (``cms.people.demo``: Role.MARKER over the city)."""
    users = get_user_model().objects.in_bulk(["marker01", "marker02"], field_name="employee_number")
    return [users["marker01"], users["marker02"]]


@transaction.atomic
def demo_marking_load() -> int:
    """One case-analysis question (行政许可法第四十二条、第三十八条) in a closed qualification
    session with double marking; three candidates' answers marked by two markers within the
    tolerance (final mark: the mean) and the results released. Idempotent."""
    from cms.laws.citations import citations_resolve

    from .models import Mark, QuestionKind, QuestionVersion
    from .services import question_create
    from .services.marking import mark_submit, marker_assign
    from .services.sessions import session_release_results

    if ExamSession.objects.filter(title=CASE_SESSION).exists():
        return 0
    topic = topic_by_path("行政法")
    if not QuestionVersion.objects.filter(stem_text=CASE_STEM).exists():
        question_create(
            topic=topic,
            kind=QuestionKind.CASE_ANALYSIS,
            stem=CASE_STEM,
            explanation="考查行政许可的审查期限、延期程序与不予许可决定的说理和救济告知。",
            difficulty=3,
            articles=citations_resolve(CASE_CITATIONS),
            model_answer=CASE_MODEL_ANSWER,
            rubric=CASE_RUBRIC,
        )
    blueprint, created = Blueprint.objects.get_or_create(name=CASE_BLUEPRINT)
    if created:
        for order, (title, kind, count, points) in enumerate(
            [("单项选择题", "single", 10, 4), ("案例分析题", "case_analysis", 1, 20)]
        ):
            section = BlueprintSection.objects.create(
                blueprint=blueprint,
                sort_order=order,
                title=title,
                kind=kind,
                count=count,
                points=Decimal(points),
            )
            section.topics.set([topic])
    now = timezone.now()
    admin = get_user_model().objects.filter(employee_number="examadmin01").first()
    session = ExamSession.objects.create(
        title=CASE_SESSION,
        kind=ExamKind.QUALIFICATION,
        blueprint=blueprint,
        opens_at=now - timedelta(days=20),
        closes_at=now - timedelta(days=19),
        duration_minutes=90,
        result_release=ResultRelease.MANUAL,
        review_policy=ReviewPolicy.FULL_AFTER_CLOSE,
        double_marking=True,
        marking_tolerance=Decimal("2"),
        eligible_unit=OrgUnit.objects.get(code="330100"),
        only_enforcement_officers=True,
        created_by=admin,
    )
    markers = _demo_markers()
    for marker in markers:
        if admin is not None:
            marker_assign(session=session, marker=marker, actor=admin)
    users = get_user_model().objects.in_bulk(
        [a[0] for a in CASE_ANSWERS], field_name="employee_number"
    )
    marked = 0
    for offset, (number, text, (first, second), comments) in enumerate(CASE_ANSWERS):
        user = users[number]
        started = session.opens_at + timedelta(hours=1, minutes=offset)
        attempt = attempt_start(session=session, user=user, now=started)
        raw = token_for(attempt_id=attempt.pk, user_id=user.pk, deadline=attempt.deadline)
        moment = started.timestamp() + 120
        token = token_read(raw, now=min(moment, time.time()))
        rng = random.Random(f"case:{number}")
        for slot in attempt.slots.select_related("question_version"):
            if slot.hand_marked:
                answer_save(
                    token=token, position=slot.position, selected=[], text=text, seq=1, now=moment
                )
            else:
                right = slot.question_version.correct_ids
                wrong = [i for i in slot.option_order if i not in right]
                chosen = right if rng.random() < 0.8 or not wrong else [rng.choice(wrong)]
                answer_save(token=token, position=slot.position, selected=chosen, seq=1, now=moment)
        attempt_submit(attempt_id=attempt.pk, user=user, now=started + timedelta(minutes=70))
        slot = attempt.slots.get(hand_marked=True)
        for marker, scores, comment, hours in (
            (markers[0], first, comments[0], 3),
            (markers[1], second, comments[1], 5),
        ):
            mark_submit(
                slot_id=slot.pk,
                marker=marker,
                scores=scores,
                comment=comment,
                now=session.closes_at + timedelta(hours=hours),
            )
        marked += Mark.objects.filter(slot=slot).count() == 2
    if admin is not None:
        session_release_results(session=session, actor=admin)
    return marked


# --- A finished session with an item analysis ----------------------------------------------
#
# The people demo's 64 simulated candidates sat a closed, single-topic paper (公务员法: 12 + 5 + 8 of its 42
# questions, so each question is answered by 30-45 of them). Answers follow a 2-parameter
# logistic model, ability against the author's difficulty, except for questions chosen by a
# checksum of their text: some are answered right by nearly everyone (过易), some at random
# whatever the candidate's ability (区分度低), and some have a distractor nobody falls for.
# The item analysis is then computed and stored, so the page shows flagged items at once.
# Deterministic: the same answers on every fresh load.

ANALYSIS_SESSION_TITLE = "{year}年上半年全市公务员学法考试（公务员法专题）"
ANALYSIS_BLUEPRINT = "公务员法专题卷"
ANALYSIS_SPECS = [
    SectionSpec("单项选择题", ("公务员法",), "single", 12, 5),
    SectionSpec("多项选择题", ("公务员法",), "multiple", 5, 4),
    SectionSpec("判断题", ("公务员法",), "true_false", 8, 2.5),
]


def _behaviour(stem_key: str) -> str:
    """How the simulated candidates treat a question, fixed by its text."""
    bucket = zlib.crc32(stem_key.encode("utf-8")) % 10
    return {0: "easy", 1: "easy", 2: "random", 3: "dead_distractor"}.get(bucket, "normal")


def _chance_right(behaviour: str, ability: float, difficulty: int) -> float:
    if behaviour == "easy":
        return 0.995
    if behaviour == "random":
        return 0.5
    return 1 / (1 + math.exp(-1.7 * (ability - (difficulty - 3) * 0.7)))


def _demo_answer(version, behaviour: str, ability: float, rng: random.Random) -> list[int]:
    options = version.options
    right = [o["id"] for o in options if o["correct"]]
    wrong = [o["id"] for o in options if not o["correct"]]
    if rng.random() < _chance_right(behaviour, ability, version.difficulty) or not wrong:
        return right
    if behaviour == "dead_distractor" and len(wrong) > 1:
        wrong = wrong[:-1]  # the last distractor never tempts anyone
    choice = rng.choice(wrong)
    if version.kind == "multiple" and len(right) > 1:
        return sorted([*right[1:], choice])
    return [choice]


def _analysis_candidates() -> list:
    """The simulated candidates of the people demo (``cms.people.demo``: E7001…E7064)."""
    return list(
        get_user_model()
        .objects.filter(employee_number__startswith=SIMULATED_PREFIX)
        .order_by("employee_number")
    )


def demo_item_analysis_load() -> str:
    """The finished session with 64 graded attempts and its stored item analysis."""
    from .models import AttemptSlot, ItemAnalysis
    from .services.analysis import item_analysis_request

    with transaction.atomic():
        blueprint, created = Blueprint.objects.get_or_create(name=ANALYSIS_BLUEPRINT)
        if created:
            for order, spec in enumerate(ANALYSIS_SPECS):
                section = BlueprintSection.objects.create(
                    blueprint=blueprint,
                    sort_order=order,
                    title=spec.title,
                    kind=spec.kind,
                    count=spec.count,
                    points=Decimal(str(spec.points)),
                )
                section.topics.set([topic_by_path(t) for t in spec.topics])
        today = (
            timezone.now().astimezone(SHANGHAI).replace(hour=0, minute=0, second=0, microsecond=0)
        )
        opens = today - timedelta(days=150) + timedelta(hours=9)
        session, _ = ExamSession.objects.get_or_create(
            title=ANALYSIS_SESSION_TITLE.format(year=today.year),
            defaults=dict(
                kind=ExamKind.ANNUAL_LAW,
                blueprint=blueprint,
                opens_at=opens,
                closes_at=opens + timedelta(days=3),
                duration_minutes=45,
                review_policy=ReviewPolicy.FULL_AFTER_CLOSE,
                result_release=ResultRelease.IMMEDIATELY,
                eligible_unit=OrgUnit.objects.get(code="330100"),
                instructions="公务员法专题考试，共25题，满分100分。",
            ),
        )
        done = set(Attempt.objects.filter(session=session).values_list("user_id", flat=True))
        created_attempts = 0
        for index, user in enumerate(_analysis_candidates()):
            if user.pk in done:
                continue
            rng = random.Random(f"analysis:{user.employee_number}")
            ability = rng.gauss(0, 1)
            started = session.opens_at + timedelta(minutes=7 * index)
            attempt = attempt_start(session=session, user=user, now=started)
            slots = list(attempt.slots.select_related("question_version").order_by("position"))
            moment = started
            for slot in slots:
                version = slot.question_version
                behaviour = _behaviour(version.stem_key)
                slot.selected = _demo_answer(version, behaviour, ability, rng)
                moment += timedelta(seconds=rng.randint(15, 45) + 5 * version.difficulty)
                slot.saved_at = moment
                slot.seq = 1
            AttemptSlot.objects.bulk_update(slots, ["selected", "saved_at", "seq"])
            attempt_submit(attempt_id=attempt.pk, user=user, now=moment + timedelta(minutes=1))
            created_attempts += 1
    analysis = ItemAnalysis.objects.filter(session=session, status=ItemAnalysis.Status.DONE).first()
    if created_attempts or analysis is None:
        analysis = item_analysis_request(session=session)
    figures = analysis.results.get("session", {})
    return (
        f"{session.title}: {figures.get('attempts')} attempts, {figures.get('items')} items, "
        f"{figures.get('flagged')} flagged"
    )


# --- The wrong-answer book (错题本) -----------------------------------------------------------

# (employee number, days after the mock opened, share of answers right): learners who used the
# mock exam to learn, so that their wrong-answer books hold its questions.
MOCK_SITTINGS = [("E1001", 20, 0.6), ("E1003", 30, 0.7)]


def demo_wrong_book_load(sessions: list[ExamSession]) -> tuple[int, int]:
    """Sit the mock exam for E1001 and E1003 (once each), then book every finished mock and
    released review that is not booked yet (E1003's closed rotation exam, the case-analysis
    exam), so that the demo learners open a filled wrong-answer book. Idempotent."""
    from .services.wrong_book import wrong_books_sync_all

    mock = next(s for s in sessions if s.kind == ExamKind.MOCK)
    users = {
        u.employee_number: u
        for u in get_user_model().objects.filter(employee_number__in={m[0] for m in MOCK_SITTINGS})
    }
    created = 0
    for employee_number, days, skill in MOCK_SITTINGS:
        user = users[employee_number]
        if Attempt.objects.filter(session=mock, user=user).exists():
            continue
        started = min(
            mock.opens_at + timedelta(days=days, hours=9), timezone.now() - timedelta(hours=1)
        )
        _finished_attempt(mock, user, started, skill)
        created += 1
    return created, wrong_books_sync_all()


# --- Practice history, daily-practice streaks and wrong-answer books -----------------------


@dataclass(frozen=True)
class PracticeSpec:
    """One demo learner's practice over the last days: their chance of a right answer, the
    days (counted back from today) with a finished daily practice, and other rounds as
    (days ago, mode, topic path or law key; ``None`` answers only the first three)."""

    employee_number: str
    skill: float
    daily_days: tuple[int, ...]
    rounds: tuple[tuple[int, str, str | None], ...] = ()


# E1001: six days in a row ending yesterday, so today's daily practice is due; E1003 broke
# his run four days ago (streak 3); the others practise now and then.
PRACTICE_DEMO = [
    PracticeSpec(
        "E1001",
        0.65,
        (6, 5, 4, 3, 2, 1),
        ((9, "topic", "宪法"), (7, "law", "administrative-penalty-law"), (2, "wrong", None)),
    ),
    PracticeSpec(
        "E1003",
        0.55,
        (10, 9, 8, 5, 3, 2, 1),
        ((8, "law", "administrative-licensing-law"), (4, "topic", "行政法"), (1, "wrong", None)),
    ),
    PracticeSpec("E3004", 0.75, (4, 2, 1), ((5, "topic", "公务员法"),)),
    PracticeSpec("E1006", 0.8, (3, 1), ((6, "topic", "依法行政与法治政府"),)),
]


def demo_practice_load() -> int:
    """Practice through the practice services (so answers reach the question records and
    wrong ones fill the wrong-answer book), back-dated over the last ten days. A learner who
    already has practice rounds is left as they are."""
    from cms.laws.models import Law

    from .models import PracticeRound
    from .services.practice import PracticeError, daily_round, practice_answer, practice_start

    users = {
        u.employee_number: u
        for u in get_user_model().objects.filter(
            employee_number__in=[spec.employee_number for spec in PRACTICE_DEMO]
        )
    }
    today = timezone.localdate()
    created = 0
    for spec in PRACTICE_DEMO:
        user = users.get(spec.employee_number)
        if user is None or PracticeRound.objects.filter(user=user).exists():
            continue
        rng = random.Random(f"practice:{spec.employee_number}")
        plan = [(ago, "daily", None) for ago in spec.daily_days] + list(spec.rounds)
        # Oldest first, so the wrong-answer rounds find the earlier mistakes in the book.
        plan.sort(key=lambda row: (-row[0], row[1] != "daily"))
        with transaction.atomic():
            for ago, mode, what in plan:
                day = today - timedelta(days=ago)
                hour = 8 if mode == "daily" else 20
                start = datetime(day.year, day.month, day.day, hour, 10, tzinfo=SHANGHAI)
                try:
                    if mode == "daily":
                        practice_round = daily_round(user=user, day=day, now=start)
                    else:
                        criteria = {}
                        if mode == "topic":
                            topic = topic_by_path(what)
                            if topic is None:
                                continue
                            criteria = {"topic": topic.pk}
                        elif mode == "law":
                            law = Law.objects.filter(key=what).first()
                            if law is None:
                                continue
                            criteria = {"law": law.pk}
                        practice_round = practice_start(
                            user=user,
                            mode=mode,
                            criteria=criteria,
                            now=start,
                            seed=f"{spec.employee_number}:{ago}:{mode}",
                        )
                except PracticeError:
                    continue
                created += 1
                items = list(practice_round.items.select_related("question_version"))
                if mode == "wrong" and ago <= 1:
                    items = items[:3]  # left unfinished: a round to resume
                for minute, item in enumerate(items, start=1):
                    right = item.question_version.correct_ids
                    if rng.random() < spec.skill or not right:
                        chosen = right
                    else:
                        wrong = [o for o in item.option_order if o not in right]
                        chosen = [rng.choice(wrong)]
                    practice_answer(
                        user=user,
                        item=item,
                        selected=chosen,
                        now=start + timedelta(minutes=minute),
                        with_feedback=False,
                    )
    return created
