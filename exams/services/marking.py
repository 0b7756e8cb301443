"""Marking written answers (案例分析题、简答题) by people.

Who marks: people holding ``Role.MARKER`` whom the session's exam administrator assigned to
the session (``SessionMarker``); superusers may mark any session. Markers never see who wrote
an answer: each paper has an anonymous code (``anonymous_code``), and the marking pages show
the question, rubric, model answer, cited articles and the text only.

How a written answer gets its final mark (``grading.marking_outcome``): one mark, or with the
session's double marking two independent marks by different markers; when they differ by no
more than the session's tolerance the final mark is their mean, otherwise a third marker (not
one of the first two) marks and that mark is final. A marker marks an answer once and never
sees another marker's mark. Marks are given per rubric criterion in the rubric's points and
scaled to the slot's points (``grading.rubric_earned``). When the last written answer of a
paper has its final mark, the paper is totalled and finished (``attempt_marking_complete``).

Every mark is written to the audit log on the attempt (round, scores per criterion, comment).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from cms.people.models import Role, User
from cms.people.selectors import people_visible_to, user_has_role

from ..grading import marking_outcome, rubric_earned, rubric_total
from ..models import (
    FINISHED_STATUSES,
    Attempt,
    AttemptSlot,
    ExamSession,
    Mark,
    SessionMarker,
)
from ..session_selectors import sessions_visible_to
from .attempts import AttemptError
from .transitions import attempt_marking_complete

ERR_NOT_A_MARKER = _("该人员没有阅卷人角色，或不在您的管辖范围内。")
ERR_NOT_ASSIGNED = _("您未被指派为本场考试的阅卷人。")
ERR_NOT_WAITING = _("这份答案当前不需要评阅（可能已由其他阅卷人评定）。")
ERR_MARKED_ALREADY = _("您已评阅过这份答案；同一份答案不能由同一人重复评阅。")
ERR_SCORES = _("请为每一项评分标准填写得分，得分应在 0 与该项分值之间。")
ERR_ROUND_TAKEN = _("这一轮评阅刚由其他阅卷人完成，请评阅下一份。")

COMMENT_MAX_LENGTH = 2000


class MarkingError(AttemptError):
    """A marking action the rules refuse; the message is shown as it is."""


def anonymous_code(attempt_id: int) -> str:
    """The code a paper goes by in marking: stable, not guessable from the attempt's id."""
    digest = salted_hmac("exams.marking.anonymous", str(attempt_id)).hexdigest().upper()
    return f"{digest[:4]}-{digest[4:8]}"


# --- Who marks which session -----------------------------------------------------------------


def _is_superuser(user) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active)


def sessions_markable_by(user) -> QuerySet[ExamSession]:
    """The sessions ``user`` may mark: assigned ones (holding the marker role), or all for a
    superuser. Sessions of other markers are refused, whatever the org scope."""
    if _is_superuser(user):
        return ExamSession.objects.all()
    if not user_has_role(user, Role.MARKER):
        return ExamSession.objects.none()
    return ExamSession.objects.filter(markers__marker=user)


def marker_may_mark(user, session_id: int) -> bool:
    return sessions_markable_by(user).filter(pk=session_id).exists()


def markers_assignable_by(actor) -> QuerySet[User]:
    """People holding the marker role within the exam administrator's people scope."""
    return (
        people_visible_to(actor, role=Role.EXAM_ADMIN)
        .filter(role_assignments__role=Role.MARKER, is_active=True)
        .distinct()
        .order_by("employee_number")
    )


@transaction.atomic
def marker_assign(*, session: ExamSession, marker: User, actor) -> SessionMarker:
    """The exam administrator assigns a marker to a session (idempotent)."""
    if not sessions_visible_to(actor).filter(pk=session.pk).exists():
        raise PermissionDenied
    if not markers_assignable_by(actor).filter(pk=marker.pk).exists():
        raise MarkingError(ERR_NOT_A_MARKER)
    assignment, created = SessionMarker.objects.get_or_create(
        session=session, marker=marker, defaults={"assigned_by": actor}
    )
    if created:
        log(
            instance=session,
            action="exams.marking.assign",
            user=actor,
            data={"marker": marker.pk},
        )
    return assignment


@transaction.atomic
def marker_unassign(*, session: ExamSession, marker: User, actor) -> None:
    """Take a marker off a session; the marks they gave stay."""
    if not sessions_visible_to(actor).filter(pk=session.pk).exists():
        raise PermissionDenied
    deleted, _rows = SessionMarker.objects.filter(session=session, marker=marker).delete()
    if deleted:
        log(
            instance=session,
            action="exams.marking.unassign",
            user=actor,
            data={"marker": marker.pk},
        )


# --- The queue -------------------------------------------------------------------------------


def _waiting(session_id: int) -> QuerySet[AttemptSlot]:
    """Written answers of the session's finished papers that wait for a marking round."""
    return AttemptSlot.objects.filter(
        attempt__session_id=session_id,
        attempt__marking_pending=True,
        attempt__status__in=FINISHED_STATUSES,
        hand_marked=True,
        mark_round__gt=0,
    )


def slots_for_marker(session_id: int, marker) -> QuerySet[AttemptSlot]:
    """What this marker may mark next in the session: waiting answers they have not marked
    (so a third round never goes to one of the first two markers)."""
    return _waiting(session_id).exclude(marks__marker=marker).order_by("attempt_id", "position")


