"""What a regrade of exam results (a key correction, a dropped question, full marks for a
question) means for certification, answering the exam app's two signals:

- ``regrade_consequences`` (the dry run): ``regrade_consequences`` lists what would change,
  writing nothing;
- ``results_regraded`` (after the regrade is committed): ``regrade_apply`` changes it.

Both read the same plan. The plan reads the results through ``exams.api`` with the regrade's
new scores laid over them (in the dry run the database still holds the old ones; after the
commit the overlay changes nothing), in a fixed number of queries whatever the number of
attempts. It covers:

- pre-appointment certificates: issued (or a withdrawn one reinstated) when a sitting now
  passes, withdrawn when it no longer does, the score corrected otherwise; the annual
  learning certificate likewise when the year's annual law exam result flips;
- the annual review (年审) of the year of a rotation exam: its outcome recomputed from the
  sittings it counted (those finished by the time of the review), and the credential moved
  through the transition table (restored, suspended, revoked); a passed rotation exam after a
  failed review is a make-up exam, as ``review_make_up`` treats it;
- appraisal records (年度学法考核) that rest on the changed results: recomputed, except locked
  ones, which are flagged for HR and change only at an audited unlock.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from cms.people.models import User
from exams import api as exams_api
from exams.data import Consequence, ExamKind, Regrade, ResultChange, Sitting
from learning.selectors import year_summaries

from ..exceptions import CertificationError, InvalidTransition
from ..models import (
    AppraisalRecord,
    Certificate,
    CertificateKind,
    CertificateStatus,
    Credential,
    CredentialEvent,
    CredentialReview,
    CredentialReviewState,
    CredentialStatus,
)
from .appraisal import appraisal_record_flag, appraisal_record_recompute, appraisal_values_for
from .appraisal import changes_label as appraisal_changes_label
from .appraisal import record_changes as appraisal_record_changes
from .certificates import (
    certificate_reinstate,
    certificate_rescore,
    certificate_withdraw,
    learning_certificate_issue,
    pre_appointment_certificate_issue,
)
from .credentials import credential_restore, credential_revoke, credential_suspend
from .reviews import REASON_HOURS, REASON_NO_EXAM, review_make_up

REASON_REGRADE = _("考试重新评分（%(reason)s）")
PUBLIC_WITHDRAWN = _("%(date)s 因考试重新评分（%(reason)s），所证明的考试成绩不再合格，证书撤回。")
MSG_CERT_ISSUE = _("%(name)s：%(session)s 重新评分后合格（%(new)s 分），将颁发任前考试合格证书")
MSG_CERT_REINSTATE = _("%(name)s：%(session)s 重新评分后合格（%(new)s 分），恢复证书 %(number)s")
MSG_CERT_WITHDRAW = _(
    "%(name)s：%(session)s 重新评分后不合格（%(old)s → %(new)s 分），撤回证书 %(number)s"
)
MSG_CERT_RESCORE = _("%(name)s：证书 %(number)s 的成绩更正为 %(new)s 分（原 %(old)s 分）")
MSG_LEARNING_ISSUE = _("%(name)s：%(year)s年度学法考试重新评分后合格，将颁发年度学法合格证书")
MSG_LEARNING_WITHDRAW = _(
    "%(name)s：%(year)s年度学法考试重新评分后不再合格，撤回年度学法合格证书 %(number)s"
)
MSG_REVIEW_PASSED = _("%(name)s：执法证 %(number)s %(year)s年度年审改为合格")
MSG_REVIEW_RESTORE = _("%(name)s：执法证 %(number)s %(year)s年度年审改为合格，恢复执法证")
MSG_REVIEW_REVOKED = _(
    "%(name)s：执法证 %(number)s %(year)s年度年审改为合格，但该证已吊销，须由法制部门处理"
)
MSG_REVIEW_FAILED = _("%(name)s：执法证 %(number)s %(year)s年度年审改为不合格（%(consequence)s）")
MSG_REVIEW_REASONS = _("%(name)s：执法证 %(number)s %(year)s年度年审的不合格原因更新")
MSG_MAKE_UP = _("%(name)s：执法证 %(number)s 补考（%(session)s）重新评分后合格，恢复执法证")
MSG_MAKE_UP_UNDONE = _(
    "%(name)s：执法证 %(number)s 的补考重新评分后不合格，%(year)s年度年审恢复为不合格，暂扣执法证"
)
MSG_APPRAISAL = _("%(name)s：%(year)s年度学法考核重新计算（%(changes)s）")
MSG_APPRAISAL_LOCKED = _(
    "%(name)s：%(year)s年度学法考核已锁定，标记为待人事解锁后重新计算（%(changes)s）"
)
REASON_REVIEW_RESTORE = _("%(regrade)s后%(year)s年度执法证年审合格，恢复执法证")
REASON_REVIEW_SUSPEND = _("%(regrade)s后%(year)s年度执法证年审不合格：%(reasons)s")
REASON_REVIEW_REVOKE = _(
    "%(regrade)s后连续两年执法证年审不合格（%(previous)s、%(year)s年度）：%(reasons)s"
)

REASON_MAKE_UP_UNDONE = _("%(regrade)s后补考不合格，%(year)s年度执法证年审仍不合格，暂扣执法证")

CONSEQUENCE_SUSPEND, CONSEQUENCE_REVOKE, CONSEQUENCE_KEEP = "suspend", "revoke", "keep_suspended"
CONSEQUENCE_NAMES = {
    CONSEQUENCE_SUSPEND: _("暂扣"),
    CONSEQUENCE_REVOKE: _("连续两年不合格，吊销"),
    CONSEQUENCE_KEEP: _("维持暂扣"),
    "": _("不变更证件状态"),
}


@dataclass
class Step:
    """One change of the plan: what it says (dry run) and how it is made (apply)."""

    consequence: Consequence
    apply: Callable[[], object] | None = None


@dataclass
class Plan:
    regrade: Regrade
    reason: str
    now: datetime.datetime
    sittings: list[Sitting]
    names: dict[int, str]
    steps: list[Step] = dataclasses.field(default_factory=list)
    # (holder id, year) -> review state as the plan leaves it, for the appraisal records
    review_states: dict[tuple[int, int], str] = dataclasses.field(default_factory=dict)

    def add(self, kind, person_id, summary, object_id=None, *, blocked=False, apply=None):
        self.steps.append(
            Step(
                Consequence(
                    kind=kind,
                    person_id=person_id,
                    summary=str(summary),
                    object_id=object_id,
                    blocked=blocked,
                ),
                apply,
            )
        )


def _local_year(moment: datetime.datetime | None) -> int | None:
    return timezone.localtime(moment).year if moment else None


def _as_regraded(sittings: list[Sitting], changes: dict[int, ResultChange]) -> list[Sitting]:
    """The sittings with the regrade's new results laid over them."""
    result = []
    for sitting in sittings:
        change = changes.get(sitting.attempt_id)
        if change is not None:
            sitting = dataclasses.replace(
                sitting,
                score=change.new_score,
                passed=change.new_passed,
                band=exams_api.grade_band(change.new_score),
            )
        result.append(sitting)
    return result


