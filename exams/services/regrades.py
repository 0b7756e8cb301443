"""Remedies for a faulty question, after attempts used it: key correction, drop, full marks.

One mechanism for the three (Moodle's regrade): a dry run (``regrade_plan``) computes every
affected attempt's old and new result and asks the other apps what would change
(``regrade_consequences``) without writing anything; confirming (``key_correction_confirm`` for
a corrected key, ``regrade_start`` for dropping a question or giving full marks) records the
remedy as a ``Regrade`` row and runs ``regrade_runs.regrade_run`` as a background task, which
rescores each affected attempt under a row lock, audits it, records what changed, and once
committed sends ``results_regraded`` and tells the candidates (``regrade_notices``).

Which attempts: every graded one (submitted or expired; in-progress and voided ones are left
alone) whose paper held the question — for a key correction on any version before the
corrected one, in every session; for drop and full marks in the remedy's session. An attempt
on an old version is rescored against the corrected key (the key was wrong, not the candidate),
while its slot keeps pointing to the version the candidate saw. Option ids are positions
(``_options_json`` numbers them 1…n anew in every version), so a corrected key means the same
options: a key correction may change which options are right, not the kind or the number of
options. Attempts still in progress, or graded later, are scored under the confirmed remedies
by ``scoring`` itself, so no attempt escapes them. Only machine-scored kinds are rescored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import DecimalField, Sum
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from cms.db import in_batches

from .. import data
from ..grading import MACHINE_SCORED_KINDS
from ..models import (
    FINISHED_STATUSES,
    Attempt,
    AttemptSlot,
    AttemptStatus,
    ExamSession,
    Question,
    QuestionVersion,
    Regrade,
    ScoringRule,
)
from ..session_selectors import people_in_scope, sessions_visible_to
from ..signals import regrade_consequences
from .questions import _options_json, question_update
from .scoring import ScoringRules, SlotFacts, score_answer, scoring_rules, totals_from_facts

CHUNK = 500  # attempts per transaction of the task

ERR_REASON = _("请填写更正或调整的理由（将记入审计记录并告知考生）。")
ERR_NOT_USED = _("这道试题尚未被已评分的答卷使用，直接修改即可，无需重新评分。")
ERR_NOT_IN_SESSION = _("本场考试的试卷中没有这道试题。")
ERR_NOT_MACHINE = _("只有单选、多选和判断题可以按答案重新评分。")
ERR_KEY_SHAPE = _(
    "已被作答的试题更正答案时不能改变题型或选项数量（考生作答按选项位置记录）；"
    "如需修改选项，请另建新题。"
)
ERR_KEY_UNCHANGED = _("答案没有变化，不需要更正。")
ERR_ALREADY = _("这道试题在本场考试中已经做过“%(action)s”处理。")
ERR_SCOPE = _(
    "本次重新评分涉及您管理范围以外的考试或考生（%(count)s 份答卷），"
    "须由管理全部相关考试的管理员操作。"
)
ERR_NO_SESSION = _("不计分与全体给分须指定一场考试。")
ERR_PERMISSION = _("您没有修改试题或考试场次的权限。")


class RegradeError(ValidationError):
    """A remedy that cannot be planned or confirmed as asked."""


# --- Keys ------------------------------------------------------------------------------------


def options_key(options: Sequence[dict]) -> list[int]:
    return sorted(o["id"] for o in options if o["correct"])


def used_version(question: Question) -> QuestionVersion | None:
    """The newest version an attempt has used (its key is what candidates were scored on)."""
    return question.versions.filter(locked=True).order_by("-number").first()


def effective_key(version: QuestionVersion) -> list[int]:
    """A version's key as scoring applies it (a corrected key replaces a wrong one)."""
    rules = scoring_rules(session_id=0, question_ids=[version.question_id])
    return sorted(rules.key(version.question_id, version.number, version.correct_ids))


def key_change(
    *, question: Question, kind: str, options: Sequence, answer_true: bool | None
) -> list[int] | None:
    """The new key when an edit changes the key of a used question (a key correction), else
    None (a rewording, or a question nobody has answered yet)."""
    used = used_version(question)
    if used is None:
        return None
    new_key = options_key(_options_json(kind, options, answer_true))
    if new_key == effective_key(used):
        return None
    return new_key


def key_correction_check(
    *, question: Question, kind: str, options: Sequence, answer_true: bool | None
) -> None:
    """Raise ``RegradeError`` when the edit cannot be a key correction (kind or options
    changed, a kind marked by people), before anyone is shown a dry run of it."""
    used = used_version(question)
    if used is None:
        raise RegradeError(ERR_NOT_USED)
    _check_key_shape(used, kind, _options_json(kind, options, answer_true))


