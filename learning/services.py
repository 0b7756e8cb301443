"""Writes about study: enrolment, heartbeats, course completion, the ledger, offline imports.

The anti-double-count rule lives in ``lesson_heartbeat`` alone: each person has one
``StudyClock`` row, locked for every heartbeat; a heartbeat credits at most the heartbeat
interval plus a small tolerance, and never more than the time since the person's previous
heartbeat from any tab or device. So parallel tabs share the wall clock instead of adding
to it, and rapid heartbeats earn only the seconds that really passed between them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import BinaryIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log
from wagtail.models import Page

from cms.courses.models import CoursePage, LessonPage
from cms.db import filter_in
from cms.people.models import User
from cms.people.selectors import people_visible_to

from . import selectors, training_sheet
from .models import (
    Enrolment,
    EnrolmentSource,
    LessonProgress,
    StudyClock,
    StudyHourEntry,
    StudyKind,
)
from .training_sheet import RosterFileError, TrainingError, TrainingRow

COURSE_NOT_LIVE = _("该课程未发布，不能选学。")


def _course_of(lesson: LessonPage) -> CoursePage:
    return CoursePage.objects.get(path=lesson.path[: -Page.steplen])


# --- enrolment -------------------------------------------------------------------------------


def enrolment_create(
    *, user: User, course: CoursePage, year: int | None = None, source: str = EnrolmentSource.SELF
) -> Enrolment:
    """Enrol the person in the course for the year (idempotent)."""
    if not course.live:
        raise ValueError(str(COURSE_NOT_LIVE))
    year = year or selectors.local_year()
    enrolment, _created = Enrolment.objects.get_or_create(
        user=user, course=course, year=year, defaults={"source": source}
    )
    return enrolment


def course_assignments_sync(*, year: int, people: Iterable[User] | None = None) -> int:
    """Record, for the year, the courses assigned to each person by audience or unit.

    Idempotent (existing enrolments are kept); returns how many enrolments were added. Run
    at the start of each year (``manage.py assign_courses`` / the ``assign_courses`` task).
    """
    persons = list(
        people if people is not None else User.objects.filter(is_active=True).select_related(None)
    )
    courses = list(CoursePage.objects.live().only("pk", "audience", "path"))
    new = []
    existing = set(Enrolment.objects.filter(year=year).values_list("user_id", "course_id"))
    for person in persons:
        for course_id in selectors.assigned_course_ids(person=person, courses=courses):
            if (person.pk, course_id) not in existing:
                new.append(
                    Enrolment(
                        user=person, course_id=course_id, year=year, source=EnrolmentSource.ASSIGNED
                    )
                )
    Enrolment.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


# --- heartbeats and lesson completion ----------------------------------------------------------


@dataclass
class HeartbeatResult:
    progress: LessonProgress
    credited_seconds: int
    required_seconds: int
    required_checks: list[str]
    completed_now: bool = False
    course_entry: StudyHourEntry | None = None

    @property
    def is_complete(self) -> bool:
        return self.progress.completed_at is not None


def heartbeat_cap_seconds() -> int:
    return settings.STUDY_HEARTBEAT_SECONDS + settings.STUDY_HEARTBEAT_TOLERANCE_SECONDS


def _credit(clock: StudyClock, now: datetime.datetime, active: bool) -> int:
    """Seconds to credit for this heartbeat, from the server's clock only.

    The previous heartbeat of the person (any tab, any device) bounds it: at most the time
    since then, at most one interval plus tolerance. A gap longer than two intervals means
    the page was hidden or closed in between: the heartbeat opens a new stretch, crediting
    nothing, since there is no evidence of study during the gap.
    """
    if not active or clock.last_beat_at is None:
        return 0
    gap = (now - clock.last_beat_at).total_seconds()
    if gap <= 0 or gap > 2 * settings.STUDY_HEARTBEAT_SECONDS:
        return 0
    return int(min(heartbeat_cap_seconds(), gap))


def lesson_heartbeat(
    *,
    user: User,
    lesson: LessonPage,
    active: bool,
    reached_end: bool = False,
    answered: Iterable[str] = (),
    position: float | None = None,
    now: datetime.datetime | None = None,
) -> HeartbeatResult:
    """Record one heartbeat from a visible lesson page; complete the lesson when it is due.

    ``active`` says the learner gave input (key, pointer, scroll) since the last heartbeat;
    the seconds credited are never taken from the client. ``answered`` are self-check block
    ids (unknown ids are ignored), ``position`` the scroll ratio to resume at.
    """
    now = now or timezone.now()
    course = _course_of(lesson)
    required_checks = selectors.lesson_self_check_ids(lesson)
    required_seconds = lesson.min_active_minutes * 60
    with transaction.atomic():
        StudyClock.objects.get_or_create(user=user)
        clock = StudyClock.objects.select_for_update().get(user=user)
        credited = _credit(clock, now, active)
        if clock.last_beat_at is None or now > clock.last_beat_at:
            clock.last_beat_at = now
            clock.save(update_fields=["last_beat_at"])
        progress, _created = LessonProgress.objects.select_for_update().get_or_create(
            user=user, lesson=lesson, defaults={"course": course}
        )
        progress.active_seconds += credited
        progress.reached_end = progress.reached_end or bool(reached_end)
        known = set(progress.answered_checks) | (set(answered) & set(required_checks))
        progress.answered_checks = [c for c in required_checks if c in known]
        if position is not None:
            progress.resume_position = min(max(float(position), 0.0), 1.0)
        completed_now = progress.completed_at is None and _lesson_done(
            progress, required_seconds, required_checks
        )
        if completed_now:
            progress.completed_at = now
        progress.full_clean()
        progress.save()
        result = HeartbeatResult(
            progress=progress,
            credited_seconds=credited,
            required_seconds=required_seconds,
            required_checks=required_checks,
            completed_now=completed_now,
        )
        if completed_now:
            log(
                instance=lesson,
                action="learning.lesson.complete",
                user=user,
                data={"active_seconds": progress.active_seconds},
            )
            result.course_entry = course_completion_record(user=user, course=course, now=now)
    return result


def _lesson_done(progress: LessonProgress, required_seconds: int, checks: list[str]) -> bool:
    return (
        progress.active_seconds >= required_seconds
        and progress.reached_end
        and set(checks) <= set(progress.answered_checks)
    )


def course_completion_record(
    *, user: User, course: CoursePage, now: datetime.datetime | None = None
) -> StudyHourEntry | None:
    """Earn the course's hours once, when every live lesson of it is complete.

    The ledger's unique (person, source) constraint makes a second call a no-op; returns the
    entry created now, or None.
    """
    now = now or timezone.now()
    lesson_ids = list(LessonPage.objects.live().child_of(course).values_list("pk", flat=True))
    if not lesson_ids:
        return None
    done = LessonProgress.objects.filter(
        user=user, lesson_id__in=lesson_ids, completed_at__isnull=False
    ).count()
    if done < len(lesson_ids):
        return None
    day = timezone.localdate(now)
    with transaction.atomic():
        entry, created = StudyHourEntry.objects.get_or_create(
            user=user,
            source=selectors.course_source(course.pk),
            defaults={
                "year": day.year,
                "hours": course.study_hours,
                "kind": StudyKind.ONLINE,
                "title": course.title[:200],
                "date": day,
                "course": course,
            },
        )
        if not created:
            return None
        log(
            instance=entry,
            action="learning.hours.earn",
            user=user,
            data={"course": course.pk, "hours": str(entry.hours), "year": entry.year},
        )
    return entry


# --- offline training import ------------------------------------------------------------------


@dataclass
class TrainingImportResult:
    filename: str
    errors: list[TrainingError] = field(default_factory=list)
    to_create: list[tuple[User, TrainingRow]] = field(default_factory=list)
    already: list[TrainingRow] = field(default_factory=list)
    created: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        return {
            "new": len(self.to_create),
            "already": len(self.already),
            "created": self.created,
        }


def offline_training_import(
    *,
    file: BinaryIO,
    filename: str,
    actor: User | None = None,
    dry_run: bool = False,
    today: datetime.date | None = None,
    mapping: dict[str, str] | None = None,
) -> TrainingImportResult:
    """Check every row of an offline training sheet; write all of it or nothing.

    Rows already in the ledger (same person, training, date and kind) are reported and
    skipped, so importing the same file again adds nothing. An ``actor`` who is not a
    superuser may only import people within their scope.
    """
    result = TrainingImportResult(filename=filename)
    try:
        frame = training_sheet.read_rows(file, filename, mapping)
    except RosterFileError as exc:
        result.errors.append(TrainingError(None, "", str(exc)))
        return result
    rows, errors = training_sheet.parse_rows(frame, today=today or timezone.localdate())
    result.errors.extend(errors)

    people = {
        p.employee_number.upper(): p
        for p in filter_in(User.objects.all(), "employee_number__in", _case_variants(rows))
    }
    person_ids = [p.pk for p in people.values()]
    visible = None
    if actor is not None and not actor.is_superuser:
        in_scope = people_visible_to(actor).values_list("pk", flat=True)
        visible = set(filter_in(in_scope, "pk__in", person_ids))
    ledger = StudyHourEntry.objects.values_list("user_id", "source")
    existing = set(filter_in(ledger, "user_id__in", person_ids))
    for row in rows:
        person = people.get(row.employee_number.upper())
        col = training_sheet.COL_EMPLOYEE_NUMBER
        if person is None:
            message = training_sheet.UNKNOWN_PERSON % {"number": row.employee_number}
            result.errors.append(TrainingError(row.row, col, str(message)))
            continue
        if visible is not None and person.pk not in visible:
            result.errors.append(
                TrainingError(row.row, col, str(training_sheet.PERSON_OUT_OF_SCOPE))
            )
            continue
        if row.name and row.name != person.name:
            message = training_sheet.NAME_MISMATCH % {
                "number": row.employee_number,
                "name": person.name,
            }
            result.errors.append(TrainingError(row.row, training_sheet.COL_NAME, str(message)))
            continue
        if (person.pk, row.source) in existing:
            result.already.append(row)
        else:
            result.to_create.append((person, row))
    result.errors.sort(key=lambda e: e.row or 0)
    if dry_run or not result.ok:
        return result
    with transaction.atomic():
        entries = []
        for person, row in result.to_create:
            entry = StudyHourEntry(
                user=person,
                year=row.date.year,
                hours=row.hours,
                kind=row.kind,
                title=row.training,
                source=row.source,
                date=row.date,
                created_by=actor,
            )
            entry.full_clean(validate_constraints=False)
            entries.append(entry)
        StudyHourEntry.objects.bulk_create(entries)
        result.created = len(entries)
        if entries:
            first = StudyHourEntry.objects.get(user=entries[0].user, source=entries[0].source)
            log(
                instance=first,
                action="learning.training.import",
                user=actor,
                data={"filename": filename, **result.counts()},
            )
    return result


def _case_variants(rows: list[TrainingRow]) -> set[str]:
    """Employee numbers as written plus upper/lower case (matched case-insensitively)."""
    values = set()
    for row in rows:
        values |= {row.employee_number, row.employee_number.upper(), row.employee_number.lower()}
    return values
