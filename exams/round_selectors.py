"""Reads for practice rounds (练习, 每日一练): what may be drawn, a person's weak topics, the
chooser's lists, and the feedback shown after each answer. Each in a fixed number of queries
whatever the number of questions, rounds or cited articles.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from cms.courses.selectors import LessonLink, lessons_citing
from cms.laws.models import Law, LawKind
from cms.laws.selectors import current_counterparts

from .grading import MACHINE_SCORED_KINDS
from .models import (
    FINISHED_STATUSES,
    AttemptSlot,
    Citation,
    PracticeItem,
    PracticeMode,
    PracticeRound,
    Question,
    QuestionKind,
    QuestionRecord,
    Topic,
)
from .selectors import CitedArticle, cited_article, option_letter, questions_drawable

# "My weak topics" (薄弱知识点): a topic counts once the person has answered at least
# WEAK_MIN_ANSWERS of its questions; the WEAK_TOPIC_COUNT topics with the lowest share of right
# answers, below WEAK_ACCURACY_BELOW per cent, are the weak ones.
WEAK_MIN_ANSWERS = 3
WEAK_TOPIC_COUNT = 3
WEAK_ACCURACY_BELOW = 80


def practice_questions() -> QuerySet[Question]:
    """What practice may draw: active questions scored by the machine (single and multiple
    choice, true/false); never drafts, questions waiting for review, or written answers."""
    return questions_drawable().filter(current_version__kind__in=MACHINE_SCORED_KINDS)


# --- My weak topics --------------------------------------------------------------------------


@dataclass(frozen=True)
class WeakTopic:
    topic_id: int
    name: str
    answered: int
    right: int

    @property
    def accuracy(self) -> int:
        return round(self.right * 100 / self.answered) if self.answered else 0


def topic_accuracy(user_id: int) -> dict[int, tuple[str, int, int]]:
    """{topic id: (name, answered, right)} of one person, each question counted from one
    source.

    A question the person has a ``QuestionRecord`` for is counted from the record (it holds
    their practice, daily practice, mock exam and released-review answers); any other question
    from the machine-scored answers of their finished exam attempts (handed in or timed out,
    voided ones left out; right = full points). So no answer is counted twice. Two queries.
    """
    totals: dict[int, list] = {}
    for topic_id, name, answered, wrong in QuestionRecord.objects.filter(
        user_id=user_id, times_answered__gt=0
    ).values_list("question__topic_id", "question__topic__name", "times_answered", "times_wrong"):
        row = totals.setdefault(topic_id, [name, 0, 0])
        row[1] += answered
        row[2] += answered - wrong
    slots = (
        AttemptSlot.objects.filter(
            attempt__user_id=user_id,
            attempt__status__in=FINISHED_STATUSES,
            hand_marked=False,
            earned__isnull=False,
        )
        .exclude(
            question_version__question_id__in=QuestionRecord.objects.filter(user_id=user_id).values(
                "question_id"
            )
        )
        .values("question_version__question__topic_id", "question_version__question__topic__name")
        .annotate(answered=Count("pk"), right=Count("pk", filter=Q(earned__gte=F("points"))))
    )
    for row in slots:
        total = totals.setdefault(
            row["question_version__question__topic_id"],
            [row["question_version__question__topic__name"], 0, 0],
        )
        total[1] += row["answered"]
        total[2] += row["right"]
    return {topic_id: tuple(row) for topic_id, row in totals.items()}


def weak_topics(user_id: int, *, limit: int = WEAK_TOPIC_COUNT) -> list[WeakTopic]:
    """The person's weakest topics (see ``topic_accuracy``): answered at least
    WEAK_MIN_ANSWERS times, under WEAK_ACCURACY_BELOW per cent right, lowest first (ties: the
    more answered first), at most ``limit``. Two queries."""
    candidates = [
        WeakTopic(topic_id, name, answered, right)
        for topic_id, (name, answered, right) in topic_accuracy(user_id).items()
        if answered >= WEAK_MIN_ANSWERS and right * 100 < WEAK_ACCURACY_BELOW * answered
    ]
    candidates.sort(key=lambda t: (t.right / t.answered, -t.answered, t.topic_id))
    return candidates[:limit]


# --- The pool of one round's criteria -----------------------------------------------------


def practice_pool(
    *, user_id: int, mode: str, criteria: dict, weak: Sequence[WeakTopic] | None = None
) -> QuerySet[Question]:
    """The questions a round of ``mode`` with ``criteria`` draws from (criteria already
    checked by ``practice_start``)."""
    pool = practice_questions()
    if mode == PracticeMode.TOPIC:
        topic = Topic.objects.get(pk=criteria["topic"])
        pool = pool.filter(topic__path__startswith=topic.path)
    elif mode in (PracticeMode.LAW, PracticeMode.ARTICLES):
        cited = Citation.objects.filter(article__version__law_id=criteria["law"])
        if mode == PracticeMode.ARTICLES:
            cited = cited.filter(
                article__number__gte=criteria["from"], article__number__lte=criteria["to"]
            )
        pool = pool.filter(current_version__in=cited.values("version_id"))
    elif mode == PracticeMode.WEAK:
        topics = weak if weak is not None else weak_topics(user_id)
        pool = pool.filter(topic_id__in=[t.topic_id for t in topics])
    elif mode == PracticeMode.WRONG:
        pool = pool.filter(
            pk__in=QuestionRecord.objects.filter(user_id=user_id, in_book=True).values(
                "question_id"
            )
        )
    return pool


# --- The daily selection -------------------------------------------------------------------


def daily_pick(
    pool: Iterable[int], records: dict[int, bool], count: int, rng: random.Random
) -> list[int]:
    """Today's questions out of ``pool`` (question ids): first those in the wrong-answer book
    (``records[q]`` True), then those never answered (no record), then the rest; each group
    in an order the seeded ``rng`` shuffles, so the same person and day give the same pick."""
    ids = sorted(set(pool))
    in_book = [q for q in ids if records.get(q) is True]
    unseen = [q for q in ids if q not in records]
    seen = [q for q in ids if records.get(q) is False]
    for group in (in_book, unseen, seen):
        rng.shuffle(group)
    return (in_book + unseen + seen)[:count]


def daily_seed(user_id: int, day: datetime.date) -> str:
    return f"daily:{user_id}:{day.isoformat()}"


# --- The chooser ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicChoice:
    pk: int
    name: str
    depth: int
    count: int  # practice questions in the topic's subtree

    @property
    def indent(self) -> str:
        return "\u3000" * (self.depth - 1)


@dataclass(frozen=True)
class LawChoice:
    pk: int
    key: str
    title: str
    count: int  # practice questions citing any article of the law
    is_policy: bool


def topic_choices() -> list[TopicChoice]:
    """Every topic in tree order with the practice questions of its subtree. Two queries."""
    topics = list(Topic.objects.order_by("path").values_list("pk", "path", "name", "depth"))
    per_topic = dict(
        practice_questions()
        .values("topic__path")
        .annotate(n=Count("pk"))
        .values_list("topic__path", "n")
    )
    return [
        TopicChoice(
            pk,
            name,
            depth,
            sum(n for p, n in per_topic.items() if p.startswith(path)),
        )
        for pk, path, name, depth in topics
    ]


def law_choices() -> list[LawChoice]:
    """The laws that practice questions cite, with how many cite each. Two queries."""
    counts = dict(
        practice_questions()
        .values("current_version__citations__article__version__law_id")
        .annotate(n=Count("pk", distinct=True))
        .values_list("current_version__citations__article__version__law_id", "n")
    )
    laws = Law.objects.filter(pk__in=[pk for pk in counts if pk]).order_by("category", "title")
    return [
        LawChoice(law.pk, law.key, law.title, counts[law.pk], law.kind == LawKind.POLICY)
        for law in laws
    ]


def recent_rounds(user_id: int, *, limit: int = 10) -> list[PracticeRound]:
    """The person's latest rounds, newest first (one query)."""
    return list(
        PracticeRound.objects.filter(user_id=user_id).order_by("-started_at", "-pk")[:limit]
    )


