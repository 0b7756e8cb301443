"""Charts of the exam pages (matplotlib SVG through ``cms.charts``, as on the HR pages).

The spread of papers' expected scores (the 试卷难度 page), and two charts of a stored item
analysis: facility × discrimination, one point per item (flagged items in red, the flag rules
as guide lines), and the option pick rates of every item as one group of bars each (the key in
green, distractors in orange, omitted in grey); those two are drawn once per stored result and
language and kept in the cache.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext as _
from matplotlib.figure import Figure

from cms.charts import COLORS, axes_style, chart_font, data_uri, figure_svg

from .models import ItemAnalysis


def expected_score_histogram(
    series: Sequence[tuple[str, Sequence[float]]], *, target: float | None, band: float
) -> str:
    """Papers by expected score in half-point bins, each series as outlined bars over the
    same bins; the band around the target shaded. Returns a data URI."""
    values = [x for _label, scores in series for x in scores]
    figure = Figure(figsize=(7.5, 3))
    axes = figure.add_subplot()
    regular = chart_font()
    if values:
        low = math.floor(min([*values, *([target - band] if target is not None else [])]))
        high = math.ceil(max([*values, *([target + band] if target is not None else [])]))
        edges = [low + i / 2 for i in range(2 * (max(high, low + 1) - low) + 1)]
        if target is not None:
            axes.axvspan(target - band, target + band, color="#e2e8f0", zorder=0)
            axes.axvline(target, color="#555", linestyle="--", linewidth=1)
        for index, (label, scores) in enumerate(series):
            if scores:
                axes.hist(
                    scores,
                    bins=edges,
                    label=f"{label}（{len(scores)}）",
                    color=COLORS[index % len(COLORS)],
                    alpha=0.55,
                    edgecolor=COLORS[index % len(COLORS)],
                )
        axes.legend(prop=regular, loc="upper right")
    axes.set_xlabel(_("试卷期望得分（分）"), fontproperties=regular)
    axes.set_ylabel(_("试卷数"), fontproperties=regular)
    axes.set_title(_("各卷期望得分分布（阴影为允许范围）"), fontproperties=chart_font(11))
    axes_style(axes, regular)
    figure.tight_layout()
    return data_uri(figure_svg(figure))


FLAGGED = "#c53030"
PLAIN = "#2b6cb0"
KEY = "#38a169"
DISTRACTORS = ("#dd6b20",)
OMITTED = "#cbd5e0"
CACHE_SECONDS = 24 * 3600


def item_label(item: dict) -> str:
    return _("第%(position)s题 #%(question)s") % {
        "position": item["position"],
        "question": item["question_id"],
    }


def scatter(items: list[dict], rules: dict) -> str:
    """Facility (x) against discrimination (y), one point per item, flagged ones in red."""
    font = chart_font()
    figure = Figure(figsize=(7.5, 4.2))
    axes = figure.add_subplot()
    shown = [i for i in items if i["facility"] is not None and i["discrimination"] is not None]
    for flagged, color, label in ((False, PLAIN, _("未标记")), (True, FLAGGED, _("已标记"))):
        points = [i for i in shown if bool(i["flags"]) == flagged]
        if points:
            axes.scatter(
                [i["facility"] for i in points],
                [i["discrimination"] for i in points],
                s=22,
                color=color,
                label=label,
                alpha=0.85,
            )
    for item in shown:
        if item["flags"]:
            axes.annotate(
                str(item["position"]),
                (item["facility"], item["discrimination"]),
                xytext=(3, 3),
                textcoords="offset points",
                fontsize=7,
                color=FLAGGED,
            )
    for x in (rules.get("facility_min"), rules.get("facility_max")):
        if x is not None:
            axes.axvline(x, color="#888", linestyle="--", linewidth=0.8)
    if rules.get("discrimination_min") is not None:
        axes.axhline(rules["discrimination_min"], color="#888", linestyle="--", linewidth=0.8)
    axes.axhline(0, color="#555", linewidth=0.8)
    axes.set_xlim(-0.02, 1.02)
    low = min([-0.2, *[i["discrimination"] for i in shown]])
    axes.set_ylim(low - 0.05, 1.0)
    axes.set_xlabel(_("难度（得分率）"), fontproperties=font)
    axes.set_ylabel(_("区分度（校正点二列相关）"), fontproperties=font)
    title = _("难度与区分度（共 %(n)s 题）") % {"n": len(shown)}
    if len(shown) < len(items):
        # Everyone (or no one) right: no variance, so no correlation to plot.
        title += _("；另有 %(n)s 题区分度无法计算（全部答对或全部答错），未画出") % {
            "n": len(items) - len(shown)
        }
    axes.set_title(title, fontproperties=chart_font(10))
    if shown:
        axes.legend(prop=font, loc="lower left")
    axes_style(axes, font)
    figure.tight_layout()
    return figure_svg(figure)


def option_bars(items: list[dict]) -> str:
    """Each item's option pick rates as a group of bars (the version's option letters; a
    multiple-choice item's rates may add up to more than 100 %), and the omitted share."""
    font = chart_font(8)
    shown = [i for i in items if i["options"]]
    figure = Figure(figsize=(7.5, max(2.0, 0.42 * len(shown) + 1.2)))
    axes = figure.add_subplot()
    for row, item in enumerate(shown):
        bars = [
            (o["label"], o["rate"] or 0.0, KEY if o["correct"] else DISTRACTORS[0])
            for o in item["options"]
        ]
        if item["omitted"]:
            bars.append((_("未答"), item["omitted"], OMITTED))
        height = 0.84 / len(bars)
        for index, (label, rate, color) in enumerate(bars):
            y = row - 0.42 + (index + 0.5) * height
            axes.barh(y, rate, height=height * 0.9, color=color)
            axes.text(rate + 0.01, y, label, va="center", fontproperties=chart_font(5))
    axes.set_yticks(range(len(shown)), [item_label(i) for i in shown])
    axes.set_ylim(len(shown) - 0.5, -0.5)
    axes.set_xlim(0, 1.08)
    axes.set_xlabel(_("选择该选项的考生比例（绿色为正确选项，灰色为未作答）"), fontproperties=font)
    axes.set_title(_("各题选项选择率"), fontproperties=chart_font(11))
    axes_style(axes, font)
    figure.tight_layout()
    return figure_svg(figure)


def analysis_charts(analysis: ItemAnalysis) -> dict[str, str]:
    """The page's two charts as data URIs, drawn once per stored result and language."""
    results = analysis.results or {}
    items = results.get("items") or []
    if not items:
        return {}
    stamp = analysis.computed_at.timestamp() if analysis.computed_at else 0
    key = f"exams:item-analysis-charts:{analysis.pk}:{stamp}:{translation.get_language()}"
    charts = cache.get(key)
    if charts is None:
        charts = {
            "scatter": data_uri(scatter(items, results.get("rules") or {})),
            "options": data_uri(option_bars(items)),
        }
        cache.set(key, charts, CACHE_SECONDS)
    return charts
