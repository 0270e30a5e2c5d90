"""MetricsTracker: one pose per frame in, one FrameMetrics out.

It holds the per-stream state the single-frame modules cannot: facing and working
side with hysteresis (`side`), the smoothed view angle (`view`), one-euro filters
per metric (`smoothing`), posture with a debounce, and body motion for stillness.

    tracker = MetricsTracker()
    for frame in frames:
        fm = tracker.update(estimator.estimate(frame), frame.time_s)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posecoach.landmarks import Side, sided
from posecoach.measure import geometry as geo
from posecoach.measure.calibration import DEFAULT_CALIBRATION, Calibration
from posecoach.measure.frame import (
    MIN_VISIBILITY,
    NAN,
    MetricValues,
    compute_metrics,
    empty_metrics,
    hip_extension_pelvis,
    landmark_point,
    thigh_from_posture_reference,
)
from posecoach.measure.orientation import gravity_ok
from posecoach.measure.pelvis import ContourReference
from posecoach.measure.sagittal import foreshortening
from posecoach.measure.side import SideTracker
from posecoach.measure.silhouette import SilhouetteCarry
from posecoach.measure.smoothing import MetricSmoother, OneEuroParams
from posecoach.measure.view import DEFAULT_GATE, ViewChecker, ViewGate, near_side
from posecoach.registry import LEG_METRICS
from posecoach.types import FrameMetrics, Pose

DEFAULT_SMOOTHING = OneEuroParams()
# Not filtered itself: composed from the smoothed metrics it is made of (_smooth).
COMPOSED_METRIC = "hip_extension_pelvis_deg"
# A view this many degrees from the one the references were learned under is a new view:
# the pelvis reference, the working side and the filters are learned again.
VIEW_CHANGE_DEG = 15.0
VIEW_SETTLE_S = 1.5
# Landmark angles stretched back to the body's sagittal plane (posecoach.measure.sagittal).
# Off: on the validation split it did not lower the hip or knee error, and on the yaw
# sweep the error past 30 deg is the landmarks', not the projection's (README, Camera
# angle; bench_accuracy --sagittal).
SAGITTAL_CORRECTION = False
# Confidence is scaled by this while the camera is oblique or joints leave the frame.
OBLIQUE_CONFIDENCE_FACTOR = 0.5
# Confidence of a value held by the smoother through a short dropout.
HELD_CONFIDENCE = 0.25
# Sum of trunk + thigh + shank landmark lengths as a fraction of standing height
# (anthropometric segment tables: about 0.29 + 0.245 + 0.246).
SEGMENTS_PER_HEIGHT = 0.78
# Posture: trunk inclination bands (degrees, positive leaning back) and debounce.
UPRIGHT_MAX_DEG = 35.0
LYING_MIN_DEG = 60.0
KNEELING_SHANK_MAX_DEG = 35.0
POSTURE_HOLD_S = 0.3
MOTION_TIME_CONSTANT_S = 0.25
MOTION_LANDMARKS = tuple(
    sided(j, s) for j in ("shoulder", "hip", "knee", "ankle") for s in (Side.LEFT, Side.RIGHT)
)


def classify_posture(pose: Pose, trunk_inclination_deg: float) -> str:
    """Coarse body position of one frame from the trunk angle and the shanks.

    upright trunk (|incl| < 35): "kneeling" when a shank lies within 35 degrees of
    the horizontal below its knee, else "standing"; leaning back past 60: "supine";
    forward past 60: "prone"; leaning back 35-60: "reclined"; otherwise "unknown".
    """
    incl = trunk_inclination_deg
    if not np.isfinite(incl):
        return "unknown"
    if abs(incl) < UPRIGHT_MAX_DEG:
        return "kneeling" if kneeling_side(pose) is not None else "standing"
    if incl >= LYING_MIN_DEG:
        return "supine"
    if incl <= -LYING_MIN_DEG:
        return "prone"
    return "reclined" if incl > 0 else "unknown"


def kneeling_side(pose: Pose) -> Side | None:
    """The leg whose shank lies within 35 degrees of the horizontal below its knee (the
    first such, left before right), or None."""
    for s in Side:
        hip = landmark_point(pose, sided("hip", s))
        knee = landmark_point(pose, sided("knee", s))
        ankle = landmark_point(pose, sided("ankle", s))
        if not (hip.ok and knee.ok and ankle.ok) or knee.xy[1] <= hip.xy[1]:
            continue
        if abs(float(geo.elevation(ankle.xy - knee.xy))) < KNEELING_SHANK_MAX_DEG:
            return s
    return None


def body_height_px(pose: Pose) -> float:
    """Standing height in pixels estimated from the longest leg and the trunk."""
    parts = []
    for a, b in (("shoulder", "hip"), ("hip", "knee"), ("knee", "ankle")):
        lengths = []
        for s in Side:
            pa, pb = landmark_point(pose, sided(a, s)), landmark_point(pose, sided(b, s))
            if pa.ok and pb.ok:
                lengths.append(float(geo.norm(pa.xy - pb.xy)))
        if not lengths:
            return float("nan")
        parts.append(max(lengths))
    return sum(parts) / SEGMENTS_PER_HEIGHT


@dataclass
class _Debounce:
    """A label that changes only after the new one has held for `hold_s`."""

    hold_s: float = POSTURE_HOLD_S
    value: str = "unknown"
    _candidate: str = "unknown"
    _since: float = 0.0

    def update(self, label: str, time_s: float) -> str:
        if label == self.value:
            self._candidate = label
        elif label != self._candidate:
            self._candidate, self._since = label, time_s
        elif time_s - self._since >= self.hold_s or self.value == "unknown":
            self.value = label
        return self.value


@dataclass
class _Motion:
    """Speed of the body in body heights per second, exponentially smoothed."""

    time_constant_s: float = MOTION_TIME_CONSTANT_S
    speed: float = float("nan")
    _last: tuple[float, np.ndarray, np.ndarray] | None = None

    def update(self, pose: Pose | None, time_s: float) -> float:
        if pose is None:
            self._last = None
            return self.speed
        idx = [int(i) for i in MOTION_LANDMARKS]
        xy = pose.xy[idx]
        seen = (pose.visibility[idx] >= MIN_VISIBILITY) & np.all(np.isfinite(xy), axis=1)
        height = body_height_px(pose)
        last, self._last = self._last, (time_s, xy, seen)
        if last is None or not np.isfinite(height) or height <= 0 or time_s <= last[0]:
            return self.speed
        both = seen & last[2]
        if not both.any():
            return self.speed
        dt = time_s - last[0]
        instant = float(np.median(geo.norm(xy[both] - last[1][both]))) / dt / height
        if not np.isfinite(self.speed):
            self.speed = instant
        else:
            self.speed += (1.0 - np.exp(-dt / self.time_constant_s)) * (instant - self.speed)
        return self.speed


class MetricsTracker:
    """Stateful metrics of one person's video stream.

    calibration: landmark offsets and estimate models (default: the fitted ones).
    side_hint: force the working side (e.g. the exercise session knows it).
    smoothing: one-euro settings for every metric, or None for raw values.
    view_gate: up to which view angle the view counts as side-on (default: the fitted one).
    sagittal_correction: undo the camera's turn in the landmark angles with the smoothed
        view angle (`posecoach.measure.sagittal.foreshortening`).
    """

    def __init__(
        self,
        calibration: Calibration = DEFAULT_CALIBRATION,
        *,
        side_hint: Side | None = None,
        smoothing: OneEuroParams | None = DEFAULT_SMOOTHING,
        view_gate: ViewGate | None = None,
        sagittal_correction: bool = SAGITTAL_CORRECTION,
    ):
        self.calibration = calibration
        self.sagittal_correction = sagittal_correction
        self._sides = SideTracker(side_hint=side_hint)
        self._view = ViewChecker(calibration, gate=view_gate or DEFAULT_GATE)
        self._smoother = MetricSmoother(smoothing) if smoothing is not None else None
        self._posture = _Debounce()
        self._motion = _Motion()
        self._contour = ContourReference()
        self._silhouette = SilhouetteCarry()
        self._side: Side | None = None
        self._learned_view: float | None = None
        self._settle_until = -np.inf
        self.view_changes = 0  # times the references were dropped for a new view
        self.last_raw: MetricValues = empty_metrics()

    @property
    def view_estimate_deg(self) -> float:
        """The smoothed view estimate as the gate reads it, before the view scale maps
        it to degrees off side-on (for fitting that scale)."""
        return self._view.angle_deg

    def set_side(self, side: Side | None) -> None:
        """Fix (or with None, release) the working side from outside."""
        self._sides.side_hint = side

    def update(self, pose: Pose | None, time_s: float) -> FrameMetrics:
        """Metrics of this frame; NaN values and pose_detected False when pose is None."""
        facing, side = self._sides.update(pose, time_s)
        view_ok, _ = self._view.update(
            pose, side, time_s, facing or self._sides.provisional_facing
        )
        if self._view_changed(time_s):
            self._relearn(time_s)
            facing, side = self._sides.update(pose, time_s)
        if time_s < self._settle_until:  # the pelvis reference waits for the new view
            self._contour.reset()
        motion = self._motion.update(pose, time_s)
        # Before facing is decided (the first few frames) measure with this
        # frame's own evidence; the reported facing stays 0 until then.
        raw = self._raw_metrics(pose, facing or self._sides.provisional_facing, side, time_s)
        self.last_raw = raw
        if side != self._side and self._smoother is not None:
            self._smoother.forget(LEG_METRICS)
        self._side = side
        values = self._smooth(raw, time_s) if self._smoother is not None else raw.values
        confidence = self._confidence(raw, values, view_ok)
        trunk = values.get("trunk_inclination_deg", float("nan"))
        posture = self._posture.update(
            classify_posture(pose, trunk) if pose is not None else "unknown", time_s
        )
        return FrameMetrics(
            time_s=time_s,
            pose_detected=pose is not None,
            side=side,
            facing=facing,
            view_ok=view_ok,
            view_angle_deg=self._view.degrees_off,
            view_yaw_deg=self._view.signed_deg,
            near_side=near_side(pose) if pose is not None else None,
            posture=posture,
            orientation_ok=gravity_ok(pose, posture, trunk),
            motion=motion,
            values=dict(values),
            confidence=confidence,
            hip_geometry=raw.hip_geometry,
        )

    def _raw_metrics(
        self, pose: Pose | None, facing: int, side: Side | None, time_s: float
    ) -> MetricValues:
        if pose is None or facing == 0:
            return empty_metrics()
        # Until the working side is decided, measure the leg this frame's own evidence
        # points to (the more extended one, as the side tracker judges), else the leg
        # nearer the camera (facing +1 shows the right side); the side field stays None.
        leg = side if side is not None else self._sides.provisional_side
        stretch = foreshortening(self._view.degrees_off) if self.sagittal_correction else 1.0
        carried = self._silhouette.recent(time_s, (leg, facing)) if pose.mask is None else None
        raw = compute_metrics(pose, leg, facing, self.calibration, self._contour, stretch,
                              carried)
        if raw.silhouette is not None:
            self._silhouette.remember(time_s, raw.silhouette, (leg, facing))
        return raw

    def _smooth(self, raw: MetricValues, time_s: float) -> dict[str, float]:
        """Every metric through its one-euro filter, except hip_extension_pelvis_deg: it is
        composed from the smoothed thigh and pelvic tilt instead, so the columns agree
        exactly and the composite (noisier than either part) does not drive a cutoff."""
        values = self._smoother.update(
            {k: v for k, v in raw.values.items() if k != COMPOSED_METRIC}, time_s
        )
        thigh, _ = thigh_from_posture_reference(MetricValues(values, raw.confidence))
        tilt = values.get("pelvic_tilt_deg", NAN)
        values[COMPOSED_METRIC] = hip_extension_pelvis(thigh, tilt, self.calibration)
        return values

    @staticmethod
    def _confidence(raw: MetricValues, values: dict[str, float], view_ok: bool) -> dict[str, float]:
        factor = 1.0 if view_ok else OBLIQUE_CONFIDENCE_FACTOR
        out = {}
        for name, value in values.items():
            conf = raw.confidence.get(name, 0.0)
            if not np.isfinite(value):
                conf = 0.0
            elif not np.isfinite(raw.values.get(name, float("nan"))):
                conf = HELD_CONFIDENCE  # held through a dropout
            out[name] = float(conf * factor)
        return out

    def _view_changed(self, time_s: float) -> bool:
        """Has the camera view moved by more than VIEW_CHANGE_DEG from the one the
        references were learned under? The first view seen becomes that view, and after
        a change the view it settles on (within VIEW_SETTLE_S) becomes the new one."""
        yaw = self._view.yaw_deg
        angle = yaw if np.isfinite(yaw) else self._view.angle_deg
        if not np.isfinite(angle):
            return False
        if self._learned_view is None or time_s < self._settle_until:
            self._learned_view = angle
            return False
        return abs(angle - self._learned_view) > VIEW_CHANGE_DEG

    def _relearn(self, time_s: float) -> None:
        """Drop what was learned under the old view: the pelvis contour reference, the
        working side and facing, and the filters; keep the view itself."""
        self._sides.reset()
        self._contour.reset()
        self._silhouette.reset()
        if self._smoother is not None:
            self._smoother.reset()
        self._side = None
        yaw = self._view.yaw_deg
        self._learned_view = yaw if np.isfinite(yaw) else self._view.angle_deg
        self._settle_until = time_s + VIEW_SETTLE_S
        self.view_changes += 1

    def reset(self) -> None:
        """Forget everything (a new video or a new person)."""
        self._sides.reset()
        self._view.reset()
        if self._smoother is not None:
            self._smoother.reset()
        self._posture = _Debounce()
        self._motion = _Motion()
        self._contour.reset()
        self._side = None
        self._learned_view = None
        self._settle_until = -np.inf