def _relevant(regrade: Regrade) -> dict[int, ResultChange]:
    return {c.attempt_id: c for c in regrade.changes if c.score_changed or c.pass_flipped}


def _plan(regrade: Regrade, *, now: datetime.datetime | None = None) -> Plan:
    changes = _relevant(regrade)
    user_ids = sorted({c.user_id for c in changes.values()})
    found = exams_api.sittings(
        user_ids=user_ids,
        kinds=[ExamKind.PRE_APPOINTMENT, ExamKind.ANNUAL_LAW, ExamKind.ANNUAL_ROTATION],
    )
    plan = Plan(
        regrade=regrade,
        reason=str(REASON_REGRADE % {"reason": regrade.reason}),
        now=now or timezone.now(),
        sittings=_as_regraded(found, changes),
        names=dict(User.objects.filter(pk__in=user_ids).values_list("pk", "name")),
    )
    if not changes:
        return plan
    _plan_pre_appointment(plan, changes)
    _plan_learning(plan, changes)
    _plan_reviews(plan, changes)
    _plan_appraisal(plan, changes)
    return plan


# --- certificates --------------------------------------------------------------------------------


def _plan_pre_appointment(plan: Plan, changes: dict[int, ResultChange]) -> None:
    sittings = {
        s.attempt_id: s
        for s in plan.sittings
        if s.session_kind == ExamKind.PRE_APPOINTMENT and s.attempt_id in changes
    }
    if not sittings:
        return
    certificates = {c.attempt_id: c for c in Certificate.objects.filter(attempt_id__in=sittings)}
    for attempt_id, sitting in sittings.items():
        change, certificate = changes[attempt_id], certificates.get(attempt_id)
        words = {
            "name": plan.names.get(sitting.user_id, ""),
            "session": sitting.session_title,
            "old": change.old_score,
            "new": sitting.score,
            "number": certificate.number if certificate else "",
        }
        if sitting.passed:
            if certificate is None:
                plan.add(
                    "certificate",
                    sitting.user_id,
                    MSG_CERT_ISSUE % words,
                    apply=lambda s=sitting: pre_appointment_certificate_issue(
                        sitting=s, reason=plan.reason
                    ),
                )
            elif certificate.status == CertificateStatus.WITHDRAWN:
                plan.add(
                    "certificate",
                    sitting.user_id,
                    MSG_CERT_REINSTATE % words,
                    certificate.pk,
                    apply=lambda c=certificate, s=sitting: certificate_reinstate(
                        certificate_id=c.pk, reason=plan.reason, score=s.score, now=plan.now
                    ),
                )
            elif (
                certificate.status == CertificateStatus.VALID and certificate.score != sitting.score
            ):
                plan.add(
                    "certificate",
                    sitting.user_id,
                    MSG_CERT_RESCORE % {**words, "old": certificate.score},
                    certificate.pk,
                    apply=lambda c=certificate, s=sitting: certificate_rescore(
                        certificate_id=c.pk, score=s.score, reason=plan.reason
                    ),
                )
        elif certificate is not None and certificate.status == CertificateStatus.VALID:
            plan.add(
                "certificate",
                sitting.user_id,
                MSG_CERT_WITHDRAW % words,
                certificate.pk,
                apply=lambda c=certificate: _withdraw(plan, c),
            )


