"""The progress report's chart: one small panel per score, with the smallest important change.

Each panel plots one score of one knee over time, shades the band from the baseline to the
baseline plus (or minus) the MCID in the improving direction, and marks the treatment sessions
with vertical dotted lines. A point beyond the band's far edge is an improvement most patients
notice. Same conventions as `render.score_chart_svg`: Agg backend, text kept as text (so a PDF
made from the page can be searched), no fixed size, an accessible <title>.

The band and the session lines carry SVG ids (``mcid-band-<key>-<n>``, ``session-<key>-<n>``)
so that pages and tests can find them; `key` keeps them unique when several charts share a page.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from prolotrack.analytics.render import ScorePoint, _responsive

BAND_COLOUR = "#bfe3c6"  # a light green: "the zone of a noticeable change starts here"
LINE_COLOUR = "#1f5fa8"
SESSION_COLOUR = "#7b8794"
PANELS_PER_ROW = 3


@dataclass(frozen=True)
class ProgressPanel:
    """One score of one knee: its points, its scale and the MCID band (None: no MCID known)."""

    title: str
    points: tuple[ScorePoint, ...]
    y_range: tuple[float, float]
    higher_is_better: bool
    band: tuple[float, float] | None  # (baseline, baseline +/- MCID), in score points


def progress_chart_svg(
    *,
    title: str,
    key: str,
    panels: Sequence[ProgressPanel],
    session_days: Sequence[dt.date],
) -> str:
    """Small multiples, one panel per score, sharing the time axis and the session lines."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import dates as mdates
    from matplotlib import pyplot as plt

    count = max(1, len(panels))
    columns = min(PANELS_PER_ROW, count)
    rows = math.ceil(count / columns)
    days = [point.day for panel in panels for point in panel.points] + list(session_days)
    with matplotlib.rc_context(
        {"svg.fonttype": "none", "svg.hashsalt": f"prolotrack-{key}", "font.size": 8}
    ):
        figure, grid = plt.subplots(
            rows, columns, figsize=(2.4 * columns, 1.75 * rows), dpi=100, squeeze=False
        )
        try:
            for index, axes in enumerate(grid.flat):
                if index >= len(panels):
                    axes.set_visible(False)
                    continue
                _panel(axes, panels[index], session_days, f"{key}-{index}")
                if days:
                    margin = dt.timedelta(days=max(14, (max(days) - min(days)).days // 20))
                    axes.set_xlim(cast(Any, min(days) - margin), cast(Any, max(days) + margin))
                axes.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=4))  # type: ignore[no-untyped-call]
                axes.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))  # type: ignore[no-untyped-call]
                axes.tick_params(axis="x", labelrotation=30, labelsize=7)
            # Fixed margins rather than tight_layout, which costs a second per chart: room for
            # the panel titles above and the slanted dates below each row.
            height = 1.75 * rows
            figure.subplots_adjust(
                left=0.07,
                right=0.98,
                top=1 - 0.3 / height,
                bottom=0.5 / height,
                wspace=0.32,
                hspace=0.95,
            )
            buffer = io.StringIO()
            figure.savefig(buffer, format="svg", metadata={"Date": None})
        finally:
            plt.close(figure)
    return _responsive(buffer.getvalue(), title)


def _panel(axes: Any, panel: ProgressPanel, session_days: Sequence[dt.date], key: str) -> None:
    low, high = panel.y_range
    if panel.band is not None:
        start, end = panel.band
        band = axes.axhspan(
            min(start, end), max(start, end), color=BAND_COLOUR, linewidth=0, zorder=0
        )
        band.set_gid(f"mcid-band-{key}")
    for number, day in enumerate(session_days):
        line = axes.axvline(
            cast(Any, day), color=SESSION_COLOUR, linewidth=0.8, linestyle=":", zorder=1
        )
        line.set_gid(f"session-{key}-{number}")
    if panel.points:
        axes.plot(
            cast(Any, [point.day for point in panel.points]),
            [point.value for point in panel.points],
            marker="o",
            markersize=3.5,
            linewidth=1.4,
            color=LINE_COLOUR,
            zorder=2,
        )
    axes.set_ylim(low, high)
    axes.set_title(panel.title, loc="left", fontsize=8.5)
    axes.set_ylabel("better ↑" if panel.higher_is_better else "better ↓", fontsize=7)
    axes.grid(axis="y", color="#e4e7eb", linewidth=0.6)
    axes.spines[["top", "right"]].set_visible(False)