def _check_key_shape(used: QuestionVersion, kind: str, options: list[dict]) -> None:
    if used.kind not in MACHINE_SCORED_KINDS:
        raise RegradeError(ERR_NOT_MACHINE)
    if kind != used.kind or len(options) != len(used.options):
        raise RegradeError(ERR_KEY_SHAPE)


# --- Which attempts ----------------------------------------------------------------------------


def _key_number(question: Question) -> int:
    """The number the corrected version will have: earlier versions are rescored."""
    number, locked = QuestionVersion.objects.values_list("number", "locked").get(
        pk=question.current_version_id
    )
    return number + 1 if locked else number


def affected_attempts(
    *, question_id: int, action: str, session_id: int | None, before_number: int | None
):
    """Graded attempts whose paper held the question (as the module docstring says). Papers
    awaiting marking are left out: they have no score yet, and the remedy applies when their
    last written answer is marked (``transitions.attempt_marking_complete``)."""
    slots = AttemptSlot.objects.filter(
        question_version__question_id=question_id,
        attempt__status__in=FINISHED_STATUSES,
        attempt__marking_pending=False,
    )
    if action == Regrade.Action.KEY:
        slots = slots.filter(question_version__number__lt=before_number)
    else:
        slots = slots.filter(attempt__session_id=session_id)
    return Attempt.objects.filter(pk__in=slots.values("attempt_id"))


def _check_scope(actor, attempts) -> None:
    """The actor must manage every affected attempt's session and see every candidate."""
    if actor is None:
        return
    if not actor.has_perm("exams.change_question") or not actor.has_perm(
        "exams.change_examsession"
    ):
        raise PermissionDenied(ERR_PERMISSION)
    outside = attempts.exclude(session__in=sessions_visible_to(actor).values("pk")) | (
        attempts.exclude(user__in=people_in_scope(actor).values("pk"))
    )
    count = outside.count()
    if count:
        raise PermissionDenied(ERR_SCOPE % {"count": count})


# --- Rescoring (shared by the dry run and the task) --------------------------------------------


@dataclass
class Outcome:
    """One attempt rescored: its new result and the slots whose points change."""

    attempt: Attempt
    score: Decimal
    passed: bool
    breakdown: dict
    slots: dict[int, tuple[Decimal | None, Decimal | None]]  # slot pk -> (old, new earned)

    @property
    def changed(self) -> bool:
        a = self.attempt
        return (
            bool(self.slots)
            or (a.score, a.passed) != (self.score, self.passed)
            or _numbers(a.breakdown) != _numbers(self.breakdown)
        )


def _numbers(value):
    """A breakdown with its amounts as numbers ("30" and "30.00" are the same points)."""
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    if isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    return value


class _Context:
    """Sessions, their sections and rules, and question versions, each read once."""

    def __init__(self, rules_for: Callable[[int], ScoringRules]) -> None:
        self.rules_for = rules_for
        self.sessions: dict[int, ExamSession] = {}
        self.sections: dict[int, list] = {}
        self.rules: dict[int, ScoringRules] = {}
        self.versions: dict[int, tuple] = {}

    def session(self, session_id: int) -> ExamSession:
        if session_id not in self.sessions:
            session = ExamSession.objects.select_related("blueprint").get(pk=session_id)
            self.sessions[session_id] = session
            self.sections[session_id] = list(session.blueprint.sections.all())
            self.rules[session_id] = self.rules_for(session_id)
        return self.sessions[session_id]

    def load_versions(self, version_ids: Iterable[int]) -> None:
        missing = [pk for pk in set(version_ids) if pk not in self.versions]
        for batch in in_batches(missing):
            rows = QuestionVersion.objects.filter(pk__in=batch).values_list(
                "pk", "question_id", "question__topic__name", "number", "kind", "options"
            )
            for pk, question_id, topic, number, kind, options in rows:
                self.versions[pk] = (question_id, topic, number, kind, options_key(options))


# Sums of many slots' points: wider than a slot's own field.
TOTAL = DecimalField(max_digits=12, decimal_places=2)