def _withdraw(plan: Plan, certificate: Certificate) -> Certificate:
    public = PUBLIC_WITHDRAWN % {
        "date": timezone.localdate(plan.now).isoformat(),
        "reason": plan.regrade.reason,
    }
    return certificate_withdraw(
        certificate_id=certificate.pk, reason=plan.reason, public_reason=str(public), now=plan.now
    )


def _plan_learning(plan: Plan, changes: dict[int, ResultChange]) -> None:
    """The annual learning certificate rests on a passed annual law exam of its year."""
    flipped = {
        (c.user_id, _local_year(c.finished_at))
        for c in changes.values()
        if c.session_kind == ExamKind.ANNUAL_LAW and c.pass_flipped and c.finished_at
    }
    if not flipped:
        return
    passes = {
        (s.user_id, _local_year(s.finished_at))
        for s in plan.sittings
        if s.session_kind == ExamKind.ANNUAL_LAW and s.passed
    }
    certificates = {
        (c.holder_id, c.year): c
        for c in Certificate.objects.filter(
            kind=CertificateKind.ANNUAL_LEARNING,
            holder_id__in={u for u, _y in flipped},
            year__in={y for _u, y in flipped},
        )
    }
    by_year: dict[int, list[int]] = defaultdict(list)
    for user_id, year in flipped:
        by_year[year].append(user_id)
    for year, user_ids in sorted(by_year.items()):
        summaries = year_summaries(people=User.objects.filter(pk__in=user_ids), year=year)
        for user_id in sorted(user_ids):
            certificate = certificates.get((user_id, year))
            words = {
                "name": plan.names.get(user_id, ""),
                "year": year,
                "number": certificate.number if certificate else "",
            }
            if (user_id, year) in passes:
                if not summaries[user_id].is_met:
                    continue  # the hours still fall short: no certificate either way
                if certificate is None:
                    plan.add(
                        "certificate",
                        user_id,
                        MSG_LEARNING_ISSUE % words,
                        apply=lambda u=user_id, y=year: _learning_issue(u, y),
                    )
                elif certificate.status == CertificateStatus.WITHDRAWN:
                    plan.add(
                        "certificate",
                        user_id,
                        MSG_LEARNING_ISSUE % words,
                        certificate.pk,
                        apply=lambda c=certificate: certificate_reinstate(
                            certificate_id=c.pk, reason=plan.reason, now=plan.now
                        ),
                    )
            elif certificate is not None and certificate.status == CertificateStatus.VALID:
                plan.add(
                    "certificate",
                    user_id,
                    MSG_LEARNING_WITHDRAW % words,
                    certificate.pk,
                    apply=lambda c=certificate: _withdraw(plan, c),
                )


