"""The sections of report.html, each a function from results to an HTML string.

Every number shown comes from `posecoach.results.reading.ClipResults`; estimates are labelled as
estimates wherever they appear.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from posecoach import registry
from posecoach.exercises.spec import MOTION, Condition, ExerciseSpec, Rule, rules_from_json
from posecoach.registry import BY_NAME, ESTIMATED_METRICS, MEASURED_METRICS
from posecoach.report.keyframes import KeyFrame
from posecoach.report.page import e, table
from posecoach.report.svg import Series, Span, fmt_time, line_plot, stretch_range, timeline
from posecoach.results.history import Change
from posecoach.results.reading import (
    FAULT_PREFIX,
    NOT_DONE,
    NOT_MEASURED,
    ClipResults,
    SideResults,
    metric_label,
    noise_text,
    side_done,
    side_metrics,
)

__all__ = ["NOT_DONE", "fmt_time"]

SIDE_NAMES = {"L": "Left", "R": "Right", "both": "Both"}
# The turn advice is shown when at least this share of the frames was too oblique.
TURN_NOTE_MIN_SHARE = 0.05

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
        return NOT_MEASURED
    return f"{value:.{digits}f}{unit}"


def _side_label(key: str) -> str:
    return f'<span class="side-{e(key)}">{SIDE_NAMES.get(key, key)}</span>'


# --------------------------------------------------------------------------- header


def header(res: ClipResults, client: str | None, session_time: str = "") -> str:
    """Title line; session_time: when the session was recorded (date and time)."""
    source = res.clip.get("source")
    bits = [
        f"Client: <b>{e(client)}</b>" if client else "No client name recorded",
        f"Session: <b>{e(session_time)}</b>" if session_time else "",
        f"Clip: <code>{e(Path(source).name)}</code>" if source else "",
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


def held_s(side: SideResults) -> float:
    """Seconds in position during the side's holds (good form or not)."""
    return sum(max(h.end_s - h.start_s, 0.0) for h in side.holds)


def good_share(side: SideResults) -> float:
    """Good-form seconds as a share of the seconds held (NaN when nothing was held)."""
    held = held_s(side)
    return min(side.good_s / held, 1.0) if held > 0 else math.nan


def _side_cards(s: SideResults) -> list[str]:
    name = SIDE_NAMES.get(s.key, s.key)
    if not s.done:
        return [_card(f"{name} side", NOT_DONE, "muted")]
    target = sum(h.target_s for h in s.holds if math.isfinite(h.target_s))
    of = f" / {target:.0f} s" if target else ""
    return [
        _card(f"Good-form hold, {name}", f"{s.good_s:.1f} s{of}", f"side-{s.key}"),
        _card(f"Time in good form, {name}", f"{_num(100 * good_share(s), 0, '%')} "
              f'<small class="meta">of {held_s(s):.1f} s held</small>', f"side-{s.key}"),
        _card(f"Peak / median hip ext., {name}",
              f"{_num(s.peak_hip_extension_deg, 1, '°')} / "
              f"{_num(s.median_hip_extension_deg, 1, '°')}", f"side-{s.key}"),
        _card(f"Time in fault, {name}", f"{s.total_fault_s:.1f} s"),
    ]


def key_numbers(res: ClipResults) -> str:
    cards = []
    for s in res.sides.values():
        cards += _side_cards(s)
    view = _num(100 * res.view_ok_fraction, 0, "%")
    cards.append(_card("Frames with a usable side view", view))
    cards.append(_card("Median camera angle off side-on", _num(res.median_view_angle_deg, 0, "°")))
    if not res.sides:
        cards.append(_card("Holds", "none recorded"))
    return ('<section><h2>Key numbers</h2><div class="cards">' + "".join(cards) + "</div>"
            '<p class="meta">Peak and median angles are over good-form hold frames only '
            "(frames in fault left out).</p>" + _turn_note(res) + "</section>")


def _turn_note(res: ClipResults) -> str:
    """Where part of the clip was filmed too far off side-on to count: how to turn."""
    share = res.oblique_fraction
    if not res.turn_advice or not (math.isfinite(share) and share >= TURN_NOTE_MIN_SHARE):
        return ""
    return (f'<p class="note turn-advice">For {100 * share:.0f}% of the frames the camera '
            "was too far off side-on for the angles to count. Next time: "
            f"{e(res.turn_advice)}.</p>")


def _sides_done(res: ClipResults) -> str:
    done = [SIDE_NAMES.get(s.key, s.key).lower() for s in res.sides.values() if s.done]
    return " and ".join(done) if done else "none"


