"""Reads of the HR pages: per-person and per-unit figures, drill-downs, the appointment check.

Everything is limited to the HR officer's org subtree (``people_visible_to(role=Role.HR)``)
and computed in a fixed number of queries whatever the number of units or people: study
hours come from ``learning.selectors.year_summaries``, exam results from
``exams.api`` (plain values), credentials from one query.

Figures of a unit (the unit a person belongs to):
- 参考率: people who sat the exam (any graded attempt) / headcount;
- 合格率: people with a passing attempt / people who sat it;
- 平均分: mean of each sitter's best score;
- 学时达标率: people whose counted hours meet their requirement / headcount.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.people.models import OrgUnit, Role, User
from cms.people.selectors import people_visible_to, unit_ancestor_names, units_visible_to
from exams import api as exams_api
from exams.data import ExamKind, SessionInfo, Sitting
from learning.selectors import local_year, year_summaries

from .models import (
    AppraisalRecord,
    Credential,
    CredentialStatus,
    PreAppointmentState,
)
from .selectors import STATUS_LABELS, appointment_check, credential_live_status
from .services.credentials import validity_end

CATEGORY_CHOICES = (
    ("leading_cadre", _("领导干部")),
    ("enforcement_officer", _("行政执法人员")),
    ("other", _("其他公务员")),
)
CREDENTIAL_COLUMNS = (
    CredentialStatus.ACTIVE,
    CredentialStatus.SUSPENDED,
    CredentialStatus.REVOKED,
    CredentialStatus.EXPIRED,
)


# 优秀 / 良好 / 合格 / 不合格 by ``settings.GRADE_BANDS``: the exam app's bands, one rule.
grade_band = exams_api.grade_band


def _ratio(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


# --- filters and scope ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HrFilters:
    year: int
    session_id: int | None = None
    category: str = ""
    unit_id: int | None = None

    @classmethod
    def from_query(cls, data) -> HrFilters:
        def number(key):
            value = (data.get(key) or "").strip()
            return int(value) if value.isdigit() else None

        year = number("year") or local_year()
        category = data.get("category", "")
        if category not in dict(CATEGORY_CHOICES):
            category = ""
        return cls(year, number("session"), category, number("unit"))

    def as_params(self) -> dict:
        return {
            "year": self.year,
            "session_id": self.session_id,
            "category": self.category,
            "unit_id": self.unit_id,
        }

    def query(self, **override) -> str:
        from urllib.parse import urlencode

        values = {
            "year": self.year,
            "session": self.session_id or "",
            "category": self.category,
            "unit": self.unit_id or "",
        }
        values.update(override)
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def hr_people(
    user, *, category: str = "", unit: OrgUnit | None = None, active_only: bool = True
) -> QuerySet[User]:
    """People in the HR officer's subtree (active ones), of a category and a unit's subtree."""
    people = people_visible_to(user, role=Role.HR).filter(org_unit__isnull=False)
    if active_only:
        people = people.filter(is_active=True)
    if category == "leading_cadre":
        people = people.filter(is_leading_cadre=True)
    elif category == "enforcement_officer":
        people = people.filter(is_enforcement_officer=True)
    elif category == "other":
        people = people.filter(is_leading_cadre=False, is_enforcement_officer=False)
    if unit is not None:
        people = people.filter(org_unit__path__startswith=unit.path)
    return people


def hr_unit(user, unit_id: int | None) -> OrgUnit | None:
    """The unit if it lies in the HR officer's subtree, else None."""
    if not unit_id:
        return None
    return units_visible_to(user, role=Role.HR).filter(pk=unit_id).first()


def hr_person(user, person_id: int) -> User | None:
    """The person if they lie in the HR officer's subtree, else None."""
    return (
        people_visible_to(user, role=Role.HR)
        .select_related("org_unit")
        .filter(pk=person_id)
        .first()
    )


def sessions_of_year(year: int) -> list[SessionInfo]:
    """Sessions that opened in the year, for the filter (mock and practice left out)."""
    start, end = year_bounds(year)
    return exams_api.sessions(exclude_kinds=[ExamKind.MOCK], opens_before=end, closes_after=start)


def year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime.datetime(year, 1, 1, tzinfo=tz),
        datetime.datetime(year + 1, 1, 1, tzinfo=tz),
    )


# --- per-person figures ---------------------------------------------------------------------------


@dataclass
class PersonFigures:
    person_id: int
    name: str
    employee_number: str
    unit_id: int
    unit_name: str = ""
    category: str = ""
    hours_required: Decimal = Decimal("0")
    hours_counted: Decimal = Decimal("0")
    hours_met: bool = False
    attempts: int = 0
    score: Decimal | None = None
    passed: bool | None = None
    credentials: list[str] = field(default_factory=list)

    @property
    def sat(self) -> bool:
        return self.attempts > 0

    @property
    def band(self) -> str:
        return grade_band(self.score)

    @property
    def credential_labels(self) -> str:
        return "、".join(str(STATUS_LABELS[s]) for s in self.credentials)


