"""One analysed clip's outputs, read back from its folder for reports and the history.

`load_clip(out_dir)` reads summary.json (session, clip and model facts) and frames.csv and
returns a `ClipResults` with the same names whatever version of the summary wrote them:
what the summary lacks is derived from frames.csv (peak/median hip extension, view quality)
or from the exercise definition (safety notes). Nothing here draws or writes.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.exercises.spec import SpecError, load_exercise
from posecoach.outputs import frames_csv
from posecoach.outputs.frames_csv import FrameTable
from posecoach.schema import SideResult, as_number
from posecoach.types import TIMED_PHASES


class ResultsError(Exception):
    """An output folder that cannot be read. One line for the user."""


@dataclass
class SideResults(SideResult):
    """A side's session records with the angle statistics of its good-form hold frames.

    done (SideResult): False when the session recorded this side without a single hold
    (the side was not done): its numbers are "not measured", never 0 s.
    """

    peak_hip_extension_deg: float = math.nan
    peak_time_s: float = math.nan
    median_hip_extension_deg: float = math.nan

    @property
    def total_fault_s(self) -> float:
        return sum(self.fault_time_s.values())


@dataclass
class ClipResults:
    out_dir: Path
    exercise_id: str
    exercise_name: str
    sides: dict[str, SideResults]
    frames: FrameTable
    clip: dict[str, Any]
    model: dict[str, Any]
    view_ok_fraction: float
    median_view_angle_deg: float
    oblique_fraction: float
    turn_advice: str | None
    safety_notes: list[str]
    camera_note: str
    client: str | None
    raw: dict[str, Any]

    @property
    def duration_s(self) -> float:
        d = as_number(self.clip.get("duration_s"))
        if math.isfinite(d):
            return d
        t = self.frames.num("time_s")
        return float(np.nanmax(t)) if len(t) and np.isfinite(t).any() else 0.0


# --------------------------------------------------------------------------- reading


def read_frames(path: Path) -> FrameTable:
    """frames.csv as columns (outputs.frames_csv), with its error as a ResultsError."""
    try:
        return frames_csv.read_frames(path)
    except frames_csv.FramesCsvError as exc:
        raise ResultsError(str(exc)) from exc




def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ResultsError(f"{path}: not readable JSON: {exc}") from exc
    except RecursionError as exc:
        raise ResultsError(f"{path}: not readable JSON: nested too deeply") from exc
    return data if isinstance(data, dict) else {}


def _side(key: str, data: dict[str, Any]) -> SideResults:
    records = SideResult.from_json(key, data)
    return SideResults(
        key=key,
        holds=records.holds,
        faults=records.faults,
        fault_time_s=records.fault_time_s,
        hint_time_s=records.hint_time_s,
        peak_hip_extension_deg=as_number(data.get("peak_hip_extension_deg")),
        peak_time_s=as_number(data.get("peak_hip_extension_time_s")),
        median_hip_extension_deg=as_number(data.get("median_hip_extension_deg")),
        done=records.done,
    )


def _fill_from_frames(side: SideResults, frames: FrameTable) -> None:
    """Peak/median hip extension from frames.csv where the summary did not give them.

    Frames counted: this side, view usable, and (when the session state was recorded) in
    a timed phase, so getting into position does not count.
    """
    if len(frames) == 0 or not side.done:
        return
    hip = frames.num("hip_extension_deg")
    t = frames.num("time_s")
    mask = np.isfinite(hip) & (frames.num("view_ok") == 1)
    if side.key in ("L", "R"):
        mask &= frames.text("side") == side.key
    phases = frames.text("phase")
    timed = np.isin(phases, TIMED_PHASES)
    if (mask & timed).any():
        mask &= timed
    if not mask.any():
        return
    idx = np.flatnonzero(mask)
    best = idx[int(np.argmax(hip[idx]))]
    if not math.isfinite(side.peak_hip_extension_deg):
        side.peak_hip_extension_deg = float(hip[best])
    if not math.isfinite(side.peak_time_s):
        side.peak_time_s = _peak_time(side.peak_hip_extension_deg, hip, t, idx, best)
    if not math.isfinite(side.median_hip_extension_deg):
        side.median_hip_extension_deg = float(np.median(hip[idx]))


def _peak_time(peak: float, hip: np.ndarray, t: np.ndarray, idx: np.ndarray, best: int) -> float:
    # The summary's peak may be computed on slightly different frames: take the frame
    # whose value is closest to it, so the key frame shows the reported number.
    closest = idx[int(np.argmin(np.abs(hip[idx] - peak)))]
    return float(t[closest if math.isfinite(peak) else best])


def _view_quality(summary: dict[str, Any], frames: FrameTable) -> tuple[float, float]:
    """summary.json's view block, or the same figures from frames.csv when it is absent."""
    view = _dict(summary.get("view"))
    ok = as_number(view.get("view_ok_fraction"))
    angle = as_number(view.get("median_view_angle_deg"))
    detected = frames.num("pose_detected") == 1
    if not math.isfinite(ok) and detected.any():
        ok = float(np.mean(frames.num("view_ok")[detected] == 1))
    angles = frames.num("view_angle_deg")
    if not math.isfinite(angle) and np.isfinite(angles).any():
        angle = float(np.nanmedian(angles))
    return ok, angle


def _safety(exercise_id: str, summary: dict[str, Any]) -> list[str]:
    notes = _dict(summary.get("safety")).get("stop_when")
    if notes:
        return [str(n) for n in notes]
    if not exercise_id:
        return []
    try:  # the exercise definition is the source of truth for the notes
        return list(load_exercise(exercise_id).stop_when)
    except SpecError:
        return []