def _rescore(attempts: list[Attempt], question_id: int, context: _Context) -> list[Outcome]:
    """New results of ``attempts``: the question's slots scored under the context's rules,
    then totalled by ``scoring``. The other slots' points do not change, so the database sums
    them per attempt, section and topic (what the totals read), leaving out the questions the
    session has dropped; a few queries per chunk, none per attempt."""
    ids = [a.pk for a in attempts]
    sessions = {a.session_id for a in attempts}
    for session_id in sessions:
        context.session(session_id)
    groups: dict[int, list[SlotFacts]] = defaultdict(list)
    for session_id in sessions:
        excluded = {question_id, *context.rules[session_id].dropped}
        rows = (
            AttemptSlot.objects.filter(
                attempt_id__in=[a.pk for a in attempts if a.session_id == session_id]
            )
            .exclude(question_version__question_id__in=excluded)
            .order_by()
            .values_list("attempt_id", "section", "question_version__question__topic__name")
            .annotate(
                points=Sum("points", output_field=TOTAL), earned=Sum("earned", output_field=TOTAL)
            )
        )
        for attempt_id, section, topic, points, earned in rows:
            # question id 0: these sums hold only questions that count
            groups[attempt_id].append(SlotFacts(0, topic, section, points, earned))
    own_rows = list(
        AttemptSlot.objects.filter(
            attempt_id__in=ids, question_version__question_id=question_id
        ).values_list(
            "pk",
            "attempt_id",
            "section",
            "points",
            "earned",
            "question_version_id",
            "selected",
            "multiple",
        )
    )
    context.load_versions(row[5] for row in own_rows)
    own: dict[int, list] = defaultdict(list)
    for row in own_rows:
        own[row[1]].append(row)
    outcomes = []
    for attempt in attempts:
        session = context.sessions[attempt.session_id]
        attempt.session = session
        rules = context.rules[session.pk]
        partial = session.scoring == ScoringRule.PARTIAL
        facts = list(groups[attempt.pk])
        changed_slots = {}
        for pk, _a, section, points, earned, version_id, selected, multiple in own[attempt.pk]:
            q_id, topic, number, kind, key = context.versions[version_id]
            new = score_answer(
                question_id=q_id,
                version_number=number,
                kind=kind,
                selected=selected,
                key=key,
                multiple=multiple,
                partial=partial,
                points=points,
                rules=rules,
                earned=earned,
            )
            if new != earned:
                changed_slots[pk] = (earned, new)
            facts.append(SlotFacts(q_id, topic, section, points, new))
        probe = Attempt(pk=attempt.pk, session=session)
        totals_from_facts(probe, facts, context.sections[session.pk], rules=rules)
        outcomes.append(Outcome(attempt, probe.score, probe.passed, probe.breakdown, changed_slots))
    return outcomes


def _change(outcome: Outcome) -> data.ResultChange:
    a = outcome.attempt
    return data.ResultChange(
        attempt_id=a.pk,
        user_id=a.user_id,
        session_id=a.session_id,
        session_kind=a.session.kind,
        finished_at=a.finished_at,
        old_score=a.score,
        new_score=outcome.score,
        old_passed=a.passed,
        new_passed=outcome.passed,
    )


# --- Dry run -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanInput:
    """What a remedy is, before it exists (the dry run and the confirmation share it)."""

    question_id: int
    action: str
    session_id: int | None
    key: tuple[int, ...]
    before_number: int | None


def _plan_input(
    *, question: Question, action: str, session: ExamSession | None, key: Sequence[int] | None
) -> PlanInput:
    if action == Regrade.Action.KEY:
        return PlanInput(question.pk, action, None, tuple(sorted(key or ())), _key_number(question))
    if session is None:
        raise RegradeError(ERR_NO_SESSION)
    if question.current_version.kind not in MACHINE_SCORED_KINDS:
        raise RegradeError(ERR_NOT_MACHINE)
    existing = Regrade.objects.filter(
        question=question,
        session=session,
        action__in=[Regrade.Action.DROP, Regrade.Action.FULL_MARKS],
    ).first()
    if existing is not None:
        raise RegradeError(ERR_ALREADY % {"action": existing.get_action_display()})
    return PlanInput(question.pk, action, session.pk, (), None)


def _plan_rules(plan: PlanInput) -> Callable[[int], ScoringRules]:
    def rules_for(session_id: int) -> ScoringRules:
        return scoring_rules(session_id=session_id).with_remedy(
            action=plan.action,
            question_id=plan.question_id,
            key=plan.key,
            new_number=plan.before_number or 0,
        )

    return rules_for


def regrade_plan(
    *,
    question: Question,
    action: str,
    actor,
    session: ExamSession | None = None,
    key: Sequence[int] | None = None,
    reason: str = "",
) -> data.Regrade:
    """The dry run: every affected attempt's old and new result. Writes nothing.

    ``key`` (for a key correction) is the corrected key as option ids. Raises
    ``PermissionDenied`` when an affected attempt lies outside the actor's scope.
    """
    plan = _plan_input(question=question, action=action, session=session, key=key)
    attempts = affected_attempts(
        question_id=plan.question_id,
        action=plan.action,
        session_id=plan.session_id,
        before_number=plan.before_number,
    )
    _check_scope(actor, attempts)
    context = _Context(_plan_rules(plan))
    changes = []
    ids = list(attempts.order_by("pk").values_list("pk", flat=True))
    for batch in in_batches(ids, CHUNK):
        rows = list(Attempt.objects.filter(pk__in=batch).order_by("pk"))
        changes.extend(_change(o) for o in _rescore(rows, plan.question_id, context))
    return data.Regrade(
        id=None,
        question_id=question.pk,
        action=action,
        reason=reason,
        actor_id=getattr(actor, "pk", None),
        changes=tuple(changes),
    )