def _category_label(flags: tuple[bool, bool]) -> str:
    labels = [
        str(label) for (key, label), on in zip(CATEGORY_CHOICES[:2], flags, strict=True) if on
    ]
    return "、".join(labels) or str(CATEGORY_CHOICES[2][1])


def exam_results(
    people: QuerySet[User], *, year: int, session_id: int | None = None
) -> dict[int, tuple[int, Decimal | None, bool]]:
    """Per person: (attempts, best score, passed any) of the year's annual law exams, or of
    one session. Two queries (the ids, then the attempts as plain values)."""
    start, end = year_bounds(year)
    user_ids = people.values_list("pk", flat=True)
    if session_id:
        found = exams_api.results_by_person(user_ids=user_ids, session_id=session_id)
    else:
        found = exams_api.results_by_person(
            user_ids=user_ids, kinds=[ExamKind.ANNUAL_LAW], since=start, until=end
        )
    return {pk: (r.attempts, r.best_score, r.passed) for pk, r in found.items()}


def credential_statuses(people: QuerySet[User]) -> dict[int, list[str]]:
    """Live statuses of each person's credentials (cancelled ones left out). One query."""
    today = timezone.localdate()
    statuses: dict[int, list[str]] = defaultdict(list)
    rows = (
        Credential.objects.filter(holder__in=people.values("pk"))
        .exclude(status__in=[CredentialStatus.CANCELLED, CredentialStatus.PENDING])
        .only("holder_id", "status", "valid_until")
        .order_by()
    )
    for credential in rows:
        statuses[credential.holder_id].append(credential_live_status(credential, on=today))
    return statuses


def person_figures(user, filters: HrFilters, *, unit: OrgUnit | None = None) -> list[PersonFigures]:
    """Every person in scope (and in ``unit``'s subtree) with their figures. Fixed queries."""
    people = hr_people(user, category=filters.category, unit=unit)
    rows = list(
        people.values_list(
            "pk",
            "name",
            "employee_number",
            "org_unit_id",
            "is_leading_cadre",
            "is_enforcement_officer",
        ).order_by("org_unit__path", "employee_number")
    )
    if not rows:
        return []
    summaries = year_summaries(people=people, year=filters.year)
    exams = exam_results(people, year=filters.year, session_id=filters.session_id)
    credentials = credential_statuses(people)
    result = []
    for pk, name, number, unit_id, cadre, officer in rows:
        summary = summaries[pk]
        attempts, score, passed = exams.get(pk, (0, None, None))
        result.append(
            PersonFigures(
                person_id=pk,
                name=name,
                employee_number=number,
                unit_id=unit_id,
                category=_category_label((cadre, officer)),
                hours_required=summary.required,
                hours_counted=summary.counted,
                hours_met=summary.is_met,
                attempts=attempts,
                score=score,
                passed=passed if attempts else None,
                credentials=credentials.get(pk, []),
            )
        )
    return result


# --- per-unit figures ---------------------------------------------------------------------------


@dataclass
class UnitFigures:
    unit_id: int | None
    name: str
    path_name: str = ""
    headcount: int = 0
    sat: int = 0
    passed: int = 0
    score_total: Decimal = Decimal("0")
    scored: int = 0
    hours_met: int = 0
    credentials: Counter = field(default_factory=Counter)

    def add(self, person: PersonFigures) -> None:
        self.headcount += 1
        if person.sat:
            self.sat += 1
            self.passed += 1 if person.passed else 0
            if person.score is not None:
                self.score_total += person.score
                self.scored += 1
        self.hours_met += 1 if person.hours_met else 0
        self.credentials.update(person.credentials)

    @property
    def participation_rate(self) -> float | None:
        return _ratio(self.sat, self.headcount)

    @property
    def pass_rate(self) -> float | None:
        return _ratio(self.passed, self.sat)

    @property
    def average_score(self) -> Decimal | None:
        if not self.scored:
            return None
        return (self.score_total / self.scored).quantize(Decimal("0.1"))

    @property
    def hours_met_rate(self) -> float | None:
        return _ratio(self.hours_met, self.headcount)

    @property
    def credential_counts(self) -> list[int]:
        return [self.credentials.get(status, 0) for status in CREDENTIAL_COLUMNS]


@dataclass
class Dashboard:
    filters: HrFilters
    units: list[UnitFigures]
    total: UnitFigures
    people: list[PersonFigures]
    sessions: list[SessionInfo]
    scope_unit: OrgUnit | None = None

    @property
    def credential_headers(self) -> list[str]:
        return [str(STATUS_LABELS[s]) for s in CREDENTIAL_COLUMNS]