def _camera_note(summary: dict[str, Any]) -> str:
    note = _dict(summary.get("safety")).get("camera_note") or summary.get("camera_note")
    return str(note or "")


def _exercise(summary: dict[str, Any]) -> tuple[str, str]:
    ex = summary.get("exercise") or _dict(summary.get("recognition")).get("exercise_id") or ""
    return str(ex), str(summary.get("name") or ex)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def load_clip(
    out_dir: Path, summary: dict[str, Any] | None = None, frames: FrameTable | None = None
) -> ClipResults:
    """Read an analysed clip's folder (`summary` / `frames` given: use them instead of
    summary.json / frames.csv, as the analysis that just wrote them does).

    Raises ResultsError when there is nothing to read.
    """
    out_dir = Path(out_dir)
    summary = summary if summary is not None else _read_json(out_dir / "summary.json")
    frames = frames if frames is not None else read_frames(out_dir / "frames.csv")
    if not summary and len(frames) == 0:
        raise ResultsError(f"{out_dir}: no summary.json or frames.csv (not an output folder?)")
    sides = {k: _side(k, _dict(v)) for k, v in _dict(summary.get("sides")).items()}
    if not sides:  # no session summary yet: show the sides seen in the frames
        seen = sorted({s for s in frames.text("side") if s in ("L", "R")})
        sides = {k: SideResults(k, done=True) for k in seen}  # numbers from frames only
    for side in sides.values():
        _fill_from_frames(side, frames)
    exercise_id, exercise_name = _exercise(summary)
    ok, angle = _view_quality(summary, frames)
    clip = dict(_dict(summary.get("clip")))
    model = dict(_dict(summary.get("model")))
    return ClipResults(
        out_dir=out_dir,
        exercise_id=exercise_id,
        exercise_name=exercise_name or exercise_id or "unknown exercise",
        sides=sides,
        frames=frames,
        clip=clip,
        model={k: v for k, v in model.items() if v is not None},
        view_ok_fraction=ok,
        median_view_angle_deg=angle,
        oblique_fraction=as_number(_dict(summary.get("view")).get("oblique_fraction")),
        turn_advice=_text(_dict(summary.get("view")).get("turn_advice")),
        safety_notes=_safety(exercise_id, summary),
        camera_note=_camera_note(summary),
        client=summary.get("client"),
        raw=summary,
    )


# --------------------------------------------------------------------------- key numbers

# metric id -> (label, unit, True when a larger value is an improvement)
KEY_METRICS: dict[str, tuple[str, str, bool]] = {
    "good_form_hold_s": ("Good-form hold time", "s", True),
    "holds_complete": ("Holds completed", "", True),
    "peak_hip_extension_deg": ("Peak hip extension", "°", True),
    "median_hip_extension_deg": ("Median hip extension", "°", True),
    "time_in_fault_s": ("Time in fault (all cues)", "s", False),
    "contract_relax_gain_deg": ("Contract-relax gain", "°", True),
}
FAULT_PREFIX = "fault_s:"
# How a number without a value reads, the same in history, compare and the report: the
# side was not done in that session, or it was done and this number was not measured
# (no usable view, no contract-relax cycle).
NOT_DONE = "not done"
NOT_MEASURED = "-"
# Changes smaller than this, per unit, are within measurement noise: a verdict says "same".
NOISE_BY_UNIT: dict[str, float] = {"s": 1.0, "°": 2.0, "": 0.5}


def side_metrics(side: SideResults) -> dict[str, float]:
    """The per-side numbers kept in the history and compared between sessions.

    Time in fault per cue is stored as `fault_s:<cue>` (lower is better). A side that was
    not done has every number NaN (not measured), not 0.
    """
    if not side.done:
        return dict.fromkeys(KEY_METRICS, math.nan)
    values = {
        "good_form_hold_s": side.good_s,
        "holds_complete": float(side.holds_complete),
        "peak_hip_extension_deg": side.peak_hip_extension_deg,
        "median_hip_extension_deg": side.median_hip_extension_deg,
        "time_in_fault_s": side.total_fault_s,
        "contract_relax_gain_deg": side.total_gain_deg,
    }
    values.update({FAULT_PREFIX + cue: s for cue, s in side.fault_time_s.items()})
    return values


def side_done(values: dict[tuple[str, str], float], side: str) -> bool:
    """Whether `side` was done, from a session's stored numbers ((side, metric) -> value).

    A side not done has no good-form seconds: NaN (null) since summary.json and the
    history say "not done" explicitly, 0 s and 0 holds in rows written before. A side that
    was done has good-form seconds (a hold's confirming seconds count) or a complete hold;
    a done side that credited exactly 0 s and no complete hold reads as not done too, which
    says the same about it.
    """
    good = values.get((side, "good_form_hold_s"), math.nan)
    complete = values.get((side, "holds_complete"), math.nan)
    return (math.isfinite(good) and good > 0) or (math.isfinite(complete) and complete > 0)


def metric_label(metric: str) -> tuple[str, str, bool]:
    """(label, unit, higher_is_better) for a key metric or a `fault_s:<cue>` one."""
    if metric.startswith(FAULT_PREFIX):
        return f"Time in fault: {metric[len(FAULT_PREFIX):]}", "s", False
    return KEY_METRICS.get(metric, (metric, "", True))


def noise_threshold(metric: str) -> float:
    """The smallest change of `metric` that is more than measurement noise (1 s, 2°)."""
    return NOISE_BY_UNIT.get(metric_label(metric)[1], 0.0)


def noise_text() -> str:
    """The noise thresholds as one phrase, e.g. "1 s of time, 2° of angle"."""
    return f"{NOISE_BY_UNIT['s']:g} s of time, {NOISE_BY_UNIT['°']:g}° of angle"
