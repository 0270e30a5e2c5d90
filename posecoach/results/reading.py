"""One analysed clip's outputs, read back from its folder for reports and the history.

`load_clip(out_dir)` reads summary.json (session, clip and model facts) and frames.csv and
returns a `ClipResults` with the same names whatever version of the summary wrote them:
what the summary lacks is derived from frames.csv (peak/median hip extension, view quality)
or from the exercise definition (safety notes). Nothing here draws or writes.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.exercises.spec import SpecError, load_exercise

TIMED_PHASES = ("hold", "contract", "relax")


class ResultsError(Exception):
    """An output folder that cannot be read. One line for the user."""


@dataclass(frozen=True)
class Hold:
    start_s: float
    end_s: float
    good_s: float
    target_s: float
    complete: bool


@dataclass(frozen=True)
class FaultEpisode:
    cue: str
    severity: str
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class Gain:
    rep: int
    cycle: int
    time_s: float
    gain_deg: float
    total_gain_deg: float


@dataclass
class SideResults:
    """One side ("L", "R", or "both" for exercises without sides)."""

    key: str
    holds: list[Hold] = field(default_factory=list)
    faults: list[FaultEpisode] = field(default_factory=list)
    fault_time_s: dict[str, float] = field(default_factory=dict)
    hint_time_s: dict[str, float] = field(default_factory=dict)
    peak_hip_extension_deg: float = math.nan
    peak_time_s: float = math.nan
    median_hip_extension_deg: float = math.nan
    gains: list[Gain] = field(default_factory=list)

    @property
    def good_s(self) -> float:
        return sum(h.good_s for h in self.holds)

    @property
    def holds_complete(self) -> int:
        return sum(h.complete for h in self.holds)

    @property
    def total_fault_s(self) -> float:
        return sum(self.fault_time_s.values())

    @property
    def total_gain_deg(self) -> float:
        """Sum over rounds of the last cycle's gain since the settling hold (NaN if none)."""
        last: dict[int, float] = {}
        for g in self.gains:
            if math.isfinite(g.total_gain_deg):
                last[g.rep] = g.total_gain_deg
        return sum(last.values()) if last else math.nan


@dataclass
class FrameTable:
    """frames.csv as columns: numeric columns as float arrays (NaN = empty), others as str."""

    columns: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.columns.get("time_s", ()))

    def num(self, name: str) -> np.ndarray:
        col = self.columns.get(name)
        return col if col is not None and col.dtype.kind == "f" else np.full(len(self), np.nan)

    def text(self, name: str) -> np.ndarray:
        col = self.columns.get(name)
        return col if col is not None and col.dtype.kind in "UO" else np.full(len(self), "")


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
    safety_notes: list[str]
    camera_note: str
    client: str | None
    raw: dict[str, Any]

    @property
    def duration_s(self) -> float:
        d = _num(self.clip.get("duration_s"))
        if math.isfinite(d):
            return d
        t = self.frames.num("time_s")
        return float(np.nanmax(t)) if len(t) and np.isfinite(t).any() else 0.0


# --------------------------------------------------------------------------- reading


_TEXT_COLUMNS = frozenset({"side", "phase", "cues", "posture"})


def read_frames(path: Path) -> FrameTable:
    """frames.csv into columns; an absent file gives an empty table."""
    if not path.is_file():
        return FrameTable({"time_s": np.zeros(0)})
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader, [])
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ResultsError(f"{path}: not a readable frames.csv ({exc})") from exc
    columns: dict[str, np.ndarray] = {}
    for i, name in enumerate(header):
        cells = [r[i] if i < len(r) else "" for r in rows]
        if name in _TEXT_COLUMNS:
            columns[name] = np.array(cells, dtype=object)
        else:
            columns[name] = np.array([_num(c) for c in cells], dtype=float)
    return FrameTable(columns)


def _num(value: Any) -> float:
    if value is None or isinstance(value, bool):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ResultsError(f"{path}: not readable JSON: {exc}") from exc
    return data if isinstance(data, dict) else {}


def _pick(data: dict[str, Any], *keys: str, default: Any = None) -> Any:
    """The first present, non-None value among `keys` (summary versions differ in names)."""
    for key in keys:
        if data.get(key) is not None:
            return data[key]
    return default


def _holds(items: list[dict[str, Any]]) -> list[Hold]:
    return [
        Hold(
            _num(h.get("start_s")),
            _num(h.get("end_s")),
            _num(_pick(h, "good_s", "good_form_s", default=0.0)),
            _num(h.get("target_s")),
            bool(_pick(h, "complete", "completed", default=False)),
        )
        for h in items
    ]


def _faults(items: list[dict[str, Any]]) -> list[FaultEpisode]:
    return [
        FaultEpisode(
            str(e.get("cue", "?")),
            str(e.get("severity", "fault")),
            _num(e.get("start_s")),
            _num(e.get("end_s")),
        )
        for e in items
    ]


def _gains(items: list[dict[str, Any]]) -> list[Gain]:
    return [
        Gain(
            int(_pick(g, "rep", default=0)),
            int(_pick(g, "cycle", default=0)),
            _num(g.get("time_s")),
            _num(g.get("gain_deg")),
            _num(g.get("total_gain_deg")),
        )
        for g in items
    ]


