"""Reading a mock exam (模拟考试) that teaches: the topics where the candidate lost points, with
the lessons that teach them, and whether the candidate may sit it again."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from cms.courses.selectors import lessons_citing

from .models import Attempt, AttemptStatus, Citation, ExamKind
from .selectors import result_visible
from .services.attempts import attempts_allowed, candidate_for, grace, refusal_for


@dataclass
class WeakTopic:
    """A topic of the paper where points were lost, with where to study and practise it."""

    topic_id: int
    name: str
    earned: Decimal = Decimal(0)
    possible: Decimal = Decimal(0)
    missed: int = 0  # questions of the topic not answered fully right
    lessons: list = field(
        default_factory=list
    )  # LessonLinks: live lessons quoting the cited articles

    @property
    def lost(self) -> Decimal:
        return self.possible - self.earned

    @property
    def percent(self) -> int:
        return int(self.earned * 100 / self.possible) if self.possible else 0


def mock_weak_topics(attempt: Attempt, *, now: datetime | None = None) -> list[WeakTopic]:
    """The topics of a finished mock attempt where the candidate lost points, weakest first
    (lowest share of the topic's points), each with its score and the live lessons quoting
    the articles that the missed questions cite.

    Empty for other kinds and while the score is not visible. Three queries whatever the
    paper's length: the slots with their questions' topics, the missed questions' citations,
    the lessons (``lessons_citing``).
    """
    if attempt.session.kind != ExamKind.MOCK or not result_visible(attempt, now=now):
        return []
    slots = attempt.slots.select_related("question_version__question__topic")
    topics: dict[int, WeakTopic] = {}
    missed_versions: dict[int, int] = {}  # question version -> topic
    for slot in slots:
        topic = slot.question_version.question.topic
        row = topics.setdefault(topic.pk, WeakTopic(topic_id=topic.pk, name=topic.name))
        earned = slot.earned or Decimal(0)
        row.earned += earned
        row.possible += slot.points
        if earned < slot.points:
            row.missed += 1
            missed_versions[slot.question_version_id] = topic.pk
    weak = {pk: row for pk, row in topics.items() if row.earned < row.possible}
    if not weak:
        return []
    cited = Citation.objects.filter(version_id__in=list(missed_versions)).values_list(
        "version_id", "article_id"
    )
    articles_by_topic: dict[int, set[int]] = {}
    for version_id, article_id in cited:
        articles_by_topic.setdefault(missed_versions[version_id], set()).add(article_id)
    lessons = lessons_citing({a for ids in articles_by_topic.values() for a in ids})
    for topic_id, article_ids in articles_by_topic.items():
        seen: dict[int, object] = {}
        for article_id in article_ids:
            for lesson in lessons.get(article_id, []):
                seen.setdefault(lesson.pk, lesson)
        weak[topic_id].lessons = sorted(seen.values(), key=lambda link: link.path)
    return sorted(weak.values(), key=lambda row: (row.earned / row.possible, row.name))


@dataclass(frozen=True)
class Retake:
    """What the result and review pages offer for sitting the mock again."""

    session_id: int
    resume_attempt_id: int | None  # an attempt already running: continue it instead
    remaining: int  # attempts left after the running one, if any


def mock_retake(attempt: Attempt, user, *, now: datetime | None = None) -> Retake | None:
    """Whether the candidate of a finished mock attempt may start another (再考一次): the same
    start rules as the session's page (open, eligible, attempts allowed plus their extra
    attempts not used up). None for other kinds, or when no attempt remains.

    ``user`` is the attempt's candidate (the signed-in user whose attempt it is). A fixed
    number of queries: the person's attempts in the session, their candidate row, and what
    the eligibility rule reads (the person's unit and the session's).
    """
    if user.pk != attempt.user_id:
        return None
    session = attempt.session
    if session.kind != ExamKind.MOCK or not attempt.is_finished:
        return None
    now = now or timezone.now()
    mine = list(
        Attempt.objects.filter(session_id=session.pk, user_id=attempt.user_id).only(
            "status", "passed", "blocking", "deadline"
        )
    )
    running = next(
        (a for a in mine if a.status == AttemptStatus.IN_PROGRESS and now <= a.deadline + grace()),
        None,
    )
    finished = [a for a in mine if a.status != AttemptStatus.IN_PROGRESS]
    if running is not None and now < session.closes_at:
        return Retake(session_id=session.pk, resume_attempt_id=running.pk, remaining=0)
    candidate = candidate_for(session, user)
    if refusal_for(session, user, candidate=candidate, finished=finished, now=now) is not None:
        return None
    return Retake(
        session_id=session.pk,
        resume_attempt_id=None,
        remaining=attempts_allowed(session, candidate) - len(finished),
    )