def _learning_issue(user_id: int, year: int) -> Certificate | None:
    try:
        return learning_certificate_issue(user=User.objects.get(pk=user_id), year=year)
    except CertificationError:
        return None  # refused meanwhile (the ledger changed): nothing to issue


# --- credential reviews -------------------------------------------------------------------------


def _review_state(review: CredentialReview, outcome: str) -> str:
    if outcome == CredentialReview.Outcome.PASSED:
        return CredentialReviewState.PASSED
    if review.made_up_at is not None:
        return CredentialReviewState.MADE_UP
    return CredentialReviewState.FAILED


RANK = {
    CredentialReviewState.PASSED: 0,
    CredentialReviewState.MADE_UP: 1,
    CredentialReviewState.FAILED: 2,
}


def _plan_reviews(plan: Plan, changes: dict[int, ResultChange]) -> None:
    flipped = {
        c.attempt_id: c
        for c in changes.values()
        if c.session_kind == ExamKind.ANNUAL_ROTATION and c.pass_flipped and c.finished_at
    }
    if not flipped:
        return
    years = {_local_year(c.finished_at) for c in flipped.values()}
    holders = {c.user_id for c in flipped.values()}
    # the reviews of the attempts' years and of the year before (a make-up exam is usually
    # sat the year after the review it cures, and the previous year decides a revocation)
    reviews = list(
        CredentialReview.objects.filter(
            credential__holder_id__in=holders, year__in=years | {y - 1 for y in years}
        ).select_related("credential")
    )
    by_key = {(r.credential_id, r.year): r for r in reviews}
    last_event: dict[tuple[int, str], CredentialEvent] = {}
    for event in CredentialEvent.objects.filter(
        credential_id__in={r.credential_id for r in reviews},
        action__in=[CredentialEvent.Action.SUSPEND, CredentialEvent.Action.RESTORE],
    ).order_by("at", "pk"):
        last_event[(event.credential_id, event.action)] = event
    last_suspension = {
        cid: e
        for (cid, action), e in last_event.items()
        if action == CredentialEvent.Action.SUSPEND
    }
    rotation = defaultdict(list)
    for sitting in plan.sittings:
        if sitting.session_kind == ExamKind.ANNUAL_ROTATION and sitting.finished_at:
            rotation[sitting.user_id].append(sitting)
    states: dict[tuple[int, int], str] = {}
    touched = {(c.user_id, _local_year(c.finished_at)) for c in flipped.values()}
    for review in sorted(reviews, key=lambda r: (r.year, r.credential_id)):
        holder_id = review.credential.holder_id
        key = (holder_id, review.year)
        outcome, made_up = review.outcome, review.made_up_at is not None
        if key in touched:
            counted = [
                s
                for s in rotation[holder_id]
                if _local_year(s.finished_at) == review.year and s.finished_at <= review.reviewed_at
            ]
            exam_passed = any(s.passed for s in counted)
            if exam_passed != review.exam_passed:
                outcome = _plan_review_change(plan, review, exam_passed, by_key, last_suspension)
        later = [s for s in rotation[holder_id] if s.finished_at > review.reviewed_at]
        if outcome == CredentialReview.Outcome.FAILED and not made_up:
            cures = [s for s in later if s.attempt_id in flipped and s.passed]
            if cures and _plan_make_up(plan, review, cures[0], last_suspension):
                made_up = True
        elif outcome == CredentialReview.Outcome.FAILED and made_up:
            restore = last_event.get((review.credential_id, CredentialEvent.Action.RESTORE))
            data = (restore.data or {}) if restore else {}
            cured_by = data.get("attempt_id") if data.get("review_id") == review.pk else None
            if (
                cured_by in flipped
                and not any(s.passed for s in later)
                and _plan_make_up_undone(plan, review, flipped[cured_by])
            ):
                made_up = False
        if key in touched or made_up != (review.made_up_at is not None):
            if outcome == CredentialReview.Outcome.PASSED:
                state = CredentialReviewState.PASSED
            else:
                state = CredentialReviewState.MADE_UP if made_up else CredentialReviewState.FAILED
            if RANK[state] >= RANK.get(states.get(key), -1):
                states[key] = state
    plan.review_states.update(states)