@dataclass(frozen=True)
class MarkingProgress:
    session: ExamSession
    answers: int  # written answers of finished papers
    final: int  # with their final mark
    waiting: int  # waiting for a round
    for_me: int  # of which this marker may mark
    third_round: int  # disagreements waiting for the third marker
    papers_pending: int

    @property
    def percent(self) -> int:
        return int(self.final * 100 / self.answers) if self.answers else 100


def marking_progress(sessions: QuerySet[ExamSession], marker=None) -> list[MarkingProgress]:
    """Progress per session, in two queries however many sessions and answers."""
    sessions = list(sessions.order_by("-opens_at", "pk"))
    ids = [s.pk for s in sessions]
    finished = Q(
        attempt__status__in=FINISHED_STATUSES,
        hand_marked=True,
    )
    rows = (
        AttemptSlot.objects.filter(finished, attempt__session_id__in=ids)
        .values("attempt__session_id")
        .annotate(
            answers=Count("pk", distinct=True),
            final=Count("pk", filter=Q(mark_round=0), distinct=True),
            waiting=Count(
                "pk", filter=Q(mark_round__gt=0, attempt__marking_pending=True), distinct=True
            ),
            third=Count("pk", filter=Q(mark_round=3, attempt__marking_pending=True), distinct=True),
            papers=Count("attempt", filter=Q(attempt__marking_pending=True), distinct=True),
        )
    )
    by_session = {r["attempt__session_id"]: r for r in rows}
    mine: dict[int, int] = {}
    if marker is not None:
        mine = dict(
            AttemptSlot.objects.filter(
                finished,
                attempt__session_id__in=ids,
                attempt__marking_pending=True,
                mark_round__gt=0,
            )
            .exclude(marks__marker=marker)
            .values("attempt__session_id")
            .annotate(n=Count("pk"))
            .values_list("attempt__session_id", "n")
        )
    return [
        MarkingProgress(
            session=s,
            answers=by_session.get(s.pk, {}).get("answers", 0),
            final=by_session.get(s.pk, {}).get("final", 0),
            waiting=by_session.get(s.pk, {}).get("waiting", 0),
            for_me=mine.get(s.pk, 0),
            third_round=by_session.get(s.pk, {}).get("third", 0),
            papers_pending=by_session.get(s.pk, {}).get("papers", 0),
        )
        for s in sessions
    ]


# --- Marking one answer ----------------------------------------------------------------------


def _parse_scores(raw: list, rubric: list[dict]) -> list[Decimal]:
    if len(raw) != len(rubric):
        raise MarkingError(ERR_SCORES)
    scores = []
    for value, criterion in zip(raw, rubric, strict=True):
        try:
            score = Decimal(str(value).strip())
        except (InvalidOperation, ValueError) as exc:
            raise MarkingError(ERR_SCORES) from exc
        if not score.is_finite() or score < 0 or score > Decimal(str(criterion["points"])):
            raise MarkingError(ERR_SCORES)
        scores.append(score.quantize(Decimal("0.01")))
    return scores


@transaction.atomic
def mark_submit(
    *, slot_id: int, marker, scores: list, comment: str = "", now: datetime | None = None
) -> Mark:
    """One marker's mark of one written answer (see the module docstring for the rounds).

    Locks the paper first (as submit and the transitions do), so two markers finishing the
    last two answers of one paper do not both total it."""
    now = now or timezone.now()
    row = AttemptSlot.objects.filter(pk=slot_id).values("attempt_id", "attempt__session_id")
    row = row.first()
    if row is None or not marker_may_mark(marker, row["attempt__session_id"]):
        raise PermissionDenied(ERR_NOT_ASSIGNED)
    attempt = (
        Attempt.objects.select_for_update().select_related("session").get(pk=row["attempt_id"])
    )
    slot = (
        AttemptSlot.objects.select_for_update().select_related("question_version").get(pk=slot_id)
    )
    if (
        not slot.hand_marked
        or not attempt.marking_pending
        or slot.mark_round == 0
        or attempt.status not in FINISHED_STATUSES
    ):
        raise MarkingError(ERR_NOT_WAITING)
    if Mark.objects.filter(slot=slot, marker=marker).exists():
        raise MarkingError(ERR_MARKED_ALREADY)
    rubric = slot.question_version.rubric
    parsed = _parse_scores(list(scores), rubric)
    comment = (comment or "").strip()[:COMMENT_MAX_LENGTH]
    round_ = slot.mark_round
    try:
        with transaction.atomic():
            mark = Mark.objects.create(
                slot=slot,
                marker=marker,
                round=round_,
                scores=[str(s) for s in parsed],
                total=sum(parsed, Decimal("0")),
                comment=comment,
                marked_at=now,
            )
    except IntegrityError as exc:
        raise MarkingError(ERR_ROUND_TAKEN) from exc
    session = attempt.session
    totals = list(slot.marks.order_by("round").values_list("total", flat=True))
    next_round, final = marking_outcome(
        totals, double=session.double_marking, tolerance=session.marking_tolerance
    )
    slot.mark_round = next_round
    if final is not None:
        slot.earned = rubric_earned(final, rubric_points=rubric_total(rubric), points=slot.points)
    slot.save(update_fields=["mark_round", "earned"])
    log(
        instance=attempt,
        action="exams.marking.mark",
        user=marker,
        data={
            "position": slot.position,
            "round": round_,
            "scores": mark.scores,
            "total": str(mark.total),
            "comment": comment,
            "final": str(final) if final is not None else None,
            "earned": str(slot.earned) if final is not None else None,
            "next_round": next_round,
        },
    )
    if next_round == 0 and not attempt.slots.filter(hand_marked=True, mark_round__gt=0).exists():
        attempt_marking_complete(attempt_id=attempt.pk, actor=marker)
    return mark
