"""Charts of the exam pages (matplotlib SVG through ``cms.charts``, as on the HR pages)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from django.utils.translation import gettext as _
from matplotlib.figure import Figure

from cms.charts import COLORS, data_uri, font, style, svg


def expected_score_histogram(
    series: Sequence[tuple[str, Sequence[float]]], *, target: float | None, band: float
) -> str:
    """Papers by expected score in half-point bins, each series as outlined bars over the
    same bins; the band around the target shaded. Returns a data URI."""
    values = [x for _label, scores in series for x in scores]
    figure = Figure(figsize=(7.5, 3))
    axes = figure.add_subplot()
    regular = font()
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
    axes.set_title(_("各卷期望得分分布（阴影为允许范围）"), fontproperties=font(11))
    style(axes, regular)
    figure.tight_layout()
    return data_uri(svg(figure))
