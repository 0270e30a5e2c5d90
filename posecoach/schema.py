"""The results schema: what a session found, as typed records with one JSON form.

The session engine (posecoach.exercises.session) builds these while it runs and returns a
`SessionResult` from `finish()`; summary.json stores `SessionResult.to_json()`, and every
reader (report, history, compare) gets the same records back through `from_json`.

Times are seconds on the source's clock; angles are degrees; NaN is "not measured" and is
written to JSON as null. Sides are keyed "L", "R", or "both" for exercises without sides.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from posecoach.landmarks import Side
from posecoach.types import Severity

BOTH = "both"
NAN = math.nan


def side_key(side: Side | None) -> str:
    return side.value if side is not None else BOTH


def as_number(value: Any) -> float:
    """A JSON or CSV number as float; None, text and booleans are NaN."""
    if value is None or isinstance(value, bool):
        return NAN
    try:
        return float(value)
    except (TypeError, ValueError):
        return NAN


def _int(value: Any, default: int = 0) -> int:
    number = as_number(value)
    return int(number) if math.isfinite(number) and abs(number) < 2**31 else default


@dataclass(frozen=True)
class Gain:
    """Hip extension after one relax phase of a contract-relax cycle.

    hip_extension_deg: mean over the relax phase's last `gain_window_s` of good frames.
    gain_deg: change since the previous phase's end (the settling hold for cycle 1);
    total_gain_deg: change since the settling hold. Positive = the thigh went further
    behind the trunk line.
    """

    rep: int
    cycle: int
    time_s: float
    hip_extension_deg: float
    gain_deg: float
    total_gain_deg: float

    def to_json(self) -> dict[str, Any]:
        return {
            "rep": self.rep,
            "cycle": self.cycle,
            "time_s": self.time_s,
            "hip_extension_deg": self.hip_extension_deg,
            "gain_deg": self.gain_deg,
            "total_gain_deg": self.total_gain_deg,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Gain:
        return cls(
            _int(d.get("rep")), _int(d.get("cycle")), as_number(d.get("time_s")),
            as_number(d.get("hip_extension_deg")), as_number(d.get("gain_deg")),
            as_number(d.get("total_gain_deg")),
        )


@dataclass(frozen=True)
class Hold:
    """One hold (for contract-relax: one round of settling hold plus cycles).

    good_s: credited good-form seconds (capped at target_s). complete: reached the target;
    otherwise the person left the position (or the recording ended) first.
    """

    rep: int
    start_s: float
    end_s: float
    good_s: float
    target_s: float
    complete: bool
    side: Side | None = None
    baseline_hip_extension_deg: float = NAN
    cycles: tuple[Gain, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rep": self.rep,
            "start_s": self.start_s,
            "end_s": self.end_s,
            "good_s": self.good_s,
            "target_s": self.target_s,
            "complete": self.complete,
        }
        if self.cycles or not math.isnan(self.baseline_hip_extension_deg):
            out["baseline_hip_extension_deg"] = self.baseline_hip_extension_deg
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any], side: Side | None = None,
                  cycles: tuple[Gain, ...] = ()) -> Hold:
        return cls(
            _int(d.get("rep")), as_number(d.get("start_s")), as_number(d.get("end_s")),
            as_number(d.get("good_s")), as_number(d.get("target_s")),
            bool(d.get("complete", False)), side,
            as_number(d.get("baseline_hip_extension_deg")), cycles,
        )


@dataclass(frozen=True)
class Episode:
    """A stretch of time during a hold in which one cue's condition held.

    Faults are logged when they lasted past the grace period (so paused the timer); hints
    when they lasted long enough to be shown.
    """

    cue: str
    severity: Severity
    start_s: float
    end_s: float
    side: Side | None = None

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def to_json(self) -> dict[str, Any]:
        return {
            "cue": self.cue,
            "severity": self.severity,
            "start_s": self.start_s,
            "end_s": self.end_s,
            "duration_s": self.duration_s,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any], side: Side | None = None) -> Episode:
        try:
            severity = Severity(d.get("severity"))
        except ValueError:
            severity = Severity.FAULT
        return cls(str(d.get("cue", "?")), severity, as_number(d.get("start_s")),
                   as_number(d.get("end_s")), side)


def _side_of(key: str) -> Side | None:
    return Side(key) if key in ("L", "R") else None


@dataclass
class SideResult:
    """One side of a session: its holds, fault and hint episodes, contract-relax gains, and
    the seconds spent per cue (summed from the episodes unless given).

    done: whether the side was done; by default, whether it has a hold. A side not done
    has no numbers: its good-form seconds and hold counts are NaN ("not measured", null in
    JSON), never 0. Files written before `done` was stored say it by an empty hold list.
    """

    key: str
    holds: list[Hold] = field(default_factory=list)
    faults: list[Episode] = field(default_factory=list)
    fault_time_s: dict[str, float] = None  # type: ignore[assignment]
    hint_time_s: dict[str, float] = None  # type: ignore[assignment]
    done: bool = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.done is None:
            self.done = bool(self.holds)
        if self.fault_time_s is None:
            self.fault_time_s = self._time_in(Severity.FAULT)
        if self.hint_time_s is None:
            self.hint_time_s = self._time_in(Severity.HINT)

    def _time_in(self, severity: Severity) -> dict[str, float]:
        out: dict[str, float] = {}
        for e in self.faults:
            if e.severity == severity:
                out[e.cue] = out.get(e.cue, 0.0) + e.duration_s
        return out

    @property
    def gains(self) -> list[Gain]:
        return [g for h in self.holds for g in h.cycles]

    @property
    def good_s(self) -> float:
        """Credited good-form seconds over the holds; NaN when there is no hold."""
        return sum(h.good_s for h in self.holds) if self.holds else NAN

    @property
    def holds_complete(self) -> int:
        return sum(h.complete for h in self.holds)

    @property
    def total_gain_deg(self) -> float:
        """Sum over rounds of the last cycle's gain since the settling hold (NaN if none)."""
        last: dict[int, float] = {}
        for g in self.gains:
            if math.isfinite(g.total_gain_deg):
                last[g.rep] = g.total_gain_deg
        return sum(last.values()) if last else NAN

    def to_json(self) -> dict[str, Any]:
        return {
            "done": self.done,
            "holds": [h.to_json() for h in self.holds],
            "holds_complete": self.holds_complete if self.done else None,
            "holds_partial": sum(not h.complete for h in self.holds) if self.done else None,
            "good_s": self.good_s,
            "faults": [e.to_json() for e in self.faults],
            "fault_time_s": self.fault_time_s,
            "hint_time_s": self.hint_time_s,
            "contract_relax": [g.to_json() for g in self.gains],
        }

    @classmethod
    def from_json(cls, key: str, d: Mapping[str, Any]) -> SideResult:
        side = _side_of(key)
        gains = [Gain.from_json(g) for g in _list(d.get("contract_relax"))]
        holds = []
        for h in _list(d.get("holds")):
            rep = _int(h.get("rep"))
            holds.append(Hold.from_json(h, side, tuple(g for g in gains if g.rep == rep)))
        faults = [Episode.from_json(e, side) for e in _list(d.get("faults"))]
        done = False if d.get("done") is False else None  # else: whether it has a hold
        return cls(key, holds, faults, _seconds(d.get("fault_time_s")),
                   _seconds(d.get("hint_time_s")), done)


