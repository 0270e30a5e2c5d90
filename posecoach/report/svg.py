"""Hand-rolled inline SVG for the report: angle-over-time plots and the fault timeline.

No plotting library: the report must be one offline file, and these plots need only lines,
rectangles and text. Coordinates are in the SVG's own viewBox units; the page scales them.
Elements that should seek the video carry `data-seek="<seconds>"`; plots carry their time
axis (`data-t0`, `data-t1`, `data-x0`, `data-x1`) so a click anywhere can seek too.

The viewBox is 640 units wide and text is 12 units, so axis text is at least 11 px high
wherever the plot is drawn 600 px wide or more. Faults and hints have their own lanes (a
fault and a hint starting together are both seen).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

import numpy as np

SIDE_COLOURS = {"L": "#1f5fa8", "R": "#c2550a", "both": "#333333"}
WIDTH, HEIGHT = 640, 236
LEFT, RIGHT, TOP, BOTTOM = 62, 8, 34, 40
LANE_ROW = 11  # height of the fault and hint lanes above a plot's area
SPAN_LANES = ("fault", "hint")
MAX_POINTS = 1500  # per polyline; more adds bytes, not information, at this width


@dataclass(frozen=True)
class Span:
    """A shaded time interval: kind "hold", "fault" or "hint"; a click seeks to seek_s
    (e.g. the first frame that shows the cue), else to the start."""

    start_s: float
    end_s: float
    kind: str
    label: str = ""
    seek_s: float = math.nan

    @property
    def seek(self) -> float:
        return self.seek_s if math.isfinite(self.seek_s) else self.start_s


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


def _within(s: Series, t_range: tuple[float, float]) -> Series:
    keep = (s.t >= t_range[0]) & (s.t <= t_range[1])
    return Series(s.key, s.t[keep], s.y[keep])


def _y_range(series: list[Series], band: tuple[float, float]) -> tuple[float, float]:
    values = np.concatenate([s.y[np.isfinite(s.y)] for s in series] or [np.zeros(0)])
    edges = [b for b in band if math.isfinite(b)]
    pool = np.concatenate([values, np.array(edges, float)]) if edges else values
    if len(pool) == 0:
        return -10.0, 10.0
    lo, hi = float(np.min(pool)), float(np.max(pool))
    pad = max(2.0, 0.08 * (hi - lo))
    return lo - pad, hi + pad


def stretch_range(spans: list[Span], duration_s: float) -> tuple[float, float]:
    """The time range of the stretch: from the first hold or fault to the last, with a
    little margin, inside the clip (the whole clip when nothing was logged)."""
    if not spans:
        return 0.0, max(duration_s, 1e-3)
    t0 = min(sp.start_s for sp in spans)
    t1 = max(sp.end_s for sp in spans)
    pad = max(1.0, 0.03 * (t1 - t0))
    return max(0.0, t0 - pad), min(max(duration_s, t1), t1 + pad)


def _titles(ax: Axes, y_title: str, x_title: str = "time in the clip (min:s)") -> list[str]:
    mid_y = (ax.y_top + ax.y_bottom) / 2
    return [
        f'<text class="axis" x="{(ax.x_left + ax.x_right) / 2:.1f}" y="{HEIGHT - 4}" '
        f'text-anchor="middle">{escape(x_title)}</text>',
        f'<text class="axis" transform="translate(13 {mid_y:.1f}) rotate(-90)" '
        f'text-anchor="middle">{escape(y_title)}</text>',
    ]


def _grid(ax: Axes, unit: str) -> list[str]:
    out = []
    for v in _ticks(ax.y0, ax.y1, 4):
        y = ax.y(v)
        out.append(f'<line x1="{ax.x_left}" x2="{ax.x_right}" y1="{y:.1f}" y2="{y:.1f}" '
                   'class="grid"/>')
        out.append(f'<text x="{ax.x_left - 4}" y="{y + 4:.1f}" class="tick" '
                   f'text-anchor="end">{v:g}{unit}</text>')
    for t in _ticks(ax.t0, ax.t1, 8):
        x = ax.x(t)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{ax.y_top}" y2="{ax.y_bottom}" '
                   'class="grid"/>')
        out.append(f'<text x="{x:.1f}" y="{ax.y_bottom + 15}" class="tick" '
                   f'text-anchor="middle">{fmt_time(t)}</text>')
    return out


def _clip(ax: Axes, sp: Span) -> tuple[float, float] | None:
    if sp.end_s < ax.t0 or sp.start_s > ax.t1:
        return None
    x0, x1 = ax.x(max(sp.start_s, ax.t0)), ax.x(min(sp.end_s, ax.t1))
    return x0, max(x1 - x0, 2.0)


def _spans(ax: Axes, spans: list[Span]) -> list[str]:
    """Faults: a faint column over the plot area; faults and hints: each in its own lane
    above the plot area, so both show when they overlap."""
    out = []
    for i, kind in enumerate(SPAN_LANES):
        y = 4 + i * (LANE_ROW + 3)
        out.append(f'<text x="{ax.x_left - 4}" y="{y + LANE_ROW - 1}" class="tick" '
                   f'text-anchor="end">{kind}</text>')
        out.append(f'<rect class="lane-bg" x="{ax.x_left}" y="{y}" '
                   f'width="{ax.x_right - ax.x_left}" height="{LANE_ROW}"/>')
        for sp in spans:
            got = _clip(ax, sp) if sp.kind == kind else None
            if got is None:
                continue
            x, w = got
            title = f"<title>{escape(sp.label)}</title>"
            out.append(f'<rect class="span {kind} lane" x="{x:.1f}" y="{y}" width="{w:.1f}" '
                       f'height="{LANE_ROW}">{title}</rect>')
            if kind == "fault":
                out.append(f'<rect class="span fault" x="{x:.1f}" y="{ax.y_top}" '
                           f'width="{w:.1f}" height="{ax.y_bottom - ax.y_top}">{title}</rect>')
    return out


def _band(ax: Axes, band: tuple[float, float]) -> list[str]:
    if math.isnan(band[0]) and math.isnan(band[1]):  # no form rule on this metric
        return []
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
    y_title: str = "",
) -> str:
    """An SVG plot of `series` over `t_range` with a target band, fault and hint lanes and
    axis titles (`y_title`, default `title`). Values outside `t_range` are left out."""
    series = [_within(s, t_range) for s in series]
    ax = Axes(t_range[0], t_range[1], *_y_range(series, band))
    parts = [
        f'<svg class="plot" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" data-t0="{ax.t0:.3f}" data-t1="{ax.t1:.3f}" '
        f'data-x0="{ax.x_left}" data-x1="{ax.x_right}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        *_band(ax, band),
        *_spans(ax, spans or []),
        *_grid(ax, unit),
        *_titles(ax, y_title or title),
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


LANE_H = 40
TIMELINE_TOP = 8


def _timeline_span(sp: Span, ax: Axes, y: float) -> str:
    """Holds fill the lane; faults take its upper half and hints its lower half."""
    got = _clip(ax, sp)
    if got is None:
        return ""
    x, w = got
    half = (LANE_H - 10) / 2
    top, h = {"hold": (y + 3, LANE_H - 6), "fault": (y + 5, half),
              "hint": (y + 5 + half, half)}.get(sp.kind, (y + 3, LANE_H - 6))
    return (f'<rect class="span {sp.kind} seek" data-seek="{sp.seek:.3f}" '
            f'x="{x:.1f}" y="{top:.1f}" width="{w:.1f}" height="{h:.1f}">'
            f"<title>{escape(sp.label)}</title></rect>")


def timeline(lanes: dict[str, list[Span]], t_range: tuple[float, float]) -> str:
    """One lane per side: holds (green) underneath, faults (red, upper half) and hints
    (amber, lower half) on top; each span seeks the video."""
    height = TIMELINE_TOP + LANE_H * max(len(lanes), 1) + BOTTOM
    ax = Axes(t_range[0], t_range[1], 0, 1)
    ax.y_top, ax.y_bottom = TIMELINE_TOP, height - BOTTOM
    parts = [
        f'<svg class="plot timeline" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="fault timeline" data-t0="{ax.t0:.3f}" data-t1="{ax.t1:.3f}" '
        f'data-x0="{ax.x_left}" data-x1="{ax.x_right}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for t in _ticks(ax.t0, ax.t1, 8):
        x = ax.x(t)
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{ax.y_top}" y2="{ax.y_bottom}" '
                     'class="grid"/>')
        parts.append(f'<text x="{x:.1f}" y="{ax.y_bottom + 15}" class="tick" '
                     f'text-anchor="middle">{fmt_time(t)}</text>')
    parts.append(f'<text class="axis" x="{(ax.x_left + ax.x_right) / 2:.1f}" y="{height - 4}" '
                 'text-anchor="middle">time in the clip (min:s)</text>')
    for i, (key, spans) in enumerate(lanes.items()):
        y = TIMELINE_TOP + i * LANE_H
        parts.append(f'<text x="{LEFT - 6}" y="{y + LANE_H / 2 + 4:.1f}" class="lane" '
                     f'text-anchor="end">{escape(key)}</text>')
        parts.append(f'<rect class="lane-bg" x="{ax.x_left}" y="{y + 3}" '
                     f'width="{ax.x_right - ax.x_left}" height="{LANE_H - 6}"/>')
        for sp in sorted(spans, key=lambda s: s.kind != "hold"):  # holds underneath
            parts.append(_timeline_span(sp, ax, y))
    parts.append(f'<line class="playhead" x1="{ax.x_left}" x2="{ax.x_left}" '
                 f'y1="{ax.y_top}" y2="{ax.y_bottom}" visibility="hidden"/>')
    parts.append("</svg>")
    return "\n".join(parts)