def prescription(res: ClipResults, spec: ExerciseSpec | None) -> str:
    """Prescribed against done: sides, holds and good-form seconds per side."""
    if spec is None:
        return ""
    dose = spec.dose
    sides_rx = "left and right" if spec.sides == "per_side" else "both legs together"
    rows = [["Sides", e(sides_rx), e(_sides_done(res))]]
    for s in res.sides.values():
        name = _side_label(s.key)
        if not s.done:
            rows.append([f"Holds, {name}", f"{dose.reps_per_side} × {dose.hold_s:g} s", NOT_DONE])
            continue
        partial = len(s.holds) - s.holds_complete
        per_hold = ", ".join(f"{h.good_s:.1f}" for h in s.holds)
        rows.append([f"Holds, {name}", f"{dose.reps_per_side} × {dose.hold_s:g} s",
                     f"{s.holds_complete} complete, {partial} partial"])
        rows.append([f"Good-form seconds, {name}", f"{dose.reps_per_side * dose.hold_s:g} s",
                     f"{s.good_s:.1f} s (per hold: {per_hold})"])
    return ("<section><h2>Prescribed and done</h2>"
            + table(["", "prescribed", "done"], rows) + "</section>")


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


def cue_shown_s(res: ClipResults, cue: str, start_s: float, end_s: float) -> float:
    """The first time in [start_s, end_s] whose frame shows `cue` (the cue appears once
    its condition is confirmed, a little after the episode's start); else start_s."""
    f = res.frames
    if len(f) == 0 or "cues" not in f.columns:
        return start_s
    t, cues = f.num("time_s"), f.text("cues")
    within = (t >= start_s - 1e-6) & (t <= end_s + 1e-6)
    for i in np.flatnonzero(within):
        if cue in str(cues[i]).split(";"):
            return float(t[i])
    return start_s


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
                 f"{cue_name(f.cue)}: {f.duration_s:.1f} s",
                 cue_shown_s(res, f.cue, f.start_s, f.end_s))
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
            f'<button class="seek" data-seek="{cue_shown_s(res, f.cue, f.start_s, f.end_s):.3f}"'
            f' data-at="{f.start_s:.3f}" type="button">{fmt_time(f.start_s)}</button>',
            _side_label(key),
            f"<b>{e(cue_name(f.cue))}</b><br><small>{e(texts.get(f.cue, ''))}</small>",
            e(kind),
            f"{f.duration_s:.1f} s",
        ])
    return rows


def _legend() -> str:
    items = [
        ("#2e7d32;opacity:.35", "hold"), ("#b3261e", "fault (timer paused)"),
        ("#e0a800", "hint"), ("#6b5fb5;opacity:.3", "target band"),
        ("#1f5fa8", "left side"), ("#c2550a", "right side"),
    ]
    return '<div class="legend">' + "".join(
        f'<span><span class="sw" style="background:{c}"></span>{t}</span>' for c, t in items
    ) + "</div>"


def time_range(res: ClipResults) -> tuple[float, float]:
    """The plots' and timeline's time range: the stretch (holds and faults), not set-up."""
    spans = [sp for lane in _lanes(res).values() for sp in lane]
    return stretch_range(spans, res.duration_s)


def _player(video: str, poster_b64: str | None, fps: float) -> str:
    """The video with its controls below it (custom), so no control bar ever covers
    the frame (the cue banner is at the bottom of the annotated video)."""
    poster = f' poster="data:image/jpeg;base64,{poster_b64}"' if poster_b64 else ""
    step = 1.0 / fps if math.isfinite(fps) and fps > 0 else 1.0 / 30
    return (
        f'<div class="video"><video id="player" preload="auto" playsinline{poster} '
        f'src="{e(video)}" data-step="{step:.5f}"></video>'
        '<div class="vctl noprint">'
        '<button type="button" id="vplay">▶ play</button>'
        '<button type="button" id="vback" title="one frame back">◀ frame</button>'
        '<button type="button" id="vfwd" title="one frame on">frame ▶</button>'
        '<input type="range" id="vpos" min="0" max="1" step="0.01" value="0" '
        'aria-label="position in the video">'
        '<span id="vtime" class="meta">0:00.0</span>'
        '<button type="button" id="vfull">full screen</button>'
        "</div></div>"
    )


