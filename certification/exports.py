"""HR tables as xlsx and csv: the unit table, the people table, the year's appraisal records.

Every table is a header and a row generator built from the HR selectors, so exports hold
exactly what the pages show, within the same org subtree. Small exports are answered at once;
above ``HR_EXPORT_SYNC_MAX_ROWS`` rows (default 10,000) they run as a ``BatchJob`` with
progress and a download link. Writing goes through ``cms.spreadsheets`` (formula escaping,
bold frozen header, UTF-8 BOM for csv).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.people.models import User
from cms.spreadsheets import csv_bytes, workbook_bytes

from .models import (
    AppraisalRating,
    BatchJob,
    CredentialReviewState,
    PreAppointmentState,
)
from .selectors_hr import (
    HrFilters,
    appraisal_records_visible_to,
    dashboard,
    hr_people,
    hr_unit,
    person_figures,
)
from .services.appraisal import appraisal_reasons_text

TABLES = {
    "units": _("单位汇总"),
    "people": _("人员明细"),
    "appraisal": _("年度学法考核"),
}
FORMATS = ("xlsx", "csv")
YES, NO = _("是"), _("否")
PASSED, FAILED = _("合格"), _("不合格")


def sync_limit() -> int:
    return getattr(settings, "HR_EXPORT_SYNC_MAX_ROWS", 10_000)


def _yes(value) -> str:
    return str(YES if value else NO)


def _result(sat: bool, passed) -> str:
    if not sat:
        return str(_("未参考"))
    return str(PASSED if passed else FAILED)


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: Iterator[list]
    widths: tuple[int, ...] = ()


def _units_table(user, filters: HrFilters) -> Table:
    board = dashboard(user, filters)
    headers = [
        _("单位"), _("人数"), _("参考人数"), _("参考率（%）"), _("合格人数"), _("合格率（%）"),
        _("平均分"), _("学时达标人数"), _("学时达标率（%）"), *board.credential_headers,
    ]  # fmt: skip

    def rows():
        for u in [*board.units, board.total]:
            yield [
                u.path_name or u.name, u.headcount, u.sat, u.participation_rate, u.passed,
                u.pass_rate, u.average_score, u.hours_met, u.hours_met_rate, *u.credential_counts,
            ]  # fmt: skip

    widths = (40, 8, 10, 12, 10, 12, 8, 14, 16, 10, 8, 8, 8)
    return Table(str(TABLES["units"]), [str(h) for h in headers], rows(), widths)


def _people_table(user, filters: HrFilters) -> Table:
    people = person_figures(user, filters, unit=hr_unit(user, filters.unit_id))
    from .selectors_hr import group_by_unit

    group_by_unit(people)  # fills in the unit names
    headers = [
        _("工号"), _("姓名"), _("单位"), _("人员类别"), _("应修学时"), _("已修学时"),
        _("学时达标"), _("考试次数"), _("最高成绩"), _("等次"), _("考试结果"), _("执法证"),
    ]  # fmt: skip

    def rows():
        for p in people:
            yield [
                p.employee_number, p.name, p.unit_name, p.category, p.hours_required,
                p.hours_counted, _yes(p.hours_met), p.attempts, p.score, p.band,
                _result(p.sat, p.passed), p.credential_labels,
            ]  # fmt: skip

    widths = (14, 12, 28, 16, 10, 10, 10, 10, 10, 8, 10, 16)
    return Table(str(TABLES["people"]), [str(h) for h in headers], rows(), widths)


APPRAISAL_FIELDS = (
    "year", "person__employee_number", "person__name", "unit__name", "hours_required",
    "hours_counted", "hours_met", "exam_attempts", "exam_score", "exam_band", "exam_passed",
    "pre_appointment", "credential_review", "rating", "reasons", "notes", "locked",
)  # fmt: skip


def _appraisal_table(user, filters: HrFilters) -> Table:
    records = appraisal_records_visible_to(user, year=filters.year, category=filters.category)
    unit = hr_unit(user, filters.unit_id)
    if unit is not None:
        records = records.filter(unit__path__startswith=unit.path)
    headers = [
        _("年度"), _("工号"), _("姓名"), _("单位"), _("应修学时"), _("已修学时"), _("学时达标"),
        _("考试次数"), _("年度学法考试成绩"), _("等次"), _("考试结果"), _("任前考试"),
        _("执法证年审"), _("考核结果"), _("不合格原因"), _("人事备注"), _("已锁定"),
    ]  # fmt: skip
    pre = {k: str(v) for k, v in PreAppointmentState.choices}
    review = {k: str(v) for k, v in CredentialReviewState.choices}
    rating = {k: str(v) for k, v in AppraisalRating.choices}

    def rows():
        values = records.values_list(*APPRAISAL_FIELDS).iterator(chunk_size=5000)
        for (year, number, name, unit_name, required, counted, met, attempts, score, band,
             passed, pre_state, review_state, rated, reasons, notes, locked) in values:  # fmt: skip
            yield [
                year, number, name, unit_name, required, counted, _yes(met), attempts, score,
                band, _result(bool(attempts), passed), pre.get(pre_state, pre_state),
                review.get(review_state, review_state), rating.get(rated, rated),
                appraisal_reasons_text(reasons), notes, _yes(locked),
            ]  # fmt: skip

    widths = (6, 14, 12, 28, 10, 10, 10, 10, 16, 8, 10, 18, 22, 10, 50, 30, 8)
    return Table(str(TABLES["appraisal"]), [str(h) for h in headers], rows(), widths)


BUILDERS = {"units": _units_table, "people": _people_table, "appraisal": _appraisal_table}


def table_size(user, table: str, filters: HrFilters) -> int:
    """How many rows an export would have (cheap counts), to pick sync or background."""
    if table == "people":
        return hr_people(
            user, category=filters.category, unit=hr_unit(user, filters.unit_id)
        ).count()
    if table == "appraisal":
        records = appraisal_records_visible_to(user, year=filters.year, category=filters.category)
        unit = hr_unit(user, filters.unit_id)
        if unit is not None:
            records = records.filter(unit__path__startswith=unit.path)
        return records.count()
    return 0  # one row per unit: always small


def export_bytes(
    user, table: str, fmt: str, filters: HrFilters, *, progress: Callable[[int], None] | None = None
) -> tuple[bytes, str, int]:
    """The table's file, its file name and the number of data rows."""
    built = BUILDERS[table](user, filters)
    count = 0

    def counted(rows):
        nonlocal count
        for row in rows:
            count += 1
            if progress and count % 5000 == 0:
                progress(count)
            yield row

    if fmt == "csv":
        data = csv_bytes(built.headers, counted(built.rows))
    else:
        data = workbook_bytes(built.title, built.headers, counted(built.rows), built.widths)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return data, f"{built.title}-{filters.year}-{stamp}.{fmt}", count


CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def export_job_start(*, actor: User, table: str, fmt: str, filters: HrFilters) -> BatchJob:
    from .services.batches import _enqueue

    job = BatchJob.objects.create(
        kind=BatchJob.Kind.EXPORT,
        params={"table": table, "fmt": fmt, **filters.as_params()},
        created_by=actor,
    )
    return _enqueue(job)


def export_job_work(job: BatchJob, progress: Callable[[int, int], None]) -> tuple[dict, str, bytes]:
    params = dict(job.params)
    table, fmt = params.pop("table"), params.pop("fmt")
    filters = HrFilters(**params)
    total = table_size(job.created_by, table, filters)
    progress(0, total)
    data, filename, count = export_bytes(
        job.created_by, table, fmt, filters, progress=lambda done: progress(done, total)
    )
    progress(count, max(total, count))
    return {"rows": count, "table": table, "format": fmt, "filename": filename}, filename, data
