"""Report charts: small PNG bar charts drawn server-side with matplotlib's Agg canvas.

The object-oriented API (``Figure`` + ``FigureCanvasAgg``) is used, never pyplot: no global
state, safe in threaded servers, and no GUI backend is ever chosen.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping, Sequence

import matplotlib as mpl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

#: Bundled with matplotlib and with Debian; covers Vietnamese.
FONT = "DejaVu Sans"
BLUE, GREY, RED = "#1d5fa8", "#a7b3c2", "#b3261e"
_STYLE = {"font.family": FONT, "font.size": 9, "axes.titlesize": 11, "axes.titleweight": "bold"}


def _wrap(label: str, width: int = 30) -> str:
    return "\n".join(textwrap.wrap(label, width)) or label


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _figure(rows: int) -> Figure:
    figure = Figure(figsize=(7.2, max(2.0, 0.42 * rows + 1.1)), dpi=110, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def bar_chart(
    title: str, labels: Sequence[str], values: Sequence[float], *, colour: str = BLUE
) -> bytes:
    """Horizontal bars, one per label, each with its value written at its end."""
    with mpl.rc_context(_STYLE):
        figure = _figure(len(labels))
        axes = figure.subplots()
        positions = list(range(len(labels)))
        bars = axes.barh(positions, values, color=colour)
        axes.set_yticks(positions, [_wrap(label) for label in labels])
        axes.invert_yaxis()
        axes.bar_label(bars, padding=3)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlim(0, max([*values, 1]) * 1.15)
        axes.spines[["top", "right"]].set_visible(False)
        axes.set_title(title, loc="left")
        return _png(figure)


def grouped_bar_chart(
    title: str, labels: Sequence[str], series: Mapping[str, Sequence[float]]
) -> bytes:
    """Horizontal bars, one group per label, one bar per series (e.g. this period and the last)."""
    colours = [BLUE, GREY, RED]
    with mpl.rc_context(_STYLE):
        figure = _figure(len(labels) * max(1, len(series)) // 2 + 1)
        axes = figure.subplots()
        height = 0.8 / max(1, len(series))
        for index, (name, values) in enumerate(series.items()):
            positions = [i + index * height for i in range(len(labels))]
            bars = axes.barh(
                positions, values, height=height, label=name, color=colours[index % len(colours)]
            )
            axes.bar_label(bars, padding=3)
        middle = height * (len(series) - 1) / 2
        axes.set_yticks([i + middle for i in range(len(labels))], [_wrap(x) for x in labels])
        axes.invert_yaxis()
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        top = max([v for values in series.values() for v in values] + [1])
        axes.set_xlim(0, top * 1.15)
        axes.spines[["top", "right"]].set_visible(False)
        axes.legend(loc="lower right", frameon=False)
        axes.set_title(title, loc="left")
        return _png(figure)
