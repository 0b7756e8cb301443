"""Practice (练习) and daily practice (每日一练): untimed rounds answered one question at a
time, checked by the server with immediate feedback.

A round pins each question's version and a shuffled option order, like an exam paper, so it
can be shown again as it was. Answers feed the person's question records (and so the
wrong-answer book) through ``practice_record.record_answers`` and nothing else: practice never
touches attempts, results, item analysis or study hours.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from cms.laws.models import Law

from ..models import (
    PracticeItem,
    PracticeMode,
    PracticeRound,
    QuestionKind,
    QuestionRecord,
    QuestionVersion,
    Topic,
)
from ..round_selectors import (
    RoundItem,
    daily_pick,
    daily_seed,
    practice_pool,
    practice_questions,
    round_items,
    weak_topics,
)
from .practice_record import Answered, record_answers

ERR_NOTHING_TO_PRACTISE = _("没有符合条件的练习题，请换一个范围再试。")
ERR_BOOK_EMPTY = _("错题本中暂无可练习的题目。")
ERR_NO_WEAK_TOPICS = _("作答记录还不够，暂时无法判断薄弱知识点。请先按知识点或法律法规练习。")
ERR_NO_TOPIC = _("请选择知识点。")
ERR_NO_LAW = _("请选择法律法规。")
ERR_BAD_RANGE = _("请填写正确的起止条号（起始条号不大于结束条号）。")
ERR_BAD_MODE = _("不支持这种练习方式。")
ERR_CHOOSE_MODE = _("请选择练习方式。")
ERR_ALREADY_ANSWERED = _("这道题已经作答，每题只能作答一次。")
ERR_NO_ANSWER = _("请先选择答案。")
ERR_ONE_ANSWER = _("这道题只能选择一个答案。")
ERR_BAD_OPTIONS = _("所选选项不属于这道题。")
ERR_NO_ITEM = _("没有这道练习题。")

# The modes a learner starts from the chooser; daily rounds come from ``daily_round``.
START_MODES = (
    PracticeMode.TOPIC,
    PracticeMode.LAW,
    PracticeMode.ARTICLES,
    PracticeMode.WEAK,
    PracticeMode.WRONG,
)


class PracticeError(Exception):
    """A practice action the rules refuse; the message is shown as it is."""


def round_size() -> int:
    return max(1, int(settings.PRACTICE_ROUND_SIZE))


def daily_count() -> int:
    return max(1, int(settings.PRACTICE_DAILY_COUNT))


def _title(mode: str, criteria: dict, *, law: Law | None, topic: Topic | None, weak) -> str:
    """The round's title in the source language (``PracticeRound.display_title`` shows its
    label in the reader's)."""
    with translation.override(settings.LANGUAGE_CODE):
        label = str(PracticeMode(mode).label)
    if mode == PracticeMode.TOPIC and topic is not None:
        return f"{label}：{topic.name}"
    if mode == PracticeMode.LAW and law is not None:
        return f"{label}：{law.short_title}"
    if mode == PracticeMode.ARTICLES and law is not None:
        return f"{label}：{law.short_title} {criteria['from']}–{criteria['to']}"
    if mode == PracticeMode.WEAK and weak:
        return f"{label}：{'、'.join(t.name for t in weak)}"
    return label


