"""Writes of the exam administrator: the candidate list, accommodations, releasing results.

Each public function is one change, atomic and audited. Scope (which people an administrator
may act on) comes from ``cms.people.selectors`` through ``exams.session_selectors``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from cms.db import filter_in
from cms.people.models import User
from cms.spreadsheets import Column, Columns, SheetError, read_table
from cms.spreadsheets import SpreadsheetFileError as RosterFileError

from ..models import (
    Attempt,
    AttemptStatus,
    Candidate,
    ExamSession,
    ResultRelease,
    ReviewPolicy,
)
from ..session_selectors import people_in_scope
from .attempts import AttemptError
from .transitions import attempt_extend

# --- the candidate list spreadsheet ---------------------------------------------------------
COL_EMPLOYEE_NUMBER = "工号"
COL_EXTRA_MINUTES = "延长时间（分钟）"
COL_EXTRA_ATTEMPTS = "增加次数"
COL_NOTE = "备注"
CANDIDATE_COLUMNS = [COL_EMPLOYEE_NUMBER, COL_EXTRA_MINUTES, COL_EXTRA_ATTEMPTS, COL_NOTE]
CANDIDATE_SHEET_COLUMNS = Columns(
    [
        Column(COL_EMPLOYEE_NUMBER, True, ("员工号", "职工号", "人员编号", "考生工号")),
        Column(COL_EXTRA_MINUTES, False, ("延长时间", "延长分钟", "延时（分钟）", "延时")),
        Column(COL_EXTRA_ATTEMPTS, False, ("额外次数", "增加考试次数")),
        Column(COL_NOTE, False, ("说明",)),
    ]
)
NOTE_MAX_LENGTH = 200
# An accommodation beyond these is a typing error rather than a decision.
EXTRA_MINUTES_MAX = 600
EXTRA_ATTEMPTS_MAX = 10

ERR_FILE_TOO_LARGE = _("文件过大：不能超过 %(limit)s MB。")
ERR_FILE_EMPTY = _("文件中没有考生数据。")
ERR_COLUMN_MISSING = _("缺少必需的列。")
ERR_COLUMN_DUPLICATED = _("该列出现了不止一次。")
ERR_REQUIRED = _("必填，不能为空。")
ERR_NOT_INTEGER = _("应为不小于 0 的整数，而不是“%(value)s”。")
ERR_TOO_LARGE = _("不能超过 %(limit)s。")
ERR_NOTE_TOO_LONG = _("备注不能超过 200 个字符。")
ERR_DUPLICATE = _("工号与第 %(row)s 行重复。")
ERR_UNKNOWN_PERSON = _("系统中没有工号为“%(number)s”的人员。")
ERR_INACTIVE_PERSON = _("该人员已停用（不在职），不能列为考生。")
ERR_OUT_OF_SCOPE = _("该人员不在您的管辖范围内。")

# The reason recorded when a raised accommodation moves a running attempt's deadline.
REASON_ACCOMMODATION = _("考生延时安排调整")

ERR_RELEASE_NOT_MANUAL = _("本场考试的成绩不是由管理员公布的，无需手动公布。")
ERR_RELEASE_NOT_CLOSED = _("考试尚未结束，不能公布成绩。")

_INTEGER_RE = re.compile(r"^\d+$")


CandidateImportError = SheetError  # the one row-located import error type (cms.spreadsheets)


@dataclass(frozen=True)
class CandidateImportRow:
    row: int
    employee_number: str
    name: str
    unit_name: str
    extra_minutes: int
    extra_attempts: int
    note: str
    action: str  # "create", "update" or "unchanged"


@dataclass
class CandidatesImportResult:
    filename: str
    dry_run: bool
    errors: list[CandidateImportError] = field(default_factory=list)
    rows: list[CandidateImportRow] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    running_extended: int = 0  # running attempts whose deadline a raised extra time moved

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run


@dataclass
class _ParsedRow:
    row: int
    employee_number: str
    extra_minutes: int
    extra_attempts: int
    note: str


def _parse_count(value: str, column: str, limit: int, line: int, errors: list) -> int:
    if value == "":
        return 0
    # Spreadsheets hand whole numbers back as "3.0" when a cell was formatted as a number.
    text = value[:-2] if value.endswith(".0") else value
    if not _INTEGER_RE.match(text):
        errors.append(CandidateImportError(line, column, str(ERR_NOT_INTEGER % {"value": value})))
        return 0
    number = int(text)
    if number > limit:
        errors.append(CandidateImportError(line, column, str(ERR_TOO_LARGE % {"limit": limit})))
    return number


def _parse_candidate_rows(frame) -> tuple[list[_ParsedRow], list[CandidateImportError]]:
    """Check every row on its own and against the other rows (no database)."""
    errors: list[CandidateImportError] = []
    headers = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    for column in CANDIDATE_COLUMNS:
        if headers.count(column) > 1:
            errors.append(CandidateImportError(None, column, str(ERR_COLUMN_DUPLICATED)))
    if COL_EMPLOYEE_NUMBER not in headers:
        errors.append(CandidateImportError(None, COL_EMPLOYEE_NUMBER, str(ERR_COLUMN_MISSING)))
    if errors:
        return [], errors
    frame = frame.copy()
    frame.columns = headers
    rows: list[_ParsedRow] = []
    seen: dict[str, int] = {}
    for line, record in zip(frame.index, frame.to_dict("records"), strict=True):
        cells = {c: str(record.get(c, "") or "").strip() for c in CANDIDATE_COLUMNS}
        if not any(cells.values()):
            continue
        row_errors: list[CandidateImportError] = []
        number = cells[COL_EMPLOYEE_NUMBER]
        if not number:
            row_errors.append(CandidateImportError(line, COL_EMPLOYEE_NUMBER, str(ERR_REQUIRED)))
        elif number in seen:
            row_errors.append(
                CandidateImportError(
                    line, COL_EMPLOYEE_NUMBER, str(ERR_DUPLICATE % {"row": seen[number]})
                )
            )
        else:
            seen[number] = line
        minutes = _parse_count(
            cells[COL_EXTRA_MINUTES], COL_EXTRA_MINUTES, EXTRA_MINUTES_MAX, line, row_errors
        )
        attempts = _parse_count(
            cells[COL_EXTRA_ATTEMPTS], COL_EXTRA_ATTEMPTS, EXTRA_ATTEMPTS_MAX, line, row_errors
        )
        note = cells[COL_NOTE]
        if len(note) > NOTE_MAX_LENGTH:
            row_errors.append(CandidateImportError(line, COL_NOTE, str(ERR_NOTE_TOO_LONG)))
        errors.extend(row_errors)
        if not row_errors:
            rows.append(_ParsedRow(line, number, minutes, attempts, note))
    if not rows and not errors:
        errors.append(CandidateImportError(None, "", str(ERR_FILE_EMPTY)))
    return rows, errors


def _check_people(
    rows: list[_ParsedRow], actor
) -> tuple[dict[str, User], list[CandidateImportError]]:
    """People must exist, be active and lie in the actor's scope. Two queries per 500 rows."""
    numbers = [r.employee_number for r in rows]
    people = {
        p.employee_number: p
        for p in filter_in(User.objects.select_related("org_unit"), "employee_number__in", numbers)
    }
    in_scope: set[int] | None = None
    if actor is not None:
        scope = people_in_scope(actor).values_list("pk", flat=True)
        in_scope = set(filter_in(scope, "pk__in", [p.pk for p in people.values()]))
    errors = []
    for row in rows:
        person = people.get(row.employee_number)
        if person is None:
            message = ERR_UNKNOWN_PERSON % {"number": row.employee_number}
        elif in_scope is not None and person.pk not in in_scope:
            message = ERR_OUT_OF_SCOPE
        elif not person.is_active:
            message = ERR_INACTIVE_PERSON
        else:
            continue
        errors.append(CandidateImportError(row.row, COL_EMPLOYEE_NUMBER, str(message)))
    return people, errors


