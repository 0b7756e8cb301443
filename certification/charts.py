"""Charts of the HR pages, drawn by matplotlib as SVG: the same file on the page and in the PDF.

The font, the SVG canvas and the axes' style are shared with the other apps' charts
(``cms.charts``).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from matplotlib.figure import Figure

from cms.charts import COLORS, data_uri
from cms.charts import axes_style as _style
from cms.charts import chart_font as _font
from cms.charts import figure_svg as _svg

__all__ = ["dashboard_charts", "data_uri", "hours_distribution", "score_histogram", "unit_bars"]

MAX_UNITS_IN_CHART = 30


def unit_bars(units: Sequence) -> str:
    """参考率, 合格率 and 学时达标率 per unit, horizontal grouped bars (largest units first)."""
    font = _font()
    shown = sorted(units, key=lambda u: -u.headcount)[:MAX_UNITS_IN_CHART]
    shown = list(reversed(shown))
    height = max(2.5, 0.45 * len(shown) + 1.2)
    figure = Figure(figsize=(7.5, height))
    axes = figure.add_subplot()
    series = (
        (_("参考率"), [u.participation_rate or 0 for u in shown]),
        (_("合格率"), [u.pass_rate or 0 for u in shown]),
        (_("学时达标率"), [u.hours_met_rate or 0 for u in shown]),
    )
    bar = 0.27
    for index, (label, values) in enumerate(series):
        positions = [i + (index - 1) * bar for i in range(len(shown))]
        axes.barh(positions, values, height=bar, label=label, color=COLORS[index])
    axes.set_yticks(range(len(shown)), [u.name for u in shown])
    axes.set_xlim(0, 100)
    axes.set_xlabel(_("百分比（%）"), fontproperties=font)
    title = _("各单位参考率、合格率与学时达标率")
    if len(units) > len(shown):
        title += _("（人数最多的 %(n)s 个单位）") % {"n": len(shown)}
    axes.set_title(title, fontproperties=_font(11))
    axes.legend(prop=font, loc="lower right")
    _style(axes, font)
    figure.tight_layout()
    return _svg(figure)


def score_histogram(scores: Sequence[Decimal], pass_mark: float | None = None) -> str:
    """How many sitters scored in each band of ten points; the pass mark as a line."""
    font = _font()
    pass_mark = settings.EXAM_PASS_MARK if pass_mark is None else pass_mark
    bins = [0] * 10
    for score in scores:
        bins[min(int(score // 10), 9)] += 1
    figure = Figure(figsize=(7.5, 3))
    axes = figure.add_subplot()
    labels = [f"{i * 10}–{i * 10 + 9}" if i < 9 else "90–100" for i in range(10)]
    colors = [COLORS[1] if (i + 1) * 10 > pass_mark else "#c53030" for i in range(10)]
    axes.bar(range(10), bins, color=colors)
    axes.set_xticks(range(10), labels)
    axes.axvline(pass_mark / 10 - 0.5, color="#555", linestyle="--", linewidth=1)
    axes.set_xlabel(_("成绩（分）"), fontproperties=font)
    axes.set_ylabel(_("人数"), fontproperties=font)
    axes.set_title(
        _("年度学法考试成绩分布（共 %(n)s 人）") % {"n": len(scores)}, fontproperties=_font(11)
    )
    _style(axes, font)
    figure.tight_layout()
    return _svg(figure)


HOURS_BINS = ((0, 25), (25, 50), (50, 75), (75, 100), (100, None))


def hours_distribution(percents: Sequence[float]) -> str:
    """People by share of their study-hour requirement reached (达标 = 100% and over)."""
    font = _font()
    counts = [0] * len(HOURS_BINS)
    for percent in percents:
        for index, (low, high) in enumerate(HOURS_BINS):
            if percent >= low and (high is None or percent < high):
                counts[index] += 1
                break
    labels = [f"{lo}–{hi}%" if hi else _("达标") for lo, hi in HOURS_BINS]
    figure = Figure(figsize=(7.5, 3))
    axes = figure.add_subplot()
    axes.bar(range(len(counts)), counts, color=[*(["#d69e2e"] * 4), COLORS[1]])
    axes.set_xticks(range(len(counts)), labels)
    axes.set_xlabel(_("已修学时占应修学时的比例"), fontproperties=font)
    axes.set_ylabel(_("人数"), fontproperties=font)
    axes.set_title(_("学时完成情况分布"), fontproperties=_font(11))
    _style(axes, font)
    figure.tight_layout()
    return _svg(figure)


def dashboard_charts(board) -> dict[str, str]:
    """The three charts of a dashboard, as data URIs."""
    people = board.people
    scores = [p.score for p in people if p.score is not None]
    percents = [
        float(p.hours_counted * 100 / p.hours_required) if p.hours_required else 100.0
        for p in people
    ]
    return {
        "units": data_uri(unit_bars(board.units)),
        "scores": data_uri(score_histogram(scores)),
        "hours": data_uri(hours_distribution(percents)),
    }