def _plan_review_change(plan, review, exam_passed, by_key, last_suspension) -> str:
    credential = review.credential
    name = plan.names.get(credential.holder_id, "")
    reasons = []
    if not exam_passed:
        reasons.append(str(REASON_NO_EXAM % {"year": review.year}))
    if review.hours_earned < review.hours_required:
        reasons.append(
            str(
                REASON_HOURS
                % {
                    "year": review.year,
                    "earned": review.hours_earned,
                    "required": review.hours_required,
                }
            )
        )
    outcome = CredentialReview.Outcome.FAILED if reasons else CredentialReview.Outcome.PASSED
    words = {"name": name, "number": credential.number, "year": review.year}
    transition, blocked = None, False
    if outcome == review.outcome:
        summary, consequence = MSG_REVIEW_REASONS % words, review.consequence
    elif outcome == CredentialReview.Outcome.PASSED:
        consequence = ""
        suspension = last_suspension.get(credential.pk)
        by_review = suspension is not None and (suspension.data or {}).get("review_id") == review.pk
        if credential.status == CredentialStatus.SUSPENDED and by_review:
            summary, transition = MSG_REVIEW_RESTORE % words, "restore"
        elif credential.status == CredentialStatus.REVOKED and review.consequence == "revoke":
            summary, blocked = MSG_REVIEW_REVOKED % words, True
        else:
            summary = MSG_REVIEW_PASSED % words
    else:
        previous = by_key.get((credential.pk, review.year - 1))
        if credential.status not in (CredentialStatus.ACTIVE, CredentialStatus.SUSPENDED):
            consequence = ""
        elif previous is not None and previous.counts_as_failed:
            consequence = transition = CONSEQUENCE_REVOKE
        elif credential.status == CredentialStatus.ACTIVE:
            consequence = transition = CONSEQUENCE_SUSPEND
        else:
            consequence = CONSEQUENCE_KEEP
        summary = MSG_REVIEW_FAILED % {
            **words,
            "consequence": CONSEQUENCE_NAMES[consequence],
        }

    def apply():
        return _review_apply(
            plan,
            review_id=review.pk,
            outcome=outcome,
            exam_passed=exam_passed,
            reasons=reasons,
            consequence=consequence,
            transition=transition,
            blocked=blocked,
        )

    plan.add(
        "credential_review", credential.holder_id, summary, review.pk, blocked=blocked, apply=apply
    )
    return outcome