def daily_calendar(
    user_id: int, today: datetime.date, *, days: int = 14
) -> list[tuple[datetime.date, PracticeRound | None]]:
    """The last ``days`` days up to today, each with the person's daily round (or None)."""
    first = today - datetime.timedelta(days=days - 1)
    rounds = {
        r.day: r
        for r in PracticeRound.objects.filter(
            user_id=user_id, mode=PracticeMode.DAILY, day__gte=first, day__lte=today
        )
    }
    return [
        (day, rounds.get(day)) for day in (first + datetime.timedelta(days=n) for n in range(days))
    ]


def wrong_book_size(user_id: int) -> int:
    return (
        practice_questions()
        .filter(
            pk__in=QuestionRecord.objects.filter(user_id=user_id, in_book=True).values(
                "question_id"
            )
        )
        .count()
    )


# --- A round and the feedback after each answer ----------------------------------------------


def round_for_learner(round_id: int, user) -> PracticeRound:
    """The person's own round; anybody else's is a 404."""
    return get_object_or_404(PracticeRound, pk=round_id, user_id=user.pk)


@dataclass(frozen=True)
class ItemOption:
    id: int
    letter: str
    text: str
    chosen: bool
    key: bool | None  # None until the item is answered: keys never leave before
    feedback: str = ""


