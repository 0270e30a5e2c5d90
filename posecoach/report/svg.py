"""Hand-rolled inline SVG for the report: angle-over-time plots and the fault timeline.

No plotting library: the report must be one offline file, and these plots need only lines,
rectangles and text. Coordinates are in the SVG's own viewBox units; the page scales them.
Elements that should seek the video carry `data-seek="<seconds>"`; plots carry their time
axis (`data-t0`, `data-t1`, `data-x0`, `data-x1`) so a click anywhere can seek too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

import numpy as np

SIDE_COLOURS = {"L": "#1f5fa8", "R": "#c2550a", "both": "#333333"}
WIDTH, HEIGHT = 760, 190
LEFT, RIGHT, TOP, BOTTOM = 46, 10, 10, 26
MAX_POINTS = 1500  # per polyline; more adds bytes, not information, at this width


@dataclass(frozen=True)
class Span:
    """A shaded time interval: kind "hold", "fault" or "hint"; seek = where a click goes."""

    start_s: float
    end_s: float
    kind: str
    label: str = ""


@dataclass(frozen=True)
class Series:
    """One side's values of one metric (NaN = gap)."""

    key: str
    t: np.ndarray
    y: np.ndarray


def fmt_time(t: float) -> str:
    if not math.isfinite(t):
        return "-"
    m, s = divmod(max(t, 0.0), 60)
    return f"{int(m)}:{s:04.1f}"


def _nice_step(span: float, target: int = 5) -> float:
    raw = span / max(target, 1)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for mult in (1, 2, 5, 10):
        if raw <= mult * mag:
            return mult * mag
    return 10 * mag


def _ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    step = _nice_step(hi - lo, target)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


class Axes:
    """Maps (time, value) to viewBox coordinates of the plot area."""

    def __init__(self, t0: float, t1: float, y0: float, y1: float) -> None:
        self.t0, self.t1 = t0, t1 if t1 > t0 else t0 + 1.0
        self.y0, self.y1 = y0, y1 if y1 > y0 else y0 + 1.0
        self.x_left, self.x_right = LEFT, WIDTH - RIGHT
        self.y_top, self.y_bottom = TOP, HEIGHT - BOTTOM

    def x(self, t: float) -> float:
        frac = (t - self.t0) / (self.t1 - self.t0)
        return self.x_left + frac * (self.x_right - self.x_left)

    def y(self, v: float) -> float:
        frac = (v - self.y0) / (self.y1 - self.y0)
        return self.y_bottom - frac * (self.y_bottom - self.y_top)