def _seconds(value: Any) -> dict[str, float] | None:
    if not isinstance(value, Mapping):
        return None
    return {str(k): as_number(v) for k, v in value.items()}


def _list(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


@dataclass(frozen=True)
class Protocol:
    """What the exercise prescribes (copied from its spec, so a result stands alone)."""

    sides: str
    hold_s: float
    reps_per_side: int
    rest_s: float
    contract_relax: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "sides": self.sides,
            "hold_s": self.hold_s,
            "reps_per_side": self.reps_per_side,
            "rest_s": self.rest_s,
            "contract_relax": self.contract_relax,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Protocol:
        cr = d.get("contract_relax")
        return cls(str(d.get("sides", "")), as_number(d.get("hold_s")),
                   _int(d.get("reps_per_side")), as_number(d.get("rest_s")),
                   dict(cr) if isinstance(cr, Mapping) else None)


@dataclass
class SessionResult:
    """A whole session: the exercise, what it prescribes, and every side's records.

    rules: the form rules the session applied, in their JSON form
    (posecoach.exercises.spec.Rule.to_json: cue, severity, conditions with their fault and
    clear thresholds), so a report drawn later shows the thresholds the cues used even if
    the exercise file has changed since. Empty in files written before they were stored.
    """

    exercise: str
    name: str
    camera_blind: bool
    camera_note: str
    protocol: Protocol
    start_s: float
    end_s: float
    completed: bool
    sides: dict[str, SideResult]
    rules: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The JSON form (NaN as None, floats rounded to 0.001)."""
        return clean_json({
            "exercise": self.exercise,
            "name": self.name,
            "camera_blind": self.camera_blind,
            "camera_note": self.camera_note,
            "protocol": self.protocol.to_json(),
            "start_s": self.start_s,
            "end_s": self.end_s,
            "completed": self.completed,
            "sides": {k: s.to_json() for k, s in self.sides.items()},
            "rules": self.rules,
        })

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> SessionResult:
        sides = d.get("sides") if isinstance(d.get("sides"), Mapping) else {}
        protocol = d.get("protocol") if isinstance(d.get("protocol"), Mapping) else {}
        return cls(
            str(d.get("exercise") or ""), str(d.get("name") or d.get("exercise") or ""),
            bool(d.get("camera_blind", False)), str(d.get("camera_note") or ""),
            Protocol.from_json(protocol), as_number(d.get("start_s")), as_number(d.get("end_s")),
            bool(d.get("completed", False)),
            {str(k): SideResult.from_json(str(k), v if isinstance(v, Mapping) else {})
             for k, v in sides.items()},
            [dict(r) for r in _list(d.get("rules"))],
        )


def clean_json(value: Any, digits: int | None = 3) -> Any:
    """A JSON-safe copy: NaN and infinities become None, tuples lists, numpy scalars plain
    numbers, and floats are rounded to `digits` (None: not rounded)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): clean_json(v, digits) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_json(v, digits) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalar
        return clean_json(value.item(), digits)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return round(value, digits) if digits is not None else value
    return value