@dataclass
class RoundItem:
    """One question of a round as its page shows it; keys and feedback only once answered."""

    pk: int
    position: int
    question_id: int
    topic_id: int
    kind: str
    kind_label: str
    multiple: bool
    indefinite: bool
    stem: str
    options: list[ItemOption]
    answered: bool
    correct: bool | None
    explanation: str = ""
    articles: list[CitedArticle] = field(default_factory=list)
    lessons: list[LessonLink] = field(default_factory=list)

    @property
    def key_letters(self) -> str:
        if self.kind == QuestionKind.TRUE_FALSE:
            return "、".join(o.text for o in self.options if o.key)
        return "、".join(o.letter for o in self.options if o.key)

    @property
    def chosen_letters(self) -> str:
        if self.kind == QuestionKind.TRUE_FALSE:
            return "、".join(o.text for o in self.options if o.chosen)
        return "、".join(o.letter for o in self.options if o.chosen)


def round_items(
    practice_round: PracticeRound, *, item_ids: Iterable[int] | None = None
) -> list[RoundItem]:
    """All the round's items in order, the answered ones with their feedback: key,
    explanation, the cited articles' text (the version cited, marked when amended) and the
    lessons quoting those articles. Five queries at most whatever the round's length: the
    items with their versions, the citations with articles, the current counterparts of
    amended articles (two) and the lessons. ``item_ids``: only these items."""
    queryset = PracticeItem.objects.filter(round=practice_round)
    if item_ids is not None:
        queryset = queryset.filter(pk__in=list(item_ids))
    items = list(
        queryset.select_related("question_version", "question")
        .prefetch_related(
            Prefetch(
                "question_version__citations",
                queryset=Citation.objects.select_related("article__version__law").order_by(
                    "position", "pk"
                ),
            )
        )
        .order_by("position")
    )
    answered = [item for item in items if item.answered_at is not None]
    articles = [c.article for item in answered for c in item.question_version.citations.all()]
    counterparts = current_counterparts(articles) if articles else {}
    lessons = lessons_citing({a.pk for a in articles}) if articles else {}
    result = []
    for item in items:
        version = item.question_version
        by_id = {o["id"]: o for o in version.options}
        done = item.answered_at is not None
        chosen = set(item.selected)
        keys = set(version.correct_ids)
        options = [
            ItemOption(
                id=option_id,
                letter=option_letter(index),
                text=by_id[option_id]["text"],
                chosen=option_id in chosen,
                key=(option_id in keys) if done else None,
                feedback=by_id[option_id].get("feedback", "") if done else "",
            )
            for index, option_id in enumerate(item.option_order)
            if option_id in by_id
        ]
        row = RoundItem(
            pk=item.pk,
            position=item.position,
            question_id=item.question_id,
            topic_id=item.question.topic_id,
            kind=version.kind,
            kind_label=version.kind_label,
            multiple=version.kind == QuestionKind.MULTIPLE,
            indefinite=version.indefinite,
            stem=version.stem,
            options=options,
            answered=done,
            correct=item.correct if done else None,
        )
        if done:
            row.explanation = version.explanation
            seen_lessons: set[int] = set()
            for citation in version.citations.all():
                article = citation.article
                row.articles.append(cited_article(citation, counterparts))
                for lesson in lessons.get(article.pk, []):
                    if lesson.page_id not in seen_lessons:
                        seen_lessons.add(lesson.page_id)
                        row.lessons.append(lesson)
        result.append(row)
    return result


def round_lessons(items: Iterable[RoundItem]) -> list[tuple[LessonLink, int, int]]:
    """The lessons behind a round's questions, for its summary: (lesson, questions it
    teaches, of which answered wrongly), those with wrong answers first."""
    rows: dict[int, list] = {}
    for item in items:
        for lesson in item.lessons:
            row = rows.setdefault(lesson.page_id, [lesson, 0, 0])
            row[1] += 1
            row[2] += 0 if item.correct else 1
    return sorted((tuple(row) for row in rows.values()), key=lambda r: (-r[2], -r[1], r[0].title))