def _checked_criteria(mode: str, criteria: dict | None):
    """The criteria as stored, and the objects named in them; PracticeError if unusable."""
    criteria = dict(criteria or {})
    topic = law = None
    if mode == PracticeMode.TOPIC:
        topic = Topic.objects.filter(pk=_as_int(criteria.get("topic"))).first()
        if topic is None:
            raise PracticeError(ERR_NO_TOPIC)
        return {"topic": topic.pk}, topic, None
    if mode in (PracticeMode.LAW, PracticeMode.ARTICLES):
        law = Law.objects.filter(pk=_as_int(criteria.get("law"))).first()
        if law is None:
            raise PracticeError(ERR_NO_LAW)
        if mode == PracticeMode.LAW:
            return {"law": law.pk}, None, law
        first, last = _as_int(criteria.get("from")), _as_int(criteria.get("to"))
        if first is None or last is None or first < 1 or last < first:
            raise PracticeError(ERR_BAD_RANGE)
        return {"law": law.pk, "from": first, "to": last}, None, law
    if mode in (PracticeMode.WEAK, PracticeMode.WRONG):
        return {}, None, None
    raise PracticeError(ERR_BAD_MODE)


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _pin_items(practice_round: PracticeRound, question_ids: list[int], rng: random.Random):
    """The round's items: each question's current version and a shuffled option order
    (true/false keeps 正确, 错误)."""
    versions = {
        v.question_id: v
        for v in QuestionVersion.objects.filter(
            question_id__in=question_ids, question__current_version=F("pk")
        ).only("pk", "question_id", "kind", "options")
    }
    items = []
    for position, question_id in enumerate(question_ids, start=1):
        version = versions[question_id]
        order = [o["id"] for o in version.options]
        if version.kind != QuestionKind.TRUE_FALSE:
            rng.shuffle(order)
        items.append(
            PracticeItem(
                round=practice_round,
                position=position,
                question_id=question_id,
                question_version=version,
                option_order=order,
            )
        )
    PracticeItem.objects.bulk_create(items)
    return items


@transaction.atomic
def practice_start(
    *,
    user,
    mode: str,
    criteria: dict | None = None,
    now: datetime.datetime | None = None,
    seed: int | str | None = None,
) -> PracticeRound:
    """Start a round of ``mode`` (topic, law, article range, weak topics, wrong answers):
    up to ``settings.PRACTICE_ROUND_SIZE`` questions drawn at random from what matches.

    Criteria: ``{"topic": id}`` (the topic's subtree), ``{"law": id}`` (questions citing any
    article of any version of the law), ``{"law": id, "from": n, "to": m}`` (citing articles
    numbered n to m), ``{}`` for weak topics (``round_selectors.weak_topics``) and for the
    wrong-answer book. PracticeError, with a message for the learner, when nothing matches.
    """
    if mode not in START_MODES:
        raise PracticeError(ERR_BAD_MODE)
    now = now or timezone.now()
    stored, topic, law = _checked_criteria(mode, criteria)
    weak = None
    if mode == PracticeMode.WEAK:
        weak = weak_topics(user.pk)
        if not weak:
            raise PracticeError(ERR_NO_WEAK_TOPICS)
        stored = {"topics": [t.topic_id for t in weak]}
    pool = sorted(
        practice_pool(user_id=user.pk, mode=mode, criteria=stored, weak=weak)
        .values_list("pk", flat=True)
        .distinct()
    )
    if not pool:
        raise PracticeError(
            ERR_BOOK_EMPTY if mode == PracticeMode.WRONG else ERR_NOTHING_TO_PRACTISE
        )
    rng = random.Random(seed if seed is not None else random.SystemRandom().getrandbits(63))
    chosen = rng.sample(pool, min(round_size(), len(pool)))
    practice_round = PracticeRound(
        user=user,
        mode=mode,
        criteria=stored,
        title=_title(mode, stored, law=law, topic=topic, weak=weak)[:200],
        started_at=now,
        question_count=len(chosen),
    )
    practice_round.full_clean()
    practice_round.save()
    _pin_items(practice_round, chosen, rng)
    return practice_round


def daily_round(
    *, user, day: datetime.date | None = None, now: datetime.datetime | None = None
) -> PracticeRound:
    """The person's daily practice (每日一练) of ``day`` (today in the platform's time zone),
    made on first use: ``settings.PRACTICE_DAILY_COUNT`` questions, those in their
    wrong-answer book first, then those they have never answered, then the rest
    (``round_selectors.daily_pick``), the same for the same person and day. Two requests at
    once make one round: the loser of the race reads the winner's."""
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    existing = PracticeRound.objects.filter(user=user, mode=PracticeMode.DAILY, day=day).first()
    if existing is not None:
        return existing
    pool = list(practice_questions().values_list("pk", flat=True))
    records = dict(
        QuestionRecord.objects.filter(user=user, question_id__in=pool).values_list(
            "question_id", "in_book"
        )
    )
    rng = random.Random(daily_seed(user.pk, day))
    chosen = daily_pick(pool, records, daily_count(), rng)
    if not chosen:
        raise PracticeError(ERR_NOTHING_TO_PRACTISE)
    try:
        with transaction.atomic():
            practice_round = PracticeRound(
                user=user,
                mode=PracticeMode.DAILY,
                criteria={},
                title=_title(PracticeMode.DAILY, {}, law=None, topic=None, weak=None)
                + f" {day:%Y-%m-%d}",
                day=day,
                started_at=now,
                question_count=len(chosen),
            )
            practice_round.full_clean(validate_constraints=False)
            practice_round.save()
            _pin_items(practice_round, chosen, rng)
    except IntegrityError:
        return PracticeRound.objects.get(user=user, mode=PracticeMode.DAILY, day=day)
    return practice_round