def _review_apply(
    plan: Plan,
    *,
    review_id: int,
    outcome: str,
    exam_passed: bool,
    reasons: list[str],
    consequence: str,
    transition: str | None,
    blocked: bool,
) -> None:
    with transaction.atomic():
        review = (
            CredentialReview.objects.select_for_update()
            .select_related("credential")
            .get(pk=review_id)
        )
        before = {
            "outcome": review.outcome,
            "exam_passed": review.exam_passed,
            "reasons": review.reasons,
            "consequence": review.consequence,
        }
        review.outcome, review.exam_passed = outcome, exam_passed
        review.reasons, review.consequence = reasons, consequence
        review.full_clean()
        review.save(update_fields=["outcome", "exam_passed", "reasons", "consequence"])
        credential = review.credential
        log(
            instance=credential,
            action="certification.review.regraded",
            user=None,
            data={
                "year": review.year,
                "review_id": review.pk,
                "regrade_id": plan.regrade.id,
                "reason": plan.reason,
                "before": before,
                "after": {
                    "outcome": outcome,
                    "exam_passed": exam_passed,
                    "reasons": reasons,
                    "consequence": consequence,
                },
                **({"blocked": credential.status} if blocked else {}),
            },
        )
        common = {
            "credential": credential,
            "actor": None,
            "legal_basis": settings.CREDENTIAL_REVIEW_LEGAL_BASIS,
            "now": plan.now,
        }
        joined = "；".join(reasons)
        if transition == "restore":
            credential_restore(
                reason=str(REASON_REVIEW_RESTORE % {"regrade": plan.reason, "year": review.year}),
                data={"review_id": review.pk, "regrade_id": plan.regrade.id},
                **common,
            )
        elif transition == CONSEQUENCE_SUSPEND:
            credential_suspend(
                reason=str(
                    REASON_REVIEW_SUSPEND
                    % {"regrade": plan.reason, "year": review.year, "reasons": joined}
                ),
                review_id=review.pk,
                **common,
            )
        elif transition == CONSEQUENCE_REVOKE:
            credential_revoke(
                reason=str(
                    REASON_REVIEW_REVOKE
                    % {
                        "regrade": plan.reason,
                        "previous": review.year - 1,
                        "year": review.year,
                        "reasons": joined,
                    }
                ),
                review_id=review.pk,
                **common,
            )


def _plan_make_up(plan, review, sitting: Sitting, last_suspension) -> bool:
    """A rotation exam after a failed review now passes: it is a make-up exam."""
    credential = review.credential
    suspension = last_suspension.get(credential.pk)
    if credential.status != CredentialStatus.SUSPENDED or suspension is None:
        return False
    if (suspension.data or {}).get("review_id") != review.pk:
        return False
    summary = MSG_MAKE_UP % {
        "name": plan.names.get(credential.holder_id, ""),
        "number": credential.number,
        "session": sitting.session_title,
    }

    def apply():
        try:
            return review_make_up(sitting=sitting, now=plan.now)
        except InvalidTransition:
            return []

    plan.add("credential_review", credential.holder_id, summary, review.pk, apply=apply)
    return True


def _plan_make_up_undone(plan, review, change: ResultChange) -> bool:
    """The make-up exam that lifted a review's suspension no longer passes: the review counts
    as failed again and the credential is suspended again (if it is still active)."""
    credential = review.credential
    summary = MSG_MAKE_UP_UNDONE % {
        "name": plan.names.get(credential.holder_id, ""),
        "number": credential.number,
        "year": review.year,
    }

    def apply():
        with transaction.atomic():
            locked = CredentialReview.objects.select_for_update().get(pk=review.pk)
            before = locked.made_up_at
            locked.made_up_at = None
            locked.save(update_fields=["made_up_at"])
            log(
                instance=credential,
                action="certification.review.regraded",
                user=None,
                data={
                    "year": locked.year,
                    "review_id": locked.pk,
                    "regrade_id": plan.regrade.id,
                    "reason": plan.reason,
                    "before": {"made_up_at": before.isoformat() if before else None},
                    "after": {"made_up_at": None},
                    "attempt_id": change.attempt_id,
                },
            )
            current = Credential.objects.get(pk=credential.pk)
            if current.status == CredentialStatus.ACTIVE:
                credential_suspend(
                    credential=current,
                    actor=None,
                    reason=str(
                        REASON_MAKE_UP_UNDONE % {"regrade": plan.reason, "year": locked.year}
                    ),
                    legal_basis=settings.CREDENTIAL_REVIEW_LEGAL_BASIS,
                    now=plan.now,
                    review_id=locked.pk,
                )

    plan.add("credential_review", credential.holder_id, summary, review.pk, apply=apply)
    return True