def regrade_consequences_collect(regrade: data.Regrade) -> list[data.Consequence]:
    """What the other apps say the regrade would change (their receivers write nothing)."""
    consequences: list[data.Consequence] = []
    for _receiver, answer in regrade_consequences.send(sender=Regrade, regrade=regrade):
        consequences.extend(answer or ())
    return consequences


# --- Confirm -----------------------------------------------------------------------------------


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise RegradeError(ERR_REASON)
    return reason


def _enqueue(regrade: Regrade) -> Regrade:
    from ..tasks import regrade_task

    def enqueue() -> None:
        result = regrade_task.enqueue(regrade.pk)
        Regrade.objects.filter(pk=regrade.pk).update(task_result_id=str(result.id))

    transaction.on_commit(enqueue)
    return regrade


@transaction.atomic
def key_correction_confirm(
    *,
    question: Question,
    reason: str,
    actor,
    kind: str,
    stem: str,
    options: Sequence = (),
    answer_true: bool | None = None,
    explanation: str = "",
    difficulty: int = 3,
    articles: Sequence = (),
    topic=None,
) -> Regrade:
    """Save the edit as a new version with the corrected key, record the correction (the rule
    scoring follows from now on) and rescore the affected attempts in the background."""
    reason = _require_reason(reason)
    question = (
        Question.objects.select_for_update(of=("self",))
        .select_related("current_version")
        .get(pk=question.pk)
    )
    used = used_version(question)
    if used is None:
        raise RegradeError(ERR_NOT_USED)
    new_options = _options_json(kind, options, answer_true)
    _check_key_shape(used, kind, new_options)
    new_key = options_key(new_options)
    if new_key == effective_key(used):
        raise RegradeError(ERR_KEY_UNCHANGED)
    before_number = _key_number(question)
    _check_scope(
        actor,
        affected_attempts(
            question_id=question.pk,
            action=Regrade.Action.KEY,
            session_id=None,
            before_number=before_number,
        ),
    )
    old_key = effective_key(used)
    version = question_update(
        question=question,
        kind=kind,
        stem=stem,
        options=options,
        answer_true=answer_true,
        explanation=explanation,
        difficulty=difficulty,
        articles=articles,
        topic=topic,
        actor=actor,
    )
    regrade = Regrade(
        question=question,
        action=Regrade.Action.KEY,
        old_version=used,
        new_version=version,
        key=new_key,
        reason=reason,
        actor=actor,
    )
    regrade.full_clean()
    regrade.save()
    log(
        instance=question,
        action="exams.question.key_correct",
        user=actor,
        data={
            "regrade": regrade.pk,
            "reason": reason,
            "before": {"version": used.number, "key": old_key},
            "after": {"version": version.number, "key": new_key},
        },
    )
    return _enqueue(regrade)


@transaction.atomic
def regrade_start(
    *, question: Question, session: ExamSession, action: str, reason: str, actor
) -> Regrade:
    """Drop the question from the session's score, or give everyone its points; the rule
    holds from now on and the attempts graded before are rescored in the background."""
    reason = _require_reason(reason)
    if action not in (Regrade.Action.DROP, Regrade.Action.FULL_MARKS):
        raise RegradeError(ERR_NO_SESSION)
    question = (
        Question.objects.select_for_update(of=("self",))
        .select_related("current_version")
        .get(pk=question.pk)
    )
    plan = _plan_input(question=question, action=action, session=session, key=None)
    attempts = affected_attempts(
        question_id=question.pk, action=action, session_id=session.pk, before_number=None
    )
    _check_scope(actor, attempts)
    used = AttemptSlot.objects.filter(
        question_version__question=question, attempt__session=session
    ).exclude(attempt__status=AttemptStatus.VOIDED)
    if not used.exists():  # papers still being sat count: they are graded under the rule
        raise RegradeError(ERR_NOT_IN_SESSION)
    regrade = Regrade(
        question=question,
        session_id=plan.session_id,
        action=action,
        reason=reason,
        actor=actor,
    )
    regrade.full_clean(validate_constraints=False)
    regrade.save()
    log(
        instance=question,
        action=f"exams.question.{action}",
        user=actor,
        data={"regrade": regrade.pk, "session": session.pk, "reason": reason},
    )
    return _enqueue(regrade)
