"""Charts as SVG text (matplotlib, Agg backend), for pages and printed reports.

matplotlib is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast


@dataclass(frozen=True)
class ScorePoint:
    day: dt.date
    value: float
    label: str = ""  # e.g. the time point ("baseline", "month_3")


@dataclass(frozen=True)
class ScoreSeries:
    name: str  # e.g. "pain"
    points: tuple[ScorePoint, ...]


def score_chart_svg(
    *,
    title: str,
    series: Sequence[ScoreSeries],
    session_days: Sequence[dt.date],
    y_range: tuple[float, float],
    higher_is_better: bool,
    y_label: str = "score",
    size_inches: tuple[float, float] = (6.4, 2.8),
) -> str:
    """A line chart of scores over time with the session days marked as vertical lines.

    The SVG has no fixed size (it scales to its container) and a <title> for screen readers.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import dates as mdates
    from matplotlib import pyplot as plt

    with matplotlib.rc_context(
        {"svg.fonttype": "none", "svg.hashsalt": "prolotrack", "font.size": 9}
    ):
        figure, axes = plt.subplots(figsize=size_inches, dpi=100)
        try:
            for day in session_days:
                axes.axvline(
                    cast(Any, day),
                    color="#9aa5b1",
                    linewidth=0.8,
                    linestyle=":",
                    zorder=1,
                )
            for line in series:
                if line.points:
                    axes.plot(
                        cast(Any, [point.day for point in line.points]),
                        [point.value for point in line.points],
                        marker="o",
                        markersize=3.5,
                        linewidth=1.4,
                        label=line.name,
                        zorder=2,
                    )
            low, high = y_range
            axes.set_ylim(low, high)
            days = [point.day for line in series for point in line.points] + list(session_days)
            if days:  # a single visit would otherwise get a default span of several years
                margin = dt.timedelta(days=max(14, (max(days) - min(days)).days // 20))
                axes.set_xlim(cast(Any, min(days) - margin), cast(Any, max(days) + margin))
            axes.set_ylabel(
                f"{y_label} ({'higher is better' if higher_is_better else 'higher is worse'})"
            )
            axes.set_title(title, loc="left", fontsize=10)
            axes.grid(axis="y", color="#e4e7eb", linewidth=0.6)
            axes.spines[["top", "right"]].set_visible(False)
            if len(series) > 1:
                axes.legend(loc="best", fontsize=8, frameon=False)
            axes.xaxis.set_major_locator(mdates.AutoDateLocator())  # type: ignore[no-untyped-call]
            axes.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))  # type: ignore[no-untyped-call]
            figure.autofmt_xdate()
            figure.tight_layout()
            buffer = io.StringIO()
            figure.savefig(buffer, format="svg", metadata={"Date": None})
        finally:
            plt.close(figure)
    return _responsive(buffer.getvalue(), title)


def _responsive(svg: str, title: str) -> str:
    """Drop the XML prolog and the fixed size; add an accessible title."""
    start = svg.find("<svg")
    svg = svg[start:]
    head_end = svg.find(">")
    head = svg[:head_end]
    for attribute in ("width", "height"):
        marker = f' {attribute}="'
        at = head.find(marker)
        if at != -1:
            end = head.find('"', at + len(marker))
            head = head[:at] + head[end + 1 :]
    escaped = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        f'{head} role="img" preserveAspectRatio="xMidYMid meet"><title>{escaped}</title>'
        + svg[head_end + 1 :]
    )