def group_by_unit(people: list[PersonFigures]) -> tuple[list[UnitFigures], UnitFigures]:
    """Unit rows (ordered as the tree) and the total. Two queries (units, their ancestors)."""
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in={p.unit_id for p in people})}
    names = unit_ancestor_names(list(units.values()))
    rows: dict[int, UnitFigures] = {}
    total = UnitFigures(None, str(_("合计")))
    for person in people:
        unit = units[person.unit_id]
        person.unit_name = unit.name
        row = rows.get(unit.pk)
        if row is None:
            row = rows[unit.pk] = UnitFigures(unit.pk, unit.name, names.get(unit.path, unit.name))
        row.add(person)
        total.add(person)
    ordered = sorted(rows.values(), key=lambda r: units[r.unit_id].path)
    return ordered, total


def dashboard(user, filters: HrFilters) -> Dashboard:
    """The HR dashboard: one row per unit of the subtree (or of the chosen unit's subtree)."""
    scope_unit = hr_unit(user, filters.unit_id)
    people = person_figures(user, filters, unit=scope_unit)
    units, total = group_by_unit(people)
    return Dashboard(filters, units, total, people, sessions_of_year(filters.year), scope_unit)


# --- pre-appointment state, the appointment check --------------------------------------------------


@dataclass(frozen=True)
class PreAppointmentStatus:
    state: str
    passed_on: datetime.date | None = None
    valid_until: datetime.date | None = None
    attempts: int = 0
    blocking_session: str = ""

    @property
    def label(self) -> str:
        return str(PreAppointmentState(self.state).label)


def pre_appointment_status(attempts: list[Sitting], *, on: datetime.date) -> PreAppointmentStatus:
    """The state on a day from a person's pre-appointment attempts (oldest first), as the
    appointment check reads it: a later pass supersedes a blocking failure."""
    attempts = [a for a in attempts if timezone.localdate(a.finished_at) <= on]
    passes = [a for a in attempts if a.passed]
    blocks = [a for a in attempts if a.blocking]
    last_pass = passes[-1] if passes else None
    last_block = blocks[-1] if blocks else None
    passed_on = timezone.localdate(last_pass.finished_at) if last_pass else None
    until = validity_end(passed_on, settings.PRE_APPOINTMENT_VALIDITY_YEARS) if passed_on else None
    common = {"passed_on": passed_on, "valid_until": until, "attempts": len(attempts)}
    if last_block is not None and (
        last_pass is None or last_block.finished_at > last_pass.finished_at
    ):
        return PreAppointmentStatus(
            PreAppointmentState.BLOCKED, blocking_session=last_block.session_title, **common
        )
    if last_pass is not None:
        state = PreAppointmentState.PASSED if until >= on else PreAppointmentState.EXPIRED
        return PreAppointmentStatus(state, **common)
    if attempts:
        return PreAppointmentStatus(PreAppointmentState.FAILED_ONCE, **common)
    return PreAppointmentStatus(PreAppointmentState.NONE, **common)


@dataclass
class AppointmentOverview:
    person: User
    unit_path: str
    check: object
    pre_appointment: PreAppointmentStatus
    attempts: list[Sitting]
    records: list[AppraisalRecord]
    credentials: list[Credential]
    printed_at: datetime.datetime


def appointment_overview(
    person: User, *, now: datetime.datetime | None = None
) -> AppointmentOverview:
    """What HR sees before an appointment: the pre-appointment exam, the last three years'
    appraisal ratings and every credential's live status."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    attempts = exams_api.sittings(user_ids=[person.pk], kinds=[ExamKind.PRE_APPOINTMENT])
    records = list(
        AppraisalRecord.objects.filter(person=person, year__gte=today.year - 3).order_by("-year")[
            :3
        ]
    )
    credentials = list(
        Credential.objects.filter(holder=person).select_related("authority").order_by("-issued_on")
    )
    for credential in credentials:
        credential.live_label = STATUS_LABELS[credential_live_status(credential, on=today)]
    unit = person.org_unit
    return AppointmentOverview(
        person=person,
        unit_path=unit_ancestor_names([unit]).get(unit.path, "") if unit else "",
        check=appointment_check(person, now=now),
        pre_appointment=pre_appointment_status(attempts, on=today),
        attempts=attempts,
        records=records,
        credentials=credentials,
        printed_at=timezone.localtime(now),
    )


# --- appraisal records ----------------------------------------------------------------------------


def appraisal_records_visible_to(user, *, year: int, category: str = "") -> QuerySet:
    """The year's records of people in the HR officer's subtree, with person and unit."""
    return (
        AppraisalRecord.objects.filter(
            year=year,
            person__in=hr_people(user, category=category, active_only=False).values("pk"),
        )
        .select_related("person", "unit", "reviewed_by", "locked_by")
        .order_by("unit__path", "person__employee_number")
    )