def candidates_import(
    *,
    session: ExamSession,
    data: bytes,
    filename: str,
    actor,
    dry_run: bool = False,
    mapping: dict[str, str] | None = None,
) -> CandidatesImportResult:
    """Put the people of a spreadsheet on the session's candidate list, with accommodations.

    Every row is checked first (file, header, numbers, duplicates, then the people against the
    database and the actor's scope); any error and nothing is written. People are matched by
    employee number, so importing again updates their row instead of adding a second one.
    People already on the list but absent from the file are left as they are. ``actor`` None
    means a trusted caller (a command) and skips the scope check.
    """
    result = CandidatesImportResult(filename=filename, dry_run=dry_run)
    limit = settings.UPLOAD_MAX_BYTES
    if len(data) > limit:
        message = ERR_FILE_TOO_LARGE % {"limit": f"{limit / 1024 / 1024:g}"}
        result.errors.append(CandidateImportError(None, "", str(message)))
        return result
    try:
        # The roster's reader: xlsx or UTF-8 csv as strings, blank rows kept so that the row
        # numbers in messages are the ones the user sees.
        frame = read_table(data, filename, columns=CANDIDATE_SHEET_COLUMNS, mapping=mapping)
    except RosterFileError as exc:
        result.errors.append(CandidateImportError(None, "", str(exc)))
        return result
    rows, errors = _parse_candidate_rows(frame)
    people, db_errors = _check_people(rows, actor) if rows else ({}, [])
    result.errors = sorted(errors + db_errors, key=lambda e: (e.row or 0, e.column))
    if result.errors:
        return result

    listed = Candidate.objects.filter(session=session)
    person_ids = [people[r.employee_number].pk for r in rows]
    existing = {c.user_id: c for c in filter_in(listed, "user_id__in", person_ids)}
    previous_minutes = {user_id: c.extra_minutes for user_id, c in existing.items()}
    to_create: list[Candidate] = []
    to_update: list[Candidate] = []
    for row in rows:
        person = people[row.employee_number]
        values = {
            "listed": True,
            "extra_minutes": row.extra_minutes,
            "extra_attempts": row.extra_attempts,
            "note": row.note,
        }
        candidate = existing.get(person.pk)
        if candidate is None:
            candidate = Candidate(session=session, user=person, **values)
            to_create.append(candidate)
            action = "create"
        elif any(getattr(candidate, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(candidate, key, value)
            to_update.append(candidate)
            action = "update"
        else:
            action = "unchanged"
        result.rows.append(
            CandidateImportRow(
                row=row.row,
                employee_number=person.employee_number,
                name=person.name,
                unit_name=person.org_unit.name if person.org_unit else "",
                extra_minutes=row.extra_minutes,
                extra_attempts=row.extra_attempts,
                note=row.note,
                action=action,
            )
        )
    result.created, result.updated = len(to_create), len(to_update)
    result.unchanged = len(rows) - result.created - result.updated
    if dry_run:
        return result

    for candidate in to_create + to_update:
        # Uniqueness is guaranteed above (and by the database constraint).
        candidate.full_clean(validate_unique=False, validate_constraints=False)
    raised = {
        c.user_id: c.extra_minutes - previous_minutes[c.user_id]
        for c in to_update
        if c.extra_minutes > previous_minutes[c.user_id]
    }
    raised.update({c.user_id: c.extra_minutes for c in to_create if c.extra_minutes})
    with transaction.atomic():
        Candidate.objects.bulk_create(to_create)
        Candidate.objects.bulk_update(
            to_update, ["listed", "extra_minutes", "extra_attempts", "note"]
        )
        result.running_extended = _extend_running(session, raised, actor=actor)
        log(
            instance=session,
            action="exams.candidates.import",
            user=actor,
            data={
                "filename": filename,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "employee_numbers": [r.employee_number for r in rows],
            },
        )
    return result


def _extend_running(session: ExamSession, raised: dict[int, int], *, actor, now=None) -> int:
    """Move the running attempts of these people (user id -> minutes added to their extra
    time) by the minutes added, through ``attempt_extend`` (call inside the transaction).

    Only attempts whose deadline has not passed move (one past it is finalised, or re-opened
    by an administrator); an attempt already at the session's close stays there. Lowering an
    accommodation never shortens a running attempt. Returns how many attempts moved."""
    if not raised:
        return 0
    now = now or timezone.now()
    running = list(
        filter_in(
            Attempt.objects.filter(
                session=session, status=AttemptStatus.IN_PROGRESS, deadline__gt=now
            ).values_list("pk", "user_id"),
            "user_id__in",
            list(raised),
        )
    )
    moved = 0
    for attempt_id, user_id in running:
        try:
            with transaction.atomic():
                attempt_extend(
                    attempt_id=attempt_id,
                    actor=actor,
                    minutes=raised[user_id],
                    reason=str(REASON_ACCOMMODATION),
                    now=now,
                )
        except AttemptError:
            continue  # already at the session's close: the accommodation is kept for later
        moved += 1
    return moved


def candidate_update(
    *,
    candidate: Candidate,
    listed: bool,
    extra_minutes: int,
    extra_attempts: int,
    note: str,
    actor,
) -> Candidate:
    """Change one candidate's listing and accommodations; refused outside the actor's scope.

    Raising the extra time of a candidate who is sitting moves their running attempt's
    deadline by the minutes added (within the session's close), in the same transaction;
    lowering it never shortens a running attempt. The returned candidate's
    ``running_attempt_extended`` says whether a running attempt moved."""
    if actor is not None and not people_in_scope(actor).filter(pk=candidate.user_id).exists():
        raise PermissionDenied(ERR_OUT_OF_SCOPE)
    fields = ["listed", "extra_minutes", "extra_attempts", "note"]
    with transaction.atomic():
        candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
        before = {f: getattr(candidate, f) for f in fields}
        candidate.listed = listed
        candidate.extra_minutes = extra_minutes
        candidate.extra_attempts = extra_attempts
        candidate.note = note
        after = {f: getattr(candidate, f) for f in fields}
        candidate.running_attempt_extended = False
        if before == after:
            return candidate
        candidate.full_clean()
        candidate.save(update_fields=fields)
        log(
            instance=candidate,
            action="exams.candidate.update",
            user=actor,
            data={"before": before, "after": after, "session": candidate.session_id},
        )
        added = after["extra_minutes"] - before["extra_minutes"]
        if added > 0:
            candidate.running_attempt_extended = bool(
                _extend_running(candidate.session, {candidate.user_id: added}, actor=actor)
            )
    return candidate


# --- Results ---------------------------------------------------------------------------------


class SessionError(Exception):
    """An administrator's action the rules refuse; the message is shown as it is."""


def session_release_results(
    *, session: ExamSession, actor, now: datetime | None = None
) -> ExamSession:
    """Release the results of a session whose results the administrator publishes.

    Allowed once the session has closed. Idempotent: releasing again keeps the first time.
    """
    now = now or timezone.now()
    with transaction.atomic():
        session = ExamSession.objects.select_for_update().get(pk=session.pk)
        if session.results_released_at is not None:
            return session
        if session.result_release != ResultRelease.MANUAL:
            raise SessionError(ERR_RELEASE_NOT_MANUAL)
        if now < session.closes_at:
            raise SessionError(ERR_RELEASE_NOT_CLOSED)
        session.results_released_at = now
        session.full_clean()
        session.save(update_fields=["results_released_at"])
        log(
            instance=session,
            action="exams.session.release_results",
            user=actor,
            data={"before": None, "after": now.isoformat()},
        )
        # The released results open the reviews of a "full after close" session: its papers
        # feed the wrong-answer book, in the background (a session may have thousands).
        if session.review_policy in (ReviewPolicy.FULL_AFTER_CLOSE, ReviewPolicy.FULL_AFTER_SUBMIT):
            from ..tasks import wrong_book_session_task

            session_id = session.pk
            transaction.on_commit(lambda: wrong_book_session_task.enqueue(session_id))
    return session