def _decimate(t: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keep each bucket's min and max so peaks survive the thinning."""
    if len(t) <= MAX_POINTS:
        return t, y
    buckets = np.array_split(np.arange(len(t)), MAX_POINTS // 2)
    keep = sorted({int(b[np.argmin(y[b])]) for b in buckets if len(b)}
                  | {int(b[np.argmax(y[b])]) for b in buckets if len(b)})
    return t[keep], y[keep]


def _runs(y: np.ndarray) -> list[slice]:
    """Slices of consecutive finite values (a gap in the data is a gap in the line)."""
    finite = np.isfinite(y)
    runs, start = [], None
    for i, ok in enumerate(finite):
        if ok and start is None:
            start = i
        elif not ok and start is not None:
            runs.append(slice(start, i))
            start = None
    if start is not None:
        runs.append(slice(start, len(y)))
    return runs


def _polylines(ax: Axes, s: Series, dashed: bool) -> list[str]:
    out = []
    colour = SIDE_COLOURS.get(s.key, "#333")
    dash = ' stroke-dasharray="5 3"' if dashed else ""
    for run in _runs(s.y):
        t, y = _decimate(s.t[run], s.y[run])
        if len(t) == 1:
            out.append(f'<circle cx="{ax.x(t[0]):.1f}" cy="{ax.y(y[0]):.1f}" r="1.5" '
                       f'fill="{colour}"/>')
            continue
        pts = " ".join(f"{ax.x(a):.1f},{ax.y(b):.1f}" for a, b in zip(t, y, strict=True))
        out.append(f'<polyline class="line side-{s.key}" points="{pts}" fill="none" '
                   f'stroke="{colour}" stroke-width="1.4"{dash}/>')
    return out


def _y_range(series: list[Series], band: tuple[float, float]) -> tuple[float, float]:
    values = np.concatenate([s.y[np.isfinite(s.y)] for s in series] or [np.zeros(0)])
    edges = [b for b in band if math.isfinite(b)]
    pool = np.concatenate([values, np.array(edges, float)]) if edges else values
    if len(pool) == 0:
        return -10.0, 10.0
    lo, hi = float(np.min(pool)), float(np.max(pool))
    pad = max(2.0, 0.08 * (hi - lo))
    return lo - pad, hi + pad


def _grid(ax: Axes, unit: str) -> list[str]:
    out = []
    for v in _ticks(ax.y0, ax.y1, 4):
        y = ax.y(v)
        out.append(f'<line x1="{ax.x_left}" x2="{ax.x_right}" y1="{y:.1f}" y2="{y:.1f}" '
                   'class="grid"/>')
        out.append(f'<text x="{ax.x_left - 4}" y="{y + 3.5:.1f}" class="tick" '
                   f'text-anchor="end">{v:g}{unit}</text>')
    for t in _ticks(ax.t0, ax.t1, 8):
        x = ax.x(t)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{ax.y_top}" y2="{ax.y_bottom}" '
                   'class="grid"/>')
        out.append(f'<text x="{x:.1f}" y="{HEIGHT - 8}" class="tick" '
                   f'text-anchor="middle">{fmt_time(t)}</text>')
    return out


def _spans(ax: Axes, spans: list[Span]) -> list[str]:
    out = []
    for sp in spans:
        x0, x1 = ax.x(max(sp.start_s, ax.t0)), ax.x(min(sp.end_s, ax.t1))
        width = max(x1 - x0, 1.0)
        out.append(
            f'<rect class="span {sp.kind}" x="{x0:.1f}" y="{ax.y_top}" width="{width:.1f}" '
            f'height="{ax.y_bottom - ax.y_top}"><title>{escape(sp.label)}</title></rect>'
        )
    return out


def _band(ax: Axes, band: tuple[float, float]) -> list[str]:
    lo = band[0] if math.isfinite(band[0]) else ax.y0
    hi = band[1] if math.isfinite(band[1]) else ax.y1
    lo, hi = max(lo, ax.y0), min(hi, ax.y1)
    if hi <= lo:
        return []
    return [f'<rect class="band" x="{ax.x_left}" y="{ax.y(hi):.1f}" '
            f'width="{ax.x_right - ax.x_left}" height="{ax.y(lo) - ax.y(hi):.1f}">'
            '<title>target band: no form rule fires here</title></rect>']


def line_plot(
    title: str,
    series: list[Series],
    t_range: tuple[float, float],
    band: tuple[float, float] = (math.nan, math.nan),
    spans: list[Span] | None = None,
    dashed: bool = False,
    unit: str = "°",
) -> str:
    """An SVG plot of `series` over time with a target band and shaded spans."""
    ax = Axes(t_range[0], t_range[1], *_y_range(series, band))
    parts = [
        f'<svg class="plot" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" data-t0="{ax.t0:.3f}" data-t1="{ax.t1:.3f}" '
        f'data-x0="{ax.x_left}" data-x1="{ax.x_right}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        *_band(ax, band),
        *_spans(ax, spans or []),
        *_grid(ax, unit),
    ]
    if ax.y0 < 0 < ax.y1:
        parts.append(f'<line x1="{ax.x_left}" x2="{ax.x_right}" y1="{ax.y(0):.1f}" '
                     f'y2="{ax.y(0):.1f}" class="zero"/>')
    for s in series:
        parts += _polylines(ax, s, dashed)
    parts.append(f'<rect class="frame" x="{ax.x_left}" y="{ax.y_top}" '
                 f'width="{ax.x_right - ax.x_left}" height="{ax.y_bottom - ax.y_top}"/>')
    parts.append(f'<line class="playhead" x1="{ax.x_left}" x2="{ax.x_left}" y1="{ax.y_top}" '
                 f'y2="{ax.y_bottom}" visibility="hidden"/>')
    parts.append("</svg>")
    return "\n".join(parts)


LANE_H = 26


def timeline(lanes: dict[str, list[Span]], t_range: tuple[float, float]) -> str:
    """One lane per side: holds (green), faults (red), hints (amber); each span seeks."""
    height = TOP + LANE_H * max(len(lanes), 1) + BOTTOM
    ax = Axes(t_range[0], t_range[1], 0, 1)
    ax.y_bottom = height - BOTTOM
    parts = [
        f'<svg class="plot timeline" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="fault timeline" data-t0="{ax.t0:.3f}" data-t1="{ax.t1:.3f}" '
        f'data-x0="{ax.x_left}" data-x1="{ax.x_right}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for t in _ticks(ax.t0, ax.t1, 8):
        x = ax.x(t)
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{ax.y_bottom}" '
                     'class="grid"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - 8}" class="tick" '
                     f'text-anchor="middle">{fmt_time(t)}</text>')
    for i, (key, spans) in enumerate(lanes.items()):
        y = TOP + i * LANE_H
        parts.append(f'<text x="{LEFT - 6}" y="{y + LANE_H / 2 + 4:.1f}" class="lane" '
                     f'text-anchor="end">{escape(key)}</text>')
        parts.append(f'<rect class="lane-bg" x="{ax.x_left}" y="{y + 3}" '
                     f'width="{ax.x_right - ax.x_left}" height="{LANE_H - 6}"/>')
        for sp in sorted(spans, key=lambda s: s.kind != "hold"):  # holds underneath
            x0, x1 = ax.x(max(sp.start_s, ax.t0)), ax.x(min(sp.end_s, ax.t1))
            inset = 3 if sp.kind == "hold" else 7
            parts.append(
                f'<rect class="span {sp.kind} seek" data-seek="{sp.start_s:.3f}" '
                f'x="{x0:.1f}" y="{y + inset}" width="{max(x1 - x0, 2.0):.1f}" '
                f'height="{LANE_H - 2 * inset}"><title>{escape(sp.label)}</title></rect>'
            )
    parts.append(f'<line class="playhead" x1="{ax.x_left}" x2="{ax.x_left}" y1="{TOP}" '
                 f'y2="{ax.y_bottom}" visibility="hidden"/>')
    parts.append("</svg>")
    return "\n".join(parts)
