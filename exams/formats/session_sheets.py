"""Spreadsheets of the exam administrator: the candidate-list template and the results workbook."""

from __future__ import annotations

from django.utils.translation import gettext as _

from cms.spreadsheets import Sheet, safe_cell, workbook_bytes, workbook_sheets_bytes

__all__ = ["candidate_template", "results_workbook", "safe_cell", "workbook_bytes"]


def candidate_template() -> bytes:
    """The candidate-list template: the columns and one example row."""
    from ..services.sessions import CANDIDATE_COLUMNS

    return workbook_bytes(
        "考生名单",
        CANDIDATE_COLUMNS,
        [["XH2024001", 30, 1, "视力障碍，延长答题时间"]],
        (14, 18, 10, 40),
    )


def _passed(value) -> str:
    if value is None:
        return ""
    return _("合格") if value else _("不合格")


def _minutes(attempt) -> int | None:
    if attempt.finished_at is None:
        return None
    return int((attempt.finished_at - attempt.started_at).total_seconds() // 60)


def _unit_sheet(report) -> Sheet:
    headers = [
        _("单位"), _("应考人数"), _("参考人数"), _("参考率（%）"), _("合格人数"),
        _("合格率（%）"), _("平均分"), *report.bands,
    ]  # fmt: skip

    def line(figures):
        return [
            figures.unit_name, figures.eligible, figures.sat, figures.sat_rate, figures.passed,
            figures.pass_rate, figures.mean, *(figures.bands.get(b, 0) for b in report.bands),
        ]  # fmt: skip

    rows = [line(u) for u in report.units] + [line(report.total)]
    return Sheet(_("单位汇总"), headers, rows, (28, 10, 10, 12, 10, 12, 10))


def _candidate_sheet(report) -> Sheet:
    headers = [
        _("工号"), _("姓名"), _("单位"), _("状态"), _("答卷次数"), _("成绩"), _("等级"),
        _("是否合格"), *report.section_titles, _("交卷时间"),
    ]  # fmt: skip
    sections = range(len(report.section_titles))

    def line(c):
        a = c.attempt
        return [
            c.person.employee_number, c.person.name, c.unit_name, c.status, c.attempts,
            a.score if a else None, c.band, _passed(a.passed) if a else "",
            *(c.section_earned(i) for i in sections), a.finished_at if a else None,
        ]  # fmt: skip

    return Sheet(
        _("考生"), headers, (line(c) for c in report.candidates), (14, 10, 24, 10, 10, 8, 8, 10)
    )


def _attempt_sheet(results) -> Sheet:
    headers = [
        _("工号"), _("姓名"), _("单位"), _("第几次"), _("状态"), _("成绩"), _("是否合格"),
        _("开始时间"), _("交卷时间"), _("用时（分钟）"),
    ]  # fmt: skip
    rows = (
        [
            r.employee_number,
            r.name,
            r.unit_name,
            r.attempt.number,
            str(r.attempt.get_status_display()),
            r.attempt.score,
            _passed(r.attempt.passed),
            r.attempt.started_at,
            r.attempt.finished_at,
            _minutes(r.attempt),
        ]  # fmt: skip
        for r in results.rows
    )
    return Sheet(_("答卷"), headers, rows, (14, 10, 24, 8, 14, 8, 10, 18, 18, 12))


def _response_sheet(responses) -> Sheet:
    headers = [
        _("工号"), _("第几次"), _("题号"), _("部分"), _("试题编号"), _("版本"), _("题型"),
        _("作答"), _("正确答案"), _("得分"), _("分值"), _("保存时间"),
    ]  # fmt: skip
    rows = (
        [
            r.employee_number,
            r.attempt_number,
            r.position,
            r.section + 1,
            r.question_id,
            r.version,
            r.kind,
            r.answer,
            r.key,
            r.earned,
            r.points,
            r.saved_at,
        ]  # fmt: skip
        for r in responses
    )
    return Sheet(_("作答明细"), headers, rows, (14, 8, 8, 8, 10, 8, 12, 12, 12, 8, 8, 18))


def results_workbook(*, report, results, responses) -> bytes:
    """The session's results for an exam office: per unit, per candidate (absentees listed as
    absent), every attempt, and one row per candidate × question for analysis elsewhere.

    ``report`` is ``selectors_results.session_report``, ``results`` the results page's
    ``session_selectors.session_results`` and ``responses`` ``selectors_results.session_responses``.
    """
    return workbook_sheets_bytes(
        [
            _unit_sheet(report),
            _candidate_sheet(report),
            _attempt_sheet(results),
            _response_sheet(responses),
        ]
    )