@dataclass(frozen=True)
class PracticeAnswer:
    """What an answer did: right or not, the round's counts after it, and the feedback (the
    key, the explanation, the cited articles and the lessons teaching them)."""

    item_id: int
    position: int
    correct: bool
    answered_count: int
    question_count: int
    finished: bool
    feedback: RoundItem | None


def _checked_selection(version: QuestionVersion, selected) -> list[int]:
    try:
        chosen = sorted({int(s) for s in selected})
    except (TypeError, ValueError) as exc:
        raise PracticeError(ERR_BAD_OPTIONS) from exc
    if not chosen:
        raise PracticeError(ERR_NO_ANSWER)
    if not set(chosen) <= {o["id"] for o in version.options}:
        raise PracticeError(ERR_BAD_OPTIONS)
    if version.kind != QuestionKind.MULTIPLE and len(chosen) != 1:
        raise PracticeError(ERR_ONE_ANSWER)
    return chosen


@transaction.atomic
def practice_answer(
    *,
    user,
    item: PracticeItem | int,
    selected,
    now: datetime.datetime | None = None,
    with_feedback: bool = True,
) -> PracticeAnswer:
    """Answer one item of the person's own round, once: checked against the pinned version's
    key (all options right, none wrong), counted in the round (finished with its last item),
    and recorded in the person's question record (source 练习 or 每日一练, the round's id).

    The round and the item are locked, so two answers at once cannot both count. The
    feedback (``round_selectors.round_items``) is left out with ``with_feedback=False``."""
    now = now or timezone.now()
    item_id = item.pk if isinstance(item, PracticeItem) else _as_int(item)
    round_id = (
        PracticeItem.objects.filter(pk=item_id, round__user_id=user.pk)
        .values_list("round_id", flat=True)
        .first()
    )
    if round_id is None:
        raise PracticeError(ERR_NO_ITEM)
    practice_round = PracticeRound.objects.select_for_update().get(pk=round_id)
    item = (
        PracticeItem.objects.select_for_update().select_related("question_version").get(pk=item_id)
    )
    if item.answered_at is not None:
        raise PracticeError(ERR_ALREADY_ANSWERED)
    version = item.question_version
    chosen = _checked_selection(version, selected)
    correct = set(chosen) == set(version.correct_ids)
    item.selected = chosen
    item.correct = correct
    item.answered_at = now
    item.save(update_fields=["selected", "correct", "answered_at"])
    practice_round.answered_count += 1
    practice_round.correct_count += int(correct)
    if practice_round.answered_count >= practice_round.question_count:
        practice_round.finished_at = now
    practice_round.save(update_fields=["answered_count", "correct_count", "finished_at"])
    record_answers(
        user_id=user.pk,
        answers=[
            Answered(
                question_id=item.question_id,
                version_id=version.pk,
                correct=correct,
                at=now,
                selected=chosen,
            )
        ],
        source="daily" if practice_round.mode == PracticeMode.DAILY else "practice",
        source_id=practice_round.pk,
    )
    return PracticeAnswer(
        item_id=item.pk,
        position=item.position,
        correct=correct,
        answered_count=practice_round.answered_count,
        question_count=practice_round.question_count,
        finished=practice_round.finished_at is not None,
        feedback=round_items(practice_round, item_ids=[item.pk])[0] if with_feedback else None,
    )