def video_and_timeline(
    res: ClipResults, spec: ExerciseSpec | None, video: str | None,
    poster_b64: str | None = None,
) -> str:
    t_range = time_range(res)
    if video:
        player = _player(video, poster_b64, float(res.clip.get("fps") or math.nan))
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
        f'<p class="meta noprint">{fmt_time(t_range[0])} to {fmt_time(t_range[1])} of the '
        "clip (getting into position left out). Click a bar, a time or any plot to jump the "
        "video there: it stops on the first frame that shows the cue.</p>"
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
    pair = [s.key for s in sides] == ["L", "R"] and all(s.done for s in sides)
    header = ["", *[_side_label(s.key) for s in sides]] + (["R − L"] if pair else [])
    rows = []
    for key in keys:
        label, unit, _ = metric_label(key)
        # A cue never seen on a side that was done: 0 s of it.
        vals = [m.get(key, 0.0 if key.startswith(FAULT_PREFIX) and s.done else math.nan)
                for m, s in zip(metrics, sides, strict=True)]
        if not any(math.isfinite(v) for v in vals):
            continue
        digits = 0 if key == "holds_complete" else 1
        row = [e(label)] + [
            _num(v, digits, " " + unit if unit == "s" else unit) if s.done else NOT_DONE
            for v, s in zip(vals, sides, strict=True)
        ]
        if pair:
            row.append(_num(vals[1] - vals[0], digits, " " + unit if unit == "s" else unit))
        rows.append(row)
    note = "" if pair or len(sides) < 2 else (
        '<p class="meta">No right − left difference: one side was not done.</p>')
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


def applied_rules(res: ClipResults, spec: ExerciseSpec | None) -> tuple[tuple[Rule, ...], str]:
    """The form rules the target bands are drawn from, and where they come from: the rules
    the session applied (stored in summary.json), else the exercise file as it is now."""
    stored = rules_from_json(res.raw.get("rules"))
    if stored:
        return stored, "the thresholds this session's cues used (stored with the results)"
    if spec is None:
        return (), ""
    return spec.all_rules, (f"the thresholds in {Path(spec.source).name} as it is now (this "
                            "analysis did not store the ones its cues used)")


def target_band(rules: tuple[Rule, ...], metric: str) -> tuple[float, float]:
    """The range of `metric` in which none of `rules` switches on: the `on` thresholds
    (content/*.toml `fault`) of the very conditions the session steps. `band_rules` says
    which rules they are, and what else can set them off. (NaN, NaN): no rule uses it."""
    lo, hi = -math.inf, math.inf
    for rule in rules:
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


def _plot_metrics(rules: tuple[Rule, ...]) -> list[str]:
    names = list(BASE_PLOTS)
    for rule in rules:
        names += [c.metric for c in rule.when if c.metric in BY_NAME]
    return list(dict.fromkeys(names))


def _amount(metric: str, value: float) -> str:
    return f"{value:g} body heights/s" if metric == MOTION else f"{value:g}°"


def _metric_name(metric: str) -> str:
    return (BY_NAME[metric].short if metric in BY_NAME else metric).replace("_", " ")


def _switches(c: Condition) -> str:
    on, off = ("above", "below") if c.op == ">" else ("below", "above")
    text = f"on {on} {_amount(c.metric, c.on)}, off again {off} {_amount(c.metric, c.off)}"
    if c.min_confidence > 0:
        text += f" (judged only at confidence {c.min_confidence:g} or more)"
    return text


def band_rules(rules: tuple[Rule, ...], metric: str) -> list[str]:
    """One sentence per form rule that sets `metric`'s target band: the cue, when it
    switches on and off on this angle, and the other conditions that set it off too
    (a rule is on while any of its conditions is), as the session applies them."""
    out = []
    for rule in rules:
        here = [c for c in rule.when if c.metric == metric]
        if not here:
            continue
        text = f"{cue_name(rule.cue)} {rule.severity}: " + "; ".join(map(_switches, here))
        others = [f"{_metric_name(c.metric)} is {'above' if c.op == '>' else 'below'} "
                  f"{_amount(c.metric, c.on)}" for c in rule.when if c.metric != metric]
        if others:
            text += "; also on when " + " or when ".join(others)
        out.append(text + ".")
    return out


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
    t_range = time_range(res)
    # Holds are on the timeline; here faults and hints, each in a lane above the plot.
    spans = [sp for lane in _lanes(res).values() for sp in lane if sp.kind != "hold"]
    rules, source = applied_rules(res, spec)
    parts = [
        "<section><h2>Angles over time</h2>",
        f'<p class="sub">From {fmt_time(t_range[0])} to {fmt_time(t_range[1])}: the holds '
        "and faults, not getting into position. Only frames with a usable side view are "
        "drawn. The violet band is where this angle sets off none of the exercise's form "
        "rules; the line under each title names those rules and their thresholds. A cue "
        "that also watches another angle can be on while this one is inside its band, and "
        "once on it stays on until the angle is back past its off threshold. Faults (red) "
        "and hints (amber) on either side have their own lanes above each plot, and faults "
        "shade the plot too. Dashed lines are estimates."
        + (f" Bands and thresholds: {e(source)}." if source else "") + "</p>",
        _legend(),
    ]
    for metric in _plot_metrics(rules):
        series = _series(res, metric)
        if not any(np.isfinite(s.y).any() for s in series):
            continue
        estimated = metric in ESTIMATED_METRICS
        band = target_band(rules, metric)
        tag = ' <span class="estimate">estimate</span>' if estimated else ""
        parts.append(f"<h3>{e(registry.label(metric))}{tag} "
                     f'<small class="meta">({e(_band_text(band))})</small></h3>')
        setters = band_rules(rules, metric)
        if setters:
            parts.append(f'<p class="meta band-rules">Band from: {e(" ".join(setters))}</p>')
        unit = BY_NAME[metric].unit if metric in BY_NAME else "°"
        parts.append(line_plot(registry.label(metric), series, t_range, band, spans,
                               dashed=estimated, unit=unit, y_title=f"angle ({unit})"))
    parts.append("</section>")
    return "\n".join(parts)


