"""What happened in a session, as records and as a plain dict ready for JSON.

Times are seconds on the source's clock (FrameMetrics.time_s); angles are degrees. Sides
are keyed by `Side` in the records and by its value ("L", "R") in the summary; exercises
without sides use the key "both".
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from posecoach.exercises.spec import ExerciseSpec
from posecoach.landmarks import Side

BOTH = "both"


@dataclass(frozen=True)
class GainRecord:
    """Hip extension after one relax phase of a contract-relax cycle.

    hip_extension_deg: mean over the relax phase's last `gain_window_s` of good frames.
    gain_deg: change since the previous phase's end (the settling hold for cycle 1);
    total_gain_deg: change since the settling hold. NaN when not measured. Positive = the
    thigh went further behind the trunk line.
    """

    cycle: int
    time_s: float
    hip_extension_deg: float
    gain_deg: float
    total_gain_deg: float


@dataclass(frozen=True)
class HoldRecord:
    """One hold (for contract-relax: one round of settling hold plus cycles).

    good_s: credited good-form seconds (capped at target_s). complete: reached the target;
    otherwise the person left position (or the recording ended) first: a partial hold.
    """

    side: Side | None
    rep: int
    start_s: float
    end_s: float
    good_s: float
    target_s: float
    complete: bool
    baseline_hip_extension_deg: float = math.nan
    cycles: tuple[GainRecord, ...] = ()


@dataclass(frozen=True)
class Episode:
    """A stretch of time during a hold in which one cue's condition held.

    Faults are logged when they lasted past the grace period (so paused the timer); hints
    when they lasted long enough to be shown.
    """

    side: Side | None
    cue: str
    severity: str
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


def side_key(side: Side | None) -> str:
    return side.value if side is not None else BOTH


def summarize(
    spec: ExerciseSpec,
    holds: list[HoldRecord],
    episodes: list[Episode],
    start_s: float,
    end_s: float,
    done: bool,
) -> dict[str, Any]:
    """The session as a JSON-ready dict (NaN becomes None)."""
    sides = ["L", "R"] if spec.sides == "per_side" else [BOTH]
    per_side = {key: _side_summary(spec, key, holds, episodes) for key in sides}
    return _clean(
        {
            "exercise": spec.id,
            "name": spec.name,
            "camera_blind": spec.camera_blind,
            "camera_note": spec.camera_note,
            "protocol": {
                "sides": spec.sides,
                "hold_s": spec.dose.hold_s,
                "reps_per_side": spec.dose.reps_per_side,
                "rest_s": spec.dose.rest_s,
                "contract_relax": _protocol_cr(spec),
            },
            "start_s": start_s,
            "end_s": end_s,
            "completed": done,
            "sides": per_side,
        }
    )


def _protocol_cr(spec: ExerciseSpec) -> dict[str, Any] | None:
    cr = spec.contract_relax
    if cr is None:
        return None
    return {"contract_s": cr.contract_s, "relax_s": cr.relax_s, "cycles": cr.cycles}


def _side_summary(
    spec: ExerciseSpec, key: str, holds: list[HoldRecord], episodes: list[Episode]
) -> dict[str, Any]:
    mine = [h for h in holds if side_key(h.side) == key]
    eps = [e for e in episodes if side_key(e.side) == key]
    fault_time: dict[str, float] = defaultdict(float)
    hint_time: dict[str, float] = defaultdict(float)
    for e in eps:
        (fault_time if e.severity == "fault" else hint_time)[e.cue] += e.duration_s
    return {
        "holds": [_hold_dict(h) for h in mine],
        "holds_complete": sum(h.complete for h in mine),
        "holds_partial": sum(not h.complete for h in mine),
        "good_s": sum(h.good_s for h in mine),
        "faults": [_episode_dict(e) for e in eps],
        "fault_time_s": dict(fault_time),
        "hint_time_s": dict(hint_time),
        "contract_relax": [_gain_dict(g, h.rep) for h in mine for g in h.cycles],
    }


def _hold_dict(h: HoldRecord) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rep": h.rep,
        "start_s": h.start_s,
        "end_s": h.end_s,
        "good_s": h.good_s,
        "target_s": h.target_s,
        "complete": h.complete,
    }
    if h.cycles or not math.isnan(h.baseline_hip_extension_deg):
        out["baseline_hip_extension_deg"] = h.baseline_hip_extension_deg
    return out


def _episode_dict(e: Episode) -> dict[str, Any]:
    return {
        "cue": e.cue,
        "severity": e.severity,
        "start_s": e.start_s,
        "end_s": e.end_s,
        "duration_s": e.duration_s,
    }


def _gain_dict(g: GainRecord, rep: int) -> dict[str, Any]:
    return {
        "rep": rep,
        "cycle": g.cycle,
        "time_s": g.time_s,
        "hip_extension_deg": g.hip_extension_deg,
        "gain_deg": g.gain_deg,
        "total_gain_deg": g.total_gain_deg,
    }


def _clean(value: Any) -> Any:
    """Replace NaN with None (JSON has no NaN) and round floats to milliseconds/0.01 deg."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 3)
    return value
