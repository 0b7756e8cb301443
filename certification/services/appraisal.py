"""Yearly law-study appraisal (年度学法考核): compute, review, lock, audited unlock.

The rating of year Y is 合格 when all of these hold, else 不合格 with every failed rule as a
reason:
- the study hours counted toward the person's requirement meet it (``learning``);
- the person passed an annual law exam (年度学法考试) finished in Y (``exams``);
- if the person's credential was reviewed for Y, the review passed or was made up.
The pre-appointment exam status is recorded for the appointment check but does not decide the
rating: it concerns a nomination, not the year's study.

Computing writes in bulk (``bulk_create``/``bulk_update`` by chunks, inside one transaction
per chunk) rather than ``full_clean`` per row: 50,000 people per city. Locked records are
skipped and therefore never change; ``appraisal_unlock`` is the only way back, with a reason
written to Wagtail's audit log.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from cms.people.models import Role, User
from cms.people.selectors import people_visible_to, user_can_see_person
from exams import api as exams_api
from exams.data import ExamKind
from learning.selectors import year_summaries

from ..exceptions import CertificationError, OutOfScope
from ..models import (
    AppraisalRating,
    AppraisalRecord,
    BatchJob,
    CredentialReview,
    CredentialReviewState,
)

MSG_HOURS_SHORT = _("学时未达标：已修 %(counted)s 学时，应修 %(required)s 学时。")
MSG_NO_EXAM = _("未参加%(year)s年度学法考试。")
MSG_EXAM_FAILED = _("%(year)s年度学法考试不合格（最高 %(score)s 分）。")
MSG_REVIEW_FAILED = _("%(year)s年度执法证年审不合格。")
MSG_LOCKED = _("该考核记录已锁定，不能修改；如确需修改，请填写理由解锁。")
MSG_NOT_LOCKED = _("该考核记录未锁定。")
MSG_UNLOCK_REASON = _("解锁须填写理由。")
MSG_OUT_OF_SCOPE = _("该人员不在您的管辖范围内。")

CHUNK = 1000
RECORD_FIELDS = [
    "unit",
    "hours_required",
    "hours_counted",
    "hours_met",
    "exam_attempts",
    "exam_score",
    "exam_passed",
    "exam_band",
    "pre_appointment",
    "pre_appointment_passed_on",
    "credential_review",
    "rating",
    "reasons",
    "computed_at",
]


# A reason is stored as its code and figures ({"code": "hours_short", "counted": "10", ...}),
# never as text, so that each reader sees it in their own language (appraisal_reason_text).
REASON_MESSAGES = {
    "hours_short": MSG_HOURS_SHORT,
    "no_exam": MSG_NO_EXAM,
    "exam_failed": MSG_EXAM_FAILED,
    "review_failed": MSG_REVIEW_FAILED,
}
REASON_SEPARATOR = _("；")


def _reason(code: str, **figures) -> dict:
    return {"code": code, **{name: str(value) for name, value in figures.items()}}


def appraisal_reason_text(reason: dict | str) -> str:
    """A stored reason in the active language (text stored by an older version: as it is)."""
    if isinstance(reason, str):
        return reason
    figures = {k: v for k, v in reason.items() if k != "code"}
    message = REASON_MESSAGES.get(reason.get("code"))
    return str(message % figures) if message is not None else str(reason.get("code", ""))


def appraisal_reasons_text(reasons) -> str:
    """A record's reasons as one line in the active language."""
    return str(REASON_SEPARATOR).join(appraisal_reason_text(r) for r in reasons or [])


def appraisal_rating(
    *,
    year: int,
    hours_counted: Decimal,
    hours_required: Decimal,
    exam_attempts: int,
    exam_passed: bool | None,
    exam_score: Decimal | None,
    credential_review: str,
) -> tuple[str, list[dict]]:
    """The rating and the reasons of a 不合格 (see the module docstring), as codes."""
    reasons = []
    if hours_counted < hours_required:
        reasons.append(_reason("hours_short", counted=hours_counted, required=hours_required))
    if not exam_attempts:
        reasons.append(_reason("no_exam", year=year))
    elif not exam_passed:
        reasons.append(_reason("exam_failed", year=year, score=exam_score))
    if credential_review == CredentialReviewState.FAILED:
        reasons.append(_reason("review_failed", year=year))
    return (AppraisalRating.FAILED if reasons else AppraisalRating.PASSED), reasons