# --- appraisal records --------------------------------------------------------------------------


def _plan_appraisal(plan: Plan, changes: dict[int, ResultChange]) -> None:
    exact: set[tuple[int, int]] = set()  # (person, year) whose record rests on the change
    from_year: dict[int, int] = {}  # person -> first year the pre-appointment state may change
    for change in changes.values():
        year = _local_year(change.finished_at)
        if year is None:
            continue
        if change.session_kind == ExamKind.ANNUAL_LAW:
            exact.add((change.user_id, year))
        elif change.session_kind == ExamKind.PRE_APPOINTMENT and change.pass_flipped:
            from_year[change.user_id] = min(year, from_year.get(change.user_id, year))
    exact |= set(plan.review_states)
    people = {p for p, _y in exact} | set(from_year)
    if not people:
        return
    records = [
        r
        for r in AppraisalRecord.objects.filter(person_id__in=people).order_by("year", "person_id")
        if (r.person_id, r.year) in exact or r.year >= from_year.get(r.person_id, 10**4)
    ]
    changes_by_attempt = changes
    by_year: dict[int, list[AppraisalRecord]] = defaultdict(list)
    for record in records:
        by_year[record.year].append(record)
    for year, rows in sorted(by_year.items()):
        overrides = {p: state for (p, y), state in plan.review_states.items() if y == year}
        values = appraisal_values_for(
            year=year,
            person_ids=[r.person_id for r in rows],
            now=plan.now,
            adjust=lambda found: _as_regraded(found, changes_by_attempt),
            review_overrides=overrides,
        )
        for record in rows:
            new = values.get(record.person_id)
            if new is None or not appraisal_record_changes(record, new):
                continue
            words = {
                "name": plan.names.get(record.person_id, ""),
                "year": year,
                "changes": appraisal_changes_label(record, new) or "—",
            }
            if record.locked:
                plan.add(
                    "appraisal",
                    record.person_id,
                    MSG_APPRAISAL_LOCKED % words,
                    record.pk,
                    blocked=True,
                    apply=lambda r=record, v=new: _appraisal_apply(plan, r.pk, v),
                )
            else:
                plan.add(
                    "appraisal",
                    record.person_id,
                    MSG_APPRAISAL % words,
                    record.pk,
                    apply=lambda r=record, v=new: _appraisal_apply(plan, r.pk, v),
                )


def _appraisal_apply(plan: Plan, record_id: int, values: dict) -> None:
    """Write (or, for a locked record, flag) the values the plan computed in one batch: they
    are what the database gives once the reviews before them are written."""
    with transaction.atomic():
        record = AppraisalRecord.objects.select_for_update().get(pk=record_id)
        if record.locked:
            appraisal_record_flag(record=record, values=values, reason=plan.reason)
        else:
            appraisal_record_recompute(record=record, values=values, actor=None, reason=plan.reason)


# --- the two answers ---------------------------------------------------------------------------


def regrade_consequences(*, regrade: Regrade) -> list[Consequence]:
    """The dry run: what the regrade would change in certification. Writes nothing."""
    return [step.consequence for step in _plan(regrade).steps]


def regrade_apply(*, regrade: Regrade, now: datetime.datetime | None = None) -> list[Consequence]:
    """Bring certificates, credential reviews and appraisal records in line with a committed
    regrade; each change is audited (its reason names the regrade). Idempotent: a second run
    finds nothing left to change. Returns what was done (locked records: flagged)."""
    plan = _plan(regrade, now=now)
    done = []
    # Certificates and reviews first: the appraisal records read the reviews as written.
    ordered = [s for s in plan.steps if s.consequence.kind != "appraisal"] + [
        s for s in plan.steps if s.consequence.kind == "appraisal"
    ]
    for step in ordered:
        if step.apply is not None:
            step.apply()
        done.append(step.consequence)
    return done