def _side(key: str, data: dict[str, Any]) -> SideResults:
    faults = _faults(_pick(data, "faults", "fault_episodes", default=[]))
    fault_time = _pick(data, "fault_time_s", "time_in_fault_s", default=None)
    if fault_time is None:  # derive from the episodes
        fault_time = {}
        for e in faults:
            if e.severity == "fault":
                fault_time[e.cue] = fault_time.get(e.cue, 0.0) + e.duration_s
    return SideResults(
        key=key,
        holds=_holds(data.get("holds", [])),
        faults=faults,
        fault_time_s={k: _num(v) for k, v in fault_time.items()},
        hint_time_s={k: _num(v) for k, v in data.get("hint_time_s", {}).items()},
        peak_hip_extension_deg=_num(data.get("peak_hip_extension_deg")),
        peak_time_s=_num(data.get("peak_hip_extension_time_s")),
        median_hip_extension_deg=_num(data.get("median_hip_extension_deg")),
        gains=_gains(_pick(data, "contract_relax", "contract_relax_gains", default=[])),
    )


def _session_part(summary: dict[str, Any]) -> dict[str, Any]:
    """The session engine's summary, wherever the pipeline put it."""
    for key in ("session", "exercise_summary"):
        if isinstance(summary.get(key), dict) and "sides" in summary[key]:
            return summary[key]
    return summary


def _fill_from_frames(side: SideResults, frames: FrameTable) -> None:
    """Peak/median hip extension from frames.csv where the summary did not give them.

    Frames counted: this side, view usable, and (when the session state was recorded) in
    a timed phase, so getting into position does not count.
    """
    if len(frames) == 0:
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
    view = _pick(summary, "view", "view_quality", default={}) or {}
    ok = _num(_pick(view, "ok_fraction", "view_ok_fraction", "fraction_view_ok"))
    angle = _num(_pick(view, "median_view_angle_deg", "median_angle_deg"))
    detected = frames.num("pose_detected") == 1
    if not math.isfinite(ok) and detected.any():
        ok = float(np.mean(frames.num("view_ok")[detected] == 1))
    angles = frames.num("view_angle_deg")
    if not math.isfinite(angle) and np.isfinite(angles).any():
        angle = float(np.nanmedian(angles))
    return ok, angle


def _safety(exercise_id: str, session: dict[str, Any], summary: dict[str, Any]) -> list[str]:
    notes = _pick(summary, "safety_notes", "stop_when", "safety", default=None)
    notes = notes or _pick(session, "safety_notes", "stop_when", default=None)
    if isinstance(notes, dict):  # the pipeline's {"stop_when": [...], "camera_note": ...}
        notes = notes.get("stop_when")
    if notes:
        return [str(n) for n in notes]
    if not exercise_id:
        return []
    try:  # the exercise definition is the source of truth for the notes
        return list(load_exercise(exercise_id).stop_when)
    except SpecError:
        return []


def _camera_note(summary: dict[str, Any], session: dict[str, Any]) -> str:
    safety = summary.get("safety")
    note = safety.get("camera_note") if isinstance(safety, dict) else None
    return str(note or _pick(summary, "camera_note", default=session.get("camera_note")) or "")


def _exercise(session: dict[str, Any], summary: dict[str, Any]) -> tuple[str, str]:
    ex = _pick(summary, "exercise", default=None) or _pick(session, "exercise", default="")
    if isinstance(ex, dict):
        return str(ex.get("id", "")), str(_pick(ex, "name", "id", default=""))
    ex = ex or (summary.get("recognition") or {}).get("exercise_id") or ""
    name = _pick(summary, "exercise_name", "name", default=None) or session.get("name", ex)
    return str(ex), str(name)


def load_clip(out_dir: Path, summary: dict[str, Any] | None = None) -> ClipResults:
    """Read an analysed clip's folder (`summary` given: use it instead of summary.json).

    Raises ResultsError when there is nothing to read.
    """
    out_dir = Path(out_dir)
    summary = summary if summary is not None else _read_json(out_dir / "summary.json")
    frames = read_frames(out_dir / "frames.csv")
    if not summary and len(frames) == 0:
        raise ResultsError(f"{out_dir}: no summary.json or frames.csv (not an output folder?)")
    session = _session_part(summary)
    sides = {k: _side(k, v or {}) for k, v in (session.get("sides") or {}).items()}
    if not sides:  # no session summary yet: show the sides seen in the frames
        seen = sorted({s for s in frames.text("side") if s in ("L", "R")})
        sides = {k: SideResults(k) for k in seen}
    for side in sides.values():
        _fill_from_frames(side, frames)
    exercise_id, exercise_name = _exercise(session, summary)
    ok, angle = _view_quality(summary, frames)
    clip = dict(_pick(summary, "clip", default={}) or {})
    model = dict(_pick(summary, "model", default={}) or {})
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
        safety_notes=_safety(exercise_id, session, summary),
        camera_note=_camera_note(summary, session),
        client=_pick(summary, "client", default=None),
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


def side_metrics(side: SideResults) -> dict[str, float]:
    """The per-side numbers kept in the history and compared between sessions.

    Time in fault per cue is stored as `fault_s:<cue>` (lower is better).
    """
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


def metric_label(metric: str) -> tuple[str, str, bool]:
    """(label, unit, higher_is_better) for a key metric or a `fault_s:<cue>` one."""
    if metric.startswith(FAULT_PREFIX):
        return f"Time in fault: {metric[len(FAULT_PREFIX):]}", "s", False
    return KEY_METRICS.get(metric, (metric, "", True))
