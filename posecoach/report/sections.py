"""The sections of report.html, each a function from results to an HTML string.

Every number shown comes from `posecoach.results.reading.ClipResults`; estimates are labelled as
estimates wherever they appear.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from posecoach import registry
from posecoach.exercises.spec import ExerciseSpec
from posecoach.registry import BY_NAME, ESTIMATED_METRICS, MEASURED_METRICS
from posecoach.report.keyframes import KeyFrame
from posecoach.report.page import e, table
from posecoach.report.svg import Series, Span, fmt_time, line_plot, timeline
from posecoach.results.history import Change
from posecoach.results.reading import (
    FAULT_PREFIX,
    ClipResults,
    metric_label,
    side_metrics,
)

__all__ = ["fmt_time"]

SIDE_NAMES = {"L": "Left", "R": "Right", "both": "Both"}

# Metrics plotted for every exercise (more are added when a form rule uses them).
BASE_PLOTS = (
    "hip_extension_deg",
    "trunk_inclination_deg",
    "knee_flexion_deg",
    "pelvic_tilt_deg",
    "lumbar_extension_deg",
)


def cue_name(cue: str) -> str:
    return cue.replace("_", " ")


def _num(value: float, digits: int = 1, unit: str = "") -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:.{digits}f}{unit}"


def _side_label(key: str) -> str:
    return f'<span class="side-{e(key)}">{SIDE_NAMES.get(key, key)}</span>'


# --------------------------------------------------------------------------- header


def header(res: ClipResults, client: str | None) -> str:
    source = res.clip.get("source")
    bits = [
        f"Client: <b>{e(client)}</b>" if client else "No client name recorded",
        f"Clip: <code>{e(Path(source).name)}</code>" if source else "",
        f"Recorded: {e(res.clip['recorded'])}" if res.clip.get("recorded") else "",
        f"Length: {fmt_time(res.duration_s)}",
    ]
    if res.clip.get("ended_early"):
        bits.append('<span class="worse">clip ended early (truncated?)</span>')
    done = res.raw.get("completed")
    if done is None:
        done = (res.raw.get("session") or {}).get("completed")
    if done is not None:
        bits.append("protocol completed" if done else "protocol not completed")
    return (
        f"<header><h1>{e(res.exercise_name)}</h1>"
        f'<p class="sub">{" · ".join(b for b in bits if b)}</p></header>'
    )


# --------------------------------------------------------------------------- key numbers


def _card(label: str, value: str, cls: str = "") -> str:
    return f'<div class="card"><div class="k">{label}</div><div class="v {cls}">{value}</div></div>'


def key_numbers(res: ClipResults) -> str:
    cards = []
    for s in res.sides.values():
        name = SIDE_NAMES.get(s.key, s.key)
        target = sum(h.target_s for h in s.holds if math.isfinite(h.target_s))
        of = f" / {target:.0f} s" if target else ""
        cards.append(_card(f"Good-form hold, {name}", f"{s.good_s:.1f} s{of}", f"side-{s.key}"))
        cards.append(_card(f"Peak / median hip ext., {name}",
                           f"{_num(s.peak_hip_extension_deg, 1, '°')} / "
                           f"{_num(s.median_hip_extension_deg, 1, '°')}", f"side-{s.key}"))
        cards.append(_card(f"Time in fault, {name}", f"{s.total_fault_s:.1f} s"))
    view = _num(100 * res.view_ok_fraction, 0, "%")
    cards.append(_card("Frames with a usable side view", view))
    cards.append(_card("Median camera angle off side-on", _num(res.median_view_angle_deg, 0, "°")))
    if not res.sides:
        cards.append(_card("Holds", "none recorded"))
    return '<section><h2>Key numbers</h2><div class="cards">' + "".join(cards) + "</div></section>"


def safety(res: ClipResults) -> str:
    if not res.safety_notes:
        return ""
    items = "".join(f"<li>{e(n)}</li>" for n in res.safety_notes)
    return (
        '<section><h2>Safety: stop and refer when</h2><div class="safety">'
        f"<ul>{items}</ul></div></section>"
    )


# --------------------------------------------------------------------------- video + timeline


def _cue_texts(spec: ExerciseSpec | None) -> dict[str, str]:
    if spec is None:
        return {}
    texts = {r.cue: r.text for r in spec.all_rules}
    texts[spec.position.cue] = spec.position.text
    return texts


def _lanes(res: ClipResults) -> dict[str, list[Span]]:
    lanes: dict[str, list[Span]] = {}
    for s in res.sides.values():
        spans = [
            Span(h.start_s, h.end_s, "hold",
                 f"hold {fmt_time(h.start_s)}-{fmt_time(h.end_s)}: {h.good_s:.1f} s good form")
            for h in s.holds
        ]
        spans += [
            Span(f.start_s, f.end_s, "fault" if f.severity == "fault" else "hint",
                 f"{cue_name(f.cue)}: {f.duration_s:.1f} s")
            for f in s.faults
        ]
        lanes[s.key] = spans
    return lanes


def _episode_rows(res: ClipResults, texts: dict[str, str]) -> list[list[str]]:
    episodes = sorted(
        ((f, s.key) for s in res.sides.values() for f in s.faults), key=lambda fk: fk[0].start_s
    )
    rows = []
    for f, key in episodes:
        kind = "fault (timer paused)" if f.severity == "fault" else "hint"
        rows.append([
            f'<button class="seek" data-seek="{f.start_s:.3f}" type="button">'
            f"{fmt_time(f.start_s)}</button>",
            _side_label(key),
            f"<b>{e(cue_name(f.cue))}</b><br><small>{e(texts.get(f.cue, ''))}</small>",
            e(kind),
            f"{f.duration_s:.1f} s",
        ])
    return rows


def _legend() -> str:
    items = [
        ("#2e7d32;opacity:.35", "hold"), ("#b3261e", "fault (timer paused)"),
        ("#e0a800", "hint"), ("#1f5fa8", "left side"), ("#c2550a", "right side"),
    ]
    return '<div class="legend">' + "".join(
        f'<span><span class="sw" style="background:{c}"></span>{t}</span>' for c, t in items
    ) + "</div>"


def video_and_timeline(res: ClipResults, spec: ExerciseSpec | None, video: str | None) -> str:
    t_range = (0.0, max(res.duration_s, 1e-3))
    if video:
        player = (f'<div class="video"><video id="player" controls preload="auto" '
                  f'src="{e(video)}"></video></div>')
    else:
        player = ('<p class="note noprint">The annotated video is not in this folder, so the '
                  "timeline cannot play the moments it lists.</p>")
    rows = _episode_rows(res, _cue_texts(spec))
    listing = (
        table(["at", "side", "cue", "kind", "lasted"], rows, numeric=(4,))
        if rows else "<p>No form faults or hints were logged during the holds.</p>"
    )
    return (
        "<section><h2>Video and fault timeline</h2>"
        f"{player}{_legend()}{timeline(_lanes(res), t_range)}"
        '<p class="meta noprint">Click a bar, a time or any plot to jump the video there.</p>'
        f"{listing}</section>"
    )


# --------------------------------------------------------------------------- left / right


def _compare_row(label: str, values: dict[str, float], unit: str, digits: int = 1) -> list[str]:
    cells = [e(label)] + [_num(values.get(k, math.nan), digits, unit) for k in values]
    return cells


def side_table(res: ClipResults, spec: ExerciseSpec | None) -> str:
    sides = list(res.sides.values())
    if not sides:
        return ""
    metrics = [side_metrics(s) for s in sides]
    keys: list[str] = []
    for m in metrics:
        keys += [k for k in m if k not in keys]
    pair = [s.key for s in sides] == ["L", "R"]
    header = ["", *[_side_label(s.key) for s in sides]] + (["R − L"] if pair else [])
    rows = []
    for key in keys:
        label, unit, _ = metric_label(key)
        default = 0.0 if key.startswith(FAULT_PREFIX) else math.nan  # cue never seen: 0 s
        vals = [m.get(key, default) for m in metrics]
        if not any(math.isfinite(v) for v in vals):
            continue
        digits = 0 if key == "holds_complete" else 1
        row = [e(label)] + [_num(v, digits, " " + unit if unit == "s" else unit) for v in vals]
        if pair:
            row.append(_num(vals[1] - vals[0], digits, " " + unit if unit == "s" else unit))
        rows.append(row)
    partial = [f"{SIDE_NAMES.get(s.key, s.key)}: {len(s.holds) - s.holds_complete}" for s in sides]
    note = ""
    if spec is not None:
        note = (f'<p class="meta">Target: {spec.dose.reps_per_side} × {spec.dose.hold_s:g} s '
                f"of good form per side. Partial holds — {e(', '.join(partial))}.</p>")
    numeric = tuple(range(1, len(header)))
    return f"<section><h2>Left / right</h2>{table(header, rows, numeric)}{note}</section>"


def gains(res: ClipResults) -> str:
    rows = [
        [_side_label(s.key), str(g.rep + 1), str(g.cycle), fmt_time(g.time_s),
         _num(g.gain_deg, 1, "°"), _num(g.total_gain_deg, 1, "°")]
        for s in res.sides.values() for g in s.gains
    ]
    if not rows:
        return ""
    return (
        "<section><h2>Contract-relax gains</h2>"
        '<p class="sub">Hip extension after each relax phase compared with the phase before '
        "(and with the settling hold): positive means the thigh went further back.</p>"
        + table(["side", "hold", "cycle", "at", "gain", "since settling"], rows, (4, 5))
        + "</section>"
    )


# --------------------------------------------------------------------------- plots


def target_band(spec: ExerciseSpec | None, metric: str) -> tuple[float, float]:
    """The range where no form rule on `metric` fires (from the exercise's thresholds)."""
    lo, hi = -math.inf, math.inf
    if spec is None:
        return math.nan, math.nan
    for rule in spec.rules:
        for c in rule.when:
            if c.metric != metric:
                continue
            if c.op == ">":
                hi = min(hi, c.on)
            else:
                lo = max(lo, c.on)
    if math.isinf(lo) and math.isinf(hi):
        return math.nan, math.nan
    return lo, hi


def _series(res: ClipResults, metric: str) -> list[Series]:
    f = res.frames
    t, y = f.num("time_s"), f.num(metric)
    usable = f.num("view_ok") == 1
    sides = [k for k in res.sides if k in ("L", "R")] or sorted(
        {s for s in f.text("side") if s in ("L", "R")}
    )
    if not sides:
        return [Series("both", t, np.where(usable, y, np.nan))]
    side_col = f.text("side")
    return [Series(k, t, np.where(usable & (side_col == k), y, np.nan)) for k in sides]


def _plot_metrics(spec: ExerciseSpec | None) -> list[str]:
    names = list(BASE_PLOTS)
    if spec is not None:
        for rule in spec.rules:
            names += [c.metric for c in rule.when if c.metric in BY_NAME]
    return list(dict.fromkeys(names))


def _band_text(band: tuple[float, float]) -> str:
    lo, hi = band
    if math.isnan(lo):
        return "no form rule on this angle"
    if math.isinf(lo):
        return f"target band: below {hi:g}°"
    if math.isinf(hi):
        return f"target band: above {lo:g}°"
    return f"target band: {lo:g}° to {hi:g}°"


def plots(res: ClipResults, spec: ExerciseSpec | None) -> str:
    if len(res.frames) == 0:
        return ""
    t_range = (0.0, max(res.duration_s, 1e-3))
    # Holds are on the timeline; here only faults and hints, so green means the band.
    spans = [sp for lane in _lanes(res).values() for sp in lane if sp.kind != "hold"]
    parts = [
        "<section><h2>Angles over time</h2>",
        '<p class="sub">Only frames with a usable side view are drawn. The green band is '
        "where no form rule of this exercise fires; shaded columns are faults (red) and "
        "hints (amber) on either side. Dashed lines are estimates.</p>",
        _legend(),
    ]
    for metric in _plot_metrics(spec):
        series = _series(res, metric)
        if not any(np.isfinite(s.y).any() for s in series):
            continue
        estimated = metric in ESTIMATED_METRICS
        band = target_band(spec, metric)
        tag = ' <span class="estimate">estimate</span>' if estimated else ""
        parts.append(f"<h3>{e(registry.label(metric))}{tag} "
                     f'<small class="meta">({e(_band_text(band))})</small></h3>')
        parts.append(line_plot(registry.label(metric), series, t_range, band,
                               spans, dashed=estimated))
    parts.append("</section>")
    return "\n".join(parts)


# --------------------------------------------------------------------------- key frames


def key_frames(frames: list[KeyFrame]) -> str:
    if not frames:
        return ""
    figs = []
    for k in frames:
        if k.jpeg_b64:
            img = (f'<img alt="{e(k.title)}" src="data:image/jpeg;base64,{k.jpeg_b64}">')
        else:
            img = f'<div class="missing">{e(k.note)}</div>'
        figs.append(
            f"<figure>{img}<figcaption><b>{e(k.title)}</b><br>{e(k.caption)} "
            f'<button class="seek noprint" data-seek="{k.time_s:.3f}" type="button">'
            "play from here</button></figcaption></figure>"
        )
    return '<section><h2>Key frames</h2><div class="frames">' + "".join(figs) + "</div></section>"


# --------------------------------------------------------------------------- progress

PROGRESS_METRICS = ("good_form_hold_s", "peak_hip_extension_deg", "median_hip_extension_deg",
                    "time_in_fault_s")


def progress(data: tuple[list, dict] | None) -> str:
    if data is None:
        return ""
    earlier, current = data
    if "error" in current:
        return f'<section><h2>Progress</h2><p class="note">{e(current["error"])}</p></section>'
    sides = sorted({s for s, _ in current})
    header = ["session", "recorded"] + [
        f"{_side_label(s)} {e(metric_label(m)[0])}" for s in sides for m in PROGRESS_METRICS
    ]
    numeric = tuple(range(2, len(header)))
    rows = []
    for row, values in earlier:
        rows.append([str(row.id), e(row.recorded)] + [
            _num(values.get((s, m), math.nan), 1) for s in sides for m in PROGRESS_METRICS
        ])
    rows.append(["<b>this clip</b>", ""] + [
        f"<b>{_num(current.get((s, m), math.nan), 1)}</b>" for s in sides for m in PROGRESS_METRICS
    ])
    first = earlier[0][1]
    change_cells = []
    for s in sides:
        for m in PROGRESS_METRICS:
            c = Change(s, m, first.get((s, m), math.nan), current.get((s, m), math.nan))
            sign = "+" if c.delta > 0 else ""
            change_cells.append(f'<span class="{c.verdict}">{sign}{_num(c.delta, 1)} '
                                f"({c.verdict})</span>")
    rows.append(["change since first", ""] + change_cells)
    return (
        "<section><h2>Progress</h2>"
        f'<p class="sub">Earlier sessions of this exercise for this client '
        f"({len(earlier)}), from the history database. Seconds and degrees.</p>"
        + table(header, rows, numeric) + "</section>"
    )


# --------------------------------------------------------------------------- honesty




def estimates(res: ClipResults, spec: ExerciseSpec | None) -> str:
    measured = ", ".join(f"<code>{m}</code>" for m in MEASURED_METRICS)
    estimated = ", ".join(f"<code>{m}</code>" for m in ESTIMATED_METRICS)
    camera = spec.camera_note if spec is not None else res.camera_note
    view = _num(100 * res.view_ok_fraction, 0, "%")
    return f"""<section><h2>What was measured and what was estimated</h2>
<div class="note">
<p><b>From body landmarks</b> (one side camera, 2-D): {measured}. These come from the pose
model's joint centres in each frame. Published comparisons of single-camera 2-D joint angles
with motion capture report errors of about 4° at the hip in a clean side view, and much
larger ones when the camera is off-axis; the model's hip point also sits a few degrees away
from the true centre of the femoral head. Treat differences of a few degrees between
sessions or sides as within noise.</p>
<p><b>Estimated, not measured</b>: {estimated}. No landmark marks the pelvis or the lumbar
spine; these angles are inferred from the outline of the back in the person's silhouette
between hip and shoulder level and may be off by several degrees. They are drawn dashed and
labelled as estimates. Hip extension relative to the pelvis inherits the pelvic estimate's
uncertainty.</p>
<p><b>This clip</b>: {view} of frames with a person had a usable side view; angles from the
other frames were not used.{" " + e(camera) if camera else ""}</p>
</div></section>"""


def provenance(res: ClipResults, version: str, today: str) -> str:
    m = res.model
    sha = str(m.get("sha256") or "")
    rows = [
        ["Pose model", e(m.get("name") or "unknown")],
        ["Model SHA-256", f"<code>{e(sha)}</code>" if sha else "–"],
        ["MediaPipe", e(m.get("mediapipe_version") or m.get("mediapipe") or "–")],
        ["posecoach (analysis)", e(m.get("posecoach_version") or "–")],
        ["posecoach (report)", e(version)],
        ["Frames", e(res.clip.get("frames", len(res.frames)))],
        ["Frame rate", _num(float(res.clip.get("fps") or math.nan), 3, " fps")],
        ["Exercise definition", f"<code>{e(res.exercise_id or '–')}</code>"],
        ["Report generated", e(today)],
    ]
    return ('<section><h2>Model and versions</h2><div class="meta">'
            + table(["", ""], rows) + "</div></section>")
