"""summary.json for one analysed clip: the session's holds and faults, angle statistics per
side, view quality, and what produced the numbers (model, versions).

`ClipStats` accumulates per-frame facts while frames stream through (a few floats per
frame, no images, in flat arrays of doubles: a live session of hours grows by kilobytes a
minute, not megabytes), and `build_summary` merges them with the session engine's summary.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from posecoach.exercises.guidance import turn_advice
from posecoach.measure.view import DEFAULT_GATE, DEFAULT_SCALE
from posecoach.registry import STAT_METRICS
from posecoach.schema import SessionResult, clean_json
from posecoach.types import TIMED_PHASES, FrameMetrics, FrameRecord

# A frame counts as filmed obliquely when the view failed and its angle (reported in
# degrees off side-on, as the view scale maps it) is past the gate's side-on limit.
OBLIQUE_ABOVE_DEG = DEFAULT_SCALE.degrees(DEFAULT_GATE.good_deg)


@dataclass
class ClipStats:
    """Running per-clip statistics, fed one FrameRecord at a time."""

    frames: int = 0
    detected: int = 0
    view_ok: int = 0
    view_angles: array = field(default_factory=lambda: array("d"))
    # frames turned too far from side-on to count: how many, their signed yaws, and the
    # postures and near sides seen in them
    oblique: int = 0
    oblique_yaws: array = field(default_factory=lambda: array("d"))
    oblique_postures: Counter = field(default_factory=Counter)
    oblique_near: Counter = field(default_factory=Counter)
    # (side, metric) -> time_s, value, time_s, value, ... for good-form frames of a timed
    # phase (hold, contract, relax): frames in fault, or with a fault cue up during its
    # grace time, are left out, so a peak is a peak in good form
    values: dict[tuple[str, str], array] = field(
        default_factory=lambda: defaultdict(lambda: array("d"))
    )

    def add(self, record: FrameRecord) -> None:
        self.frames += 1
        metrics = record.metrics
        if record.pose is None or metrics is None:
            return
        self.detected += 1
        self.view_ok += metrics.view_ok
        if math.isfinite(metrics.view_angle_deg):
            self.view_angles.append(metrics.view_angle_deg)
            if not metrics.view_ok and metrics.view_angle_deg > OBLIQUE_ABOVE_DEG:
                self._add_oblique(metrics)
        state = record.state
        if metrics.side is None or (state is not None and (
                state.phase not in TIMED_PHASES or not state.good_form)):
            return
        for name in STAT_METRICS:
            value = metrics.get(name)
            if math.isfinite(value):
                self.values[(metrics.side.value, name)].extend((record.time_s, value))

    def _add_oblique(self, metrics: FrameMetrics) -> None:
        self.oblique += 1
        if math.isfinite(metrics.view_yaw_deg):
            self.oblique_yaws.append(metrics.view_yaw_deg)
        self.oblique_postures[metrics.posture] += 1
        self.oblique_near[metrics.near_side] += 1

    def angle_summary(self) -> dict[str, dict[str, Any]]:
        """Per side: peak (with its time) and median of each statistic metric, over the
        side's good-form hold frames (timed phases; frames in fault excluded)."""
        out: dict[str, dict[str, Any]] = {}
        for (side, name), samples in sorted(self.values.items()):
            times, vals = np.frombuffer(samples, dtype=np.float64).reshape(-1, 2).T
            base = name.removesuffix("_deg")
            peak = int(np.argmax(vals))
            out.setdefault(side, {}).update(
                {
                    f"peak_{base}_deg": round(float(vals[peak]), 2),
                    f"peak_{base}_time_s": round(float(times[peak]), 3),
                    f"median_{base}_deg": round(float(np.median(vals)), 2),
                }
            )
        return out

    def view_summary(self) -> dict[str, Any]:
        median = float(np.median(self.view_angles)) if self.view_angles else math.nan
        return {
            "frames": self.frames,
            "pose_detected_frames": self.detected,
            "pose_detected_fraction": _ratio(self.detected, self.frames),
            "view_ok_fraction": _ratio(self.view_ok, self.detected),
            "median_view_angle_deg": round(median, 1) if math.isfinite(median) else None,
            "oblique_fraction": _ratio(self.oblique, self.detected),
            "turn_advice": self.turn_advice(),
        }

    def turn_advice(self) -> str | None:
        """How to turn for the frames that were too oblique to count: their median signed
        view, in the posture and with the near side seen most often among them."""
        if not self.oblique_yaws:
            return None
        posture = self.oblique_postures.most_common(1)[0][0]
        near = self.oblique_near.most_common(1)[0][0]
        return turn_advice(float(np.median(self.oblique_yaws)), posture, near)


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 0.0


def build_summary(
    clip: dict[str, Any],
    model: dict[str, Any],
    stats: ClipStats,
    session: SessionResult | None,
    recognition: dict[str, Any] | None,
    safety: dict[str, Any] | None,
) -> dict[str, Any]:
    """The summary.json document: session results with angle statistics merged per side."""
    summary: dict[str, Any] = {
        "clip": clip,
        "model": model,
        "view": stats.view_summary(),
        "exercise": None,
        "recognition": recognition,
    }
    angles = stats.angle_summary()
    summary["angles"] = angles
    if session is not None:
        summary.update(session.to_json())
        for side, block in summary.get("sides", {}).items():
            block.update(angles.get(side, {}))
    else:
        summary["sides"] = angles
    summary["safety"] = safety
    return clean_json(summary, digits=None)
