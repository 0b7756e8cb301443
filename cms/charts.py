"""Charts drawn by matplotlib as SVG, shared by the apps: the same file on the page and in a PDF.

Figures are built with ``matplotlib.figure.Figure`` (no pyplot global state, safe in threads)
on the SVG canvas; text is turned into paths, so a PDF needs no font. The CJK font is Noto
Sans CJK, found by file name among the system fonts (``CHART_FONT_PATH`` overrides). Nothing
but the font's path is remembered between calls. The charts themselves live in each app
(``certification.charts``, ``exams.charts``).
"""

from __future__ import annotations

import base64
import functools
import io

from django.conf import settings
from matplotlib import font_manager
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

COLORS = ("#2b6cb0", "#38a169", "#d69e2e")


@functools.cache
def cjk_font_path() -> str | None:
    configured = getattr(settings, "CHART_FONT_PATH", "")
    if configured:
        return configured
    candidates = sorted(
        p for p in font_manager.findSystemFonts() if "NotoSansCJK-Regular" in p.replace(" ", "")
    )
    return candidates[0] if candidates else None


def chart_font(size: float = 9) -> font_manager.FontProperties:
    path = cjk_font_path()
    if path:
        return font_manager.FontProperties(fname=path, size=size)
    return font_manager.FontProperties(size=size)


def figure_svg(figure: Figure) -> str:
    """The figure as SVG text, without a date (the same data gives the same file)."""
    buffer = io.StringIO()
    FigureCanvasSVG(figure).print_svg(buffer, metadata={"Date": None})
    return buffer.getvalue()


def data_uri(svg: str) -> str:
    """The SVG as a data URI for ``<img src>`` (page and PDF alike)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def axes_style(axes, font) -> None:
    """Tick labels in the CJK font; no top and right frame lines."""
    for label in [*axes.get_xticklabels(), *axes.get_yticklabels()]:
        label.set_fontproperties(font)
    axes.spines[["top", "right"]].set_visible(False)