def review_states(people: QuerySet[User], year: int) -> dict[int, str]:
    """Per holder: the year's credential review state (the worst over their credentials)."""
    states: dict[int, str] = {}
    rows = CredentialReview.objects.filter(
        year=year, credential__holder__in=people.values("pk")
    ).values_list("credential__holder_id", "outcome", "made_up_at")
    rank = {
        CredentialReviewState.PASSED: 0,
        CredentialReviewState.MADE_UP: 1,
        CredentialReviewState.FAILED: 2,
    }
    for holder_id, outcome, made_up_at in rows:
        if outcome == CredentialReview.Outcome.PASSED:
            state = CredentialReviewState.PASSED
        elif made_up_at is not None:
            state = CredentialReviewState.MADE_UP
        else:
            state = CredentialReviewState.FAILED
        if rank[state] >= rank.get(states.get(holder_id), -1):
            states[holder_id] = state
    return states


def appraisal_compute(
    *,
    year: int,
    people: QuerySet[User],
    now: datetime.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """(Re)compute the year's records of ``people``; locked records are left as they are.

    Returns counts: created, updated, unchanged, locked (skipped).
    """
    from ..selectors_hr import exam_results, year_bounds

    now = now or timezone.now()
    _start, end = year_bounds(year)
    on = appraisal_day(year, now)
    persons = list(people.values_list("pk", "org_unit_id").order_by("pk"))
    total = len(persons)
    if progress:
        progress(0, total)
    summaries = year_summaries(people=people, year=year)
    exams = exam_results(people, year=year)
    pre_attempts: dict[int, list] = defaultdict(list)
    for sitting in exams_api.sittings(
        user_ids=people.values_list("pk", flat=True), kinds=[ExamKind.PRE_APPOINTMENT], until=end
    ):
        pre_attempts[sitting.user_id].append(sitting)
    reviews = review_states(people, year)
    counts = {"created": 0, "updated": 0, "unchanged": 0, "locked": 0}
    for offset in range(0, total, CHUNK):
        chunk = persons[offset : offset + CHUNK]
        existing = {
            r.person_id: r
            for r in AppraisalRecord.objects.filter(
                year=year, person_id__in=[pk for pk, _unit in chunk]
            )
        }
        new, changed = [], []
        for pk, unit_id in chunk:
            record = existing.get(pk)
            if record is not None and record.locked:
                counts["locked"] += 1
                continue
            values = record_values(
                year=year,
                unit_id=unit_id,
                summary=summaries[pk],
                exam=exams.get(pk, (0, None, None)),
                pre_sittings=pre_attempts.get(pk, []),
                review=reviews.get(pk, CredentialReviewState.NONE),
                on=on,
                now=now,
            )
            if record is None:
                new.append(AppraisalRecord(person_id=pk, year=year, **values))
            elif _differs(record, values):
                for name, value in values.items():
                    setattr(record, name, value)
                changed.append(record)
            else:
                counts["unchanged"] += 1
        with transaction.atomic():
            AppraisalRecord.objects.bulk_create(new, batch_size=500)
            AppraisalRecord.objects.bulk_update(changed, RECORD_FIELDS, batch_size=500)
        counts["created"] += len(new)
        counts["updated"] += len(changed)
        if progress:
            progress(min(offset + CHUNK, total), total)
    return counts


def record_values(
    *,
    year: int,
    unit_id: int | None,
    summary,
    exam: tuple[int, Decimal | None, bool | None],
    pre_sittings: list,
    review: str,
    on: datetime.date,
    now: datetime.datetime,
) -> dict:
    """A record's fields from a person's figures: study hours (a ``YearSummary``), the year's
    annual law exams (attempts, best score, passed any), the pre-appointment sittings up to
    the year's end and the credential review state."""
    from ..selectors_hr import grade_band, pre_appointment_status

    attempts, score, passed = exam
    pre = pre_appointment_status(pre_sittings, on=on)
    rating, reasons = appraisal_rating(
        year=year,
        hours_counted=summary.counted,
        hours_required=summary.required,
        exam_attempts=attempts,
        exam_passed=passed,
        exam_score=score,
        credential_review=review,
    )
    return {
        "unit_id": unit_id,
        "hours_required": summary.required,
        "hours_counted": summary.counted,
        "hours_met": summary.is_met,
        "exam_attempts": attempts,
        "exam_score": score,
        "exam_passed": passed if attempts else None,
        "exam_band": grade_band(score),
        "pre_appointment": pre.state,
        "pre_appointment_passed_on": pre.passed_on,
        "credential_review": review,
        "rating": rating,
        "reasons": reasons,
        "computed_at": now,
    }


def appraisal_day(year: int, now: datetime.datetime) -> datetime.date:
    """The day a year's record describes: today, or the year's last day once it is over."""
    from ..selectors_hr import year_bounds

    _start, end = year_bounds(year)
    return min(timezone.localdate(now), (end - datetime.timedelta(days=1)).date())


def _differs(record: AppraisalRecord, values: dict) -> bool:
    """Whether recomputing changed anything but the time stamp (a re-run then writes nothing)."""
    return any(
        getattr(record, name) != value for name, value in values.items() if name != "computed_at"
    )


# What the recompute of one record shows as changed (the rest are figures behind these).
SHOWN_FIELDS = (
    "hours_counted",
    "exam_score",
    "exam_passed",
    "pre_appointment",
    "credential_review",
    "rating",
)


def _shown(record_or_values, name: str) -> str:
    value = (
        record_or_values.get(name)
        if isinstance(record_or_values, dict)
        else getattr(record_or_values, name)
    )
    if value is None or value == "":
        return "—"
    if name == "exam_passed":
        return str(_("合格") if value else _("不合格"))
    field = AppraisalRecord._meta.get_field(name)
    if field.choices:
        return str(dict(field.choices).get(value, value))
    return str(value)


def record_changes(record: AppraisalRecord, values: dict) -> dict[str, list]:
    """{field: [before, after]} of the fields a recompute would change (time stamp left out)."""
    changes = {}
    for name, value in values.items():
        if name == "computed_at":
            continue
        before = getattr(record, name)
        if before != value:
            changes[name] = [_json(before), _json(value)]
    return changes


def _json(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def changes_label(record: AppraisalRecord, values: dict) -> str:
    """ "年度学法考试成绩 58.00 → 62.00；学法考核结果 不合格 → 合格" for the fields people read."""
    parts = []
    for name in SHOWN_FIELDS:
        if name in values and getattr(record, name) != values[name]:
            label = AppraisalRecord._meta.get_field(name).verbose_name
            parts.append(f"{label} {_shown(record, name)} → {_shown(values, name)}")
    return "；".join(parts)


def appraisal_values_for(
    *,
    year: int,
    person_ids: list[int],
    now: datetime.datetime | None = None,
    adjust: Callable[[list], list] | None = None,
    review_overrides: dict[int, str] | None = None,
) -> dict[int, dict]:
    """The values ``appraisal_compute`` would give these people's records of ``year``, in a
    fixed number of queries, writing nothing. ``adjust`` may replace sittings (a regrade's dry
    run reads the results as they would be) and ``review_overrides`` the review states."""
    from ..selectors_hr import year_bounds

    now = now or timezone.now()
    start, end = year_bounds(year)
    people = User.objects.filter(pk__in=person_ids)
    units = dict(people.values_list("pk", "org_unit_id"))
    summaries = year_summaries(people=people, year=year)
    found = exams_api.sittings(
        user_ids=list(units), kinds=[ExamKind.ANNUAL_LAW, ExamKind.PRE_APPOINTMENT], until=end
    )
    if adjust is not None:
        found = adjust(found)
    exams: dict[int, tuple[int, Decimal | None, bool]] = {}
    pre: dict[int, list] = defaultdict(list)
    for sitting in found:
        if sitting.session_kind == ExamKind.PRE_APPOINTMENT:
            pre[sitting.user_id].append(sitting)
        elif sitting.finished_at and sitting.finished_at >= start:
            count, best, any_pass = exams.get(sitting.user_id, (0, None, False))
            if sitting.score is not None and (best is None or sitting.score > best):
                best = sitting.score
            exams[sitting.user_id] = (count + 1, best, any_pass or bool(sitting.passed))
    reviews = review_states(people, year)
    reviews.update(review_overrides or {})
    on = appraisal_day(year, now)
    return {
        pk: record_values(
            year=year,
            unit_id=unit_id,
            summary=summaries[pk],
            exam=exams.get(pk, (0, None, None)),
            pre_sittings=pre.get(pk, []),
            review=reviews.get(pk, CredentialReviewState.NONE),
            on=on,
            now=now,
        )
        for pk, unit_id in units.items()
    }


def appraisal_record_recompute(
    *, record: AppraisalRecord, values: dict, actor: User | None, reason: str
) -> dict[str, list]:
    """Write recomputed values to an unlocked record, audited with before/after; returns the
    changes ({} when nothing changed, and nothing is written then). Call inside a transaction
    holding the row lock."""
    if record.locked:
        raise CertificationError(MSG_LOCKED)
    changes = record_changes(record, values)
    if not changes:
        return {}
    for name, value in values.items():
        setattr(record, name, value)
    record.recompute_pending, record.recompute_reason = False, ""
    record.save(update_fields=[*RECORD_FIELDS, "recompute_pending", "recompute_reason"])
    log(
        instance=record,
        action="certification.appraisal.recompute",
        user=actor,
        data={"year": record.year, "reason": reason, "changes": changes},
    )
    return changes


def appraisal_record_flag(*, record: AppraisalRecord, values: dict, reason: str) -> dict[str, list]:
    """A locked record whose figures a regrade changed: flag it for HR (nothing else changes)
    with what would change; the audited unlock then recomputes it. Returns the changes."""
    changes = record_changes(record, values)
    if not changes:
        return {}
    note = f"{reason}：{changes_label(record, values)}"
    record.recompute_pending = True
    record.recompute_reason = (
        f"{record.recompute_reason}\n{note}" if record.recompute_reason else note
    )
    record.save(update_fields=["recompute_pending", "recompute_reason"])
    log(
        instance=record,
        action="certification.appraisal.flag",
        user=None,
        data={"year": record.year, "reason": reason, "changes": changes},
    )
    return changes


def _scoped_record(record_id: int, actor: User | None, *, lock: bool = True) -> AppraisalRecord:
    records = AppraisalRecord.objects.select_related("person")
    if lock:
        records = records.select_for_update()
    record = records.get(pk=record_id)
    if actor is not None and not user_can_see_person(actor, record.person, role=Role.HR):
        raise OutOfScope(MSG_OUT_OF_SCOPE)
    return record


def appraisal_review(
    *, record_id: int, actor: User, notes: str, now: datetime.datetime | None = None
) -> AppraisalRecord:
    """HR marks a record reviewed and sets its notes; refused once the record is locked."""
    with transaction.atomic():
        record = _scoped_record(record_id, actor)
        if record.locked:
            raise CertificationError(MSG_LOCKED)
        record.notes = notes.strip()
        record.reviewed_by = actor
        record.reviewed_at = now or timezone.now()
        record.full_clean()
        record.save(update_fields=["notes", "reviewed_by", "reviewed_at"])
        log(
            instance=record,
            action="certification.appraisal.review",
            user=actor,
            data={"year": record.year, "person": record.person.employee_number},
        )
    return record


def appraisal_lock_year(
    *, year: int, actor: User | None, now: datetime.datetime | None = None
) -> int:
    """Lock every unlocked record of the year in the actor's HR subtree; returns how many.

    Who locked and when is kept on each record (``locked_by``/``locked_at``).
    """
    now = now or timezone.now()
    records = AppraisalRecord.objects.filter(year=year, locked=False)
    if actor is not None:
        records = records.filter(person__in=people_visible_to(actor, role=Role.HR).values("pk"))
    with transaction.atomic():
        return records.update(locked=True, locked_at=now, locked_by=actor)


def appraisal_unlock(
    *, record_id: int, actor: User, reason: str, now: datetime.datetime | None = None
) -> AppraisalRecord:
    """Open a locked record again: a reason is required and goes to the audit log."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificationError(MSG_UNLOCK_REASON)
    with transaction.atomic():
        record = _scoped_record(record_id, actor)
        if not record.locked:
            raise CertificationError(MSG_NOT_LOCKED)
        before = {
            "locked_at": record.locked_at.isoformat() if record.locked_at else None,
            "locked_by": record.locked_by_id,
        }
        record.locked, record.locked_at, record.locked_by = False, None, None
        record.save(update_fields=["locked", "locked_at", "locked_by"])
        log(
            instance=record,
            action="certification.appraisal.unlock",
            user=actor,
            data={
                "year": record.year,
                "person": record.person.employee_number,
                "reason": reason,
                "before": before,
                "at": (now or timezone.now()).isoformat(),
            },
        )
        if record.recompute_pending:
            # The change a regrade left waiting applies now, as its own audited step.
            values = appraisal_values_for(year=record.year, person_ids=[record.person_id], now=now)[
                record.person_id
            ]
            waiting = record.recompute_reason
            if not appraisal_record_recompute(
                record=record, values=values, actor=actor, reason=waiting
            ):
                record.recompute_pending, record.recompute_reason = False, ""
                record.save(update_fields=["recompute_pending", "recompute_reason"])
    return record


def appraisal_job_start(*, year: int, actor: User | None) -> BatchJob:
    """Compute the year's records of the actor's HR subtree in the background."""
    from .batches import _enqueue

    job = BatchJob.objects.create(
        kind=BatchJob.Kind.APPRAISAL, params={"year": year}, created_by=actor
    )
    return _enqueue(job)


def appraisal_job_work(job: BatchJob, progress: Callable[[int, int], None]) -> dict:
    from ..selectors_hr import hr_people

    actor = job.created_by
    people = User.objects.filter(is_active=True) if actor is None else hr_people(actor)
    return appraisal_compute(year=job.params["year"], people=people, progress=progress)