# --------------------------------------------------------------------------- key frames


def _figure(k: KeyFrame) -> str:
    if k.jpeg_b64:
        img = f'<img alt="{e(k.title)}" src="data:image/jpeg;base64,{k.jpeg_b64}">'
    else:
        img = f'<div class="missing">{e(k.note)}</div>'
    seek = (f' <button class="seek noprint" data-seek="{k.time_s:.3f}" type="button">'
            "play from here</button>") if math.isfinite(k.time_s) else ""
    return f"<figure>{img}<figcaption><b>{e(k.title)}</b><br>{e(k.caption)}{seek}"\
        "</figcaption></figure>"


def key_frames(pair: list[KeyFrame], others: list[KeyFrame]) -> str:
    """Left and right side by side (peak hip extension in good form), then the others."""
    if not pair and not others:
        return ""
    rows = ""
    if pair:
        rows += '<div class="frames pair">' + "".join(_figure(k) for k in pair) + "</div>"
    if others:
        rows += '<div class="frames">' + "".join(_figure(k) for k in others) + "</div>"
    return f"<section><h2>Key frames</h2>{rows}</section>"


# --------------------------------------------------------------------------- progress

PROGRESS_METRICS = ("good_form_hold_s", "peak_hip_extension_deg", "median_hip_extension_deg",
                    "time_in_fault_s")
PROGRESS_COLUMNS = 4  # earlier sessions shown (the first and the latest ones)


def _change_cell(c: Change) -> str:
    if c.verdict in ("n/a", NOT_DONE):
        return NOT_MEASURED
    sign = "+" if c.delta > 0 else ""
    return f'<span class="{c.verdict}">{sign}{_num(c.delta, 1)} ({c.verdict})</span>'


def _progress_cell(values: dict[tuple[str, str], float], side: str, metric: str) -> str:
    if not side_done(values, side):
        return NOT_DONE
    return _num(values.get((side, metric), math.nan), 1)


def _shown_sessions(earlier: list) -> list:
    if len(earlier) <= PROGRESS_COLUMNS:
        return earlier
    return [earlier[0], *earlier[-(PROGRESS_COLUMNS - 1):]]


def progress(data: tuple[list, dict] | None) -> str:
    """One row per side and metric, one column per session (short headers: dates)."""
    if data is None:
        return ""
    earlier, current = data
    if "error" in current:
        return f'<section><h2>Progress</h2><p class="note">{e(current["error"])}</p></section>'
    sides = sorted({s for s, _ in current})
    shown = _shown_sessions(earlier)
    header = ["", "side"] + [f"{e(row.recorded)}<br><small>#{row.id}</small>"
                             for row, _ in shown] + ["this clip", "change since first"]
    first = earlier[0][1]
    rows = []
    for m in PROGRESS_METRICS:
        label, unit, _ = metric_label(m)
        for s in sides:
            now = current.get((s, m), math.nan)
            change = Change(s, m, first.get((s, m), math.nan), now, True,
                            side_done(first, s), side_done(current, s))
            rows.append(
                [e(f"{label} ({unit})"), _side_label(s)]
                + [_progress_cell(values, s, m) for _, values in shown]
                + [f"<b>{_progress_cell(current, s, m)}</b>", _change_cell(change)]
            )
    numeric = tuple(range(2, len(header)))
    left_out = len(earlier) - len(shown)
    more = f", {left_out} in between not shown" if left_out else ""
    return (
        '<section class="progress"><h2>Progress</h2>'
        f'<p class="sub">Earlier sessions of this exercise for this client '
        f"({len(earlier)}{more}), from the history database. Changes under "
        f"{e(noise_text())} are within measurement noise and read <i>same</i>.</p>"
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
