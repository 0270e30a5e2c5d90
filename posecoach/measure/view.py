"""Is the camera side-on, and are the needed joints in the picture?

The sagittal angles are only trustworthy when the camera looks at the body from
the side. How far it is from that is read from the body itself, three ways:

  widths: seen exactly side-on, the left and right shoulders (and hips) project onto
      each other; turned by theta, their image distance grows like sin(theta) times
      the body's width. Dividing by the trunk length (which a turn about the vertical
      does not shorten) removes distance and image size:
          theta = asin(width_px / (trunk_px * ratio))
      with `ratio` the width/trunk proportion of BlazePose landmarks (calibration).
  depth: BlazePose's relative z gives the left/right gap along the optical axis,
      so theta = atan2(|d xy|, z_scale * |d z| * image_width) for each pair.
  world: the metric world landmarks give the left -> right axis in 3-D directly:
      theta = atan2(|(dx, dy)|, |dz|).

The estimate is the median of the available ones (robust to one wild cue); the
tracker smooths it over time and decides `view_ok` with hysteresis.

Which way the body is turned (`signed_view_angle`): turning the chest towards the camera
brings the far shoulder and hip forward in the picture, in the direction the person faces;
turning the back towards it moves them the other way. So the far joint's offset from the
near one along the facing direction, against the joints' depth gap, gives a signed angle:
positive = chest turned towards the camera, negative = back turned towards it. Which joint
is near comes from the depth the model gives (world landmarks, else relative z).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from posecoach.landmarks import Landmark, Side, sided
from posecoach.measure import geometry as geo
from posecoach.measure.calibration import DEFAULT_CALIBRATION, Calibration
from posecoach.measure.frame import pair_midpoint
from posecoach.resources import data_dir
from posecoach.types import Pose

# Oblique when the smoothed view angle exceeds BAD_DEG; side-on again below GOOD_DEG.
BAD_DEG = 27.0
GOOD_DEG = 22.0
# A joint is in frame when its presence is at least this and it lies inside the image
# with this margin (fraction of the image size).
MIN_PRESENCE = 0.5
FRAME_MARGIN = 0.0
NEEDED_JOINTS = ("shoulder", "hip", "knee", "ankle")


@dataclass(frozen=True)
class ViewEstimate:
    """How far from side-on (degrees, NaN when unknown) and what is out of frame."""

    angle_deg: float
    from_widths_deg: float
    from_depth_deg: float
    from_world_deg: float
    in_frame: bool
    out_of_frame: tuple[str, ...] = ()


def _trunk_length(pose: Pose) -> float:
    sh = pair_midpoint(pose, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)
    hip = pair_midpoint(pose, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    return float(geo.norm(sh.xy - hip.xy)) if sh.ok and hip.ok else float("nan")


def _pair(pose: Pose, joint: str) -> tuple[np.ndarray, np.ndarray] | None:
    """(left, right) pixel positions when both are finite (visibility not required)."""
    left = pose.xy[int(sided(joint, Side.LEFT))]
    right = pose.xy[int(sided(joint, Side.RIGHT))]
    if np.all(np.isfinite(left)) and np.all(np.isfinite(right)):
        return left, right
    return None


def angle_from_widths(pose: Pose, calibration: Calibration = DEFAULT_CALIBRATION) -> float:
    """View angle (deg) from image shoulder/hip widths relative to trunk length."""
    trunk = _trunk_length(pose)
    if not (np.isfinite(trunk) and trunk > 0):
        return float("nan")
    angles = []
    for joint, ratio in (
        ("shoulder", calibration.shoulder_width_ratio),
        ("hip", calibration.hip_width_ratio),
    ):
        pair = _pair(pose, joint)
        if pair is not None:
            sine = float(geo.norm(pair[1] - pair[0])) / (trunk * ratio)
            angles.append(np.degrees(np.arcsin(np.clip(sine, 0.0, 1.0))))
    return float(np.mean(angles)) if angles else float("nan")


def angle_from_depth(pose: Pose, calibration: Calibration = DEFAULT_CALIBRATION) -> float:
    """View angle (deg) from the image gap vs the z gap of the shoulder and hip pairs."""
    width = pose.image_size[0]
    lateral, depth = 0.0, 0.0
    for joint in ("shoulder", "hip"):
        pair = _pair(pose, joint)
        li, ri = int(sided(joint, Side.LEFT)), int(sided(joint, Side.RIGHT))
        dz = pose.z[ri] - pose.z[li]
        if pair is None or not np.isfinite(dz):
            continue
        lateral += float(geo.norm(pair[1] - pair[0]))
        depth += abs(dz) * width * calibration.z_scale
    if lateral == 0.0 and depth == 0.0:
        return float("nan")
    return float(np.degrees(np.arctan2(lateral, depth)))


def angle_from_world(pose: Pose) -> float:
    """View angle (deg) from the 3-D left -> right axis of the world landmarks."""
    if pose.world is None:
        return float("nan")
    lateral, depth = 0.0, 0.0
    for joint in ("shoulder", "hip"):
        d = pose.world[int(sided(joint, Side.RIGHT))] - pose.world[int(sided(joint, Side.LEFT))]
        if np.all(np.isfinite(d)):
            lateral += float(np.hypot(d[0], d[1]))
            depth += abs(float(d[2]))
    if lateral == 0.0 and depth == 0.0:
        return float("nan")
    return float(np.degrees(np.arctan2(lateral, depth)))


def near_side(pose: Pose) -> Side | None:
    """The body side nearer the camera (shoulders and hips vote by depth), or None."""
    depth = pose.world[:, 2] if pose.world is not None else pose.z
    gap = 0.0
    for joint in ("shoulder", "hip"):
        d = depth[int(sided(joint, Side.RIGHT))] - depth[int(sided(joint, Side.LEFT))]
        if np.isfinite(d):
            gap += float(d)
    if gap == 0.0:
        return None
    return Side.LEFT if gap > 0 else Side.RIGHT  # smaller depth = nearer


def signed_view_angle(pose: Pose, facing: int) -> float:
    """Degrees off side-on with a sign: + chest turned towards the camera, - back turned
    towards it; NaN when the facing or the depth is unknown. Uses the world landmarks
    (metric, camera-aligned) when present, else pixels and relative z."""
    near = near_side(pose)
    if facing == 0 or near is None:
        return float("nan")
    far = near.other
    if pose.world is not None:
        points = pose.world
        scale = 1.0
    else:
        points = np.column_stack([pose.xy, pose.z * pose.image_size[0]])
        scale = DEFAULT_CALIBRATION.z_scale
    forward, depth = 0.0, 0.0
    for joint in ("shoulder", "hip"):
        d = points[int(sided(joint, far))] - points[int(sided(joint, near))]
        if np.all(np.isfinite(d)):
            forward += float(d[0]) * facing
            depth += abs(float(d[2])) * scale
    if forward == 0.0 and depth == 0.0:
        return float("nan")
    return float(np.degrees(np.arctan2(forward, depth)))


def out_of_frame(pose: Pose, sides: tuple[Side, ...] = (Side.LEFT, Side.RIGHT)) -> tuple[str, ...]:
    """Names ("left_knee", ...) of needed joints that are outside the image or absent."""
    w, h = pose.image_size
    mx, my = FRAME_MARGIN * w, FRAME_MARGIN * h
    missing = []
    for s in sides:
        for joint in NEEDED_JOINTS:
            i = int(sided(joint, s))
            x, y = pose.xy[i]
            inside = np.isfinite(x) and np.isfinite(y) and mx <= x <= w - mx and my <= y <= h - my
            if not inside or pose.presence[i] < MIN_PRESENCE:
                missing.append(f"{s.name.lower()}_{joint}")
    return tuple(missing)


def estimate_view(
    pose: Pose, side: Side | None = None, calibration: Calibration = DEFAULT_CALIBRATION
) -> ViewEstimate:
    """All view cues of one pose. Only the working leg must be in frame when known."""
    widths = angle_from_widths(pose, calibration)
    depth = angle_from_depth(pose, calibration)
    world = angle_from_world(pose)
    cues = [a for a in (widths, depth, world) if np.isfinite(a)]
    angle = float(np.median(cues)) if cues else float("nan")
    sides = (Side.LEFT, Side.RIGHT) if side is None else (side,)
    missing = out_of_frame(pose, sides)
    return ViewEstimate(angle, widths, depth, world, not missing, missing)


@dataclass(frozen=True)
class ViewGate:
    """Up to which view angle the measurements are trusted: set from the measured error
    against yaw (tools/bench/bench_accuracy.py --yaw-sweep; models/view_gate.json), not by
    hand. Oblique above `bad_deg`, side-on again below `good_deg` (hysteresis)."""

    bad_deg: float = BAD_DEG
    good_deg: float = GOOD_DEG


VIEW_GATE_FILE = "view_gate.json"


def _load_model_file(path: Path | None, name: str, what: str, build):
    """build(document) of the JSON file `path` (default models/NAME), or None when there
    is no such file; a file that is there but unusable is a one-line ValueError."""
    path = path or data_dir("models") / name
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        return build(document)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a usable {what} file ({exc})") from exc


def load_view_gate(path: Path | None = None) -> ViewGate:
    """The gate from models/view_gate.json, or the built-in default when there is none."""
    gate = _load_model_file(path, VIEW_GATE_FILE, "view gate", lambda d: ViewGate(
        float(d["bad_deg"]), float(d["good_deg"])))
    return gate if gate is not None else ViewGate()


DEFAULT_GATE = load_view_gate()


@dataclass(frozen=True)
class ViewScale:
    """What the view estimate reads, mapped to degrees off side-on.

    The estimate is a magnitude of noisy cues, so side-on it cannot read zero (noise only
    adds), and on a turned body it reads low (BlazePose pulls the far joints towards the
    near ones). The map is fitted on the validation bodies' yaw sweep
    (tools/calibrate/fit_view_scale.py; models/view_scale.json): increasing knots
    (raw_deg -> true_deg), interpolated linearly, flat below the first knot and one to
    one beyond the last. With no knots it is the identity. It is applied after the
    smoothing and is strictly increasing between the knots, so the gate, which is set on
    the raw estimate, decides exactly as before; only what is reported changes."""

    raw_deg: tuple[float, ...] = ()
    true_deg: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if len(self.raw_deg) != len(self.true_deg):
            raise ValueError("raw_deg and true_deg differ in length")
        for knots in (self.raw_deg, self.true_deg):
            if any(b <= a for a, b in zip(knots, knots[1:], strict=False)):
                raise ValueError("knots must be strictly increasing")

    def degrees(self, raw_deg: float) -> float:
        """The estimate `raw_deg` as degrees off side-on (NaN stays NaN)."""
        if not self.raw_deg or not math.isfinite(raw_deg):
            return raw_deg
        if raw_deg >= self.raw_deg[-1]:
            return min(90.0, self.true_deg[-1] + raw_deg - self.raw_deg[-1])
        return float(np.interp(raw_deg, self.raw_deg, self.true_deg))


VIEW_SCALE_FILE = "view_scale.json"


def load_view_scale(path: Path | None = None) -> ViewScale:
    """The map from models/view_scale.json, or the identity when there is none."""
    scale = _load_model_file(path, VIEW_SCALE_FILE, "view scale", lambda d: ViewScale(
        tuple(float(v) for v in d["raw_deg"]), tuple(float(v) for v in d["true_deg"])))
    return scale if scale is not None else ViewScale()


DEFAULT_SCALE = load_view_scale()


@dataclass
class ViewChecker:
    """Smoothed view angle (unsigned and signed) and a view_ok decision with hysteresis.

    The angles are averaged with time constant `time_constant_s` (a single wild frame
    does not flag the view); view_ok turns False above the gate's bad_deg and True again
    only below its good_deg, and is False whenever a needed joint is out of frame.
    `angle_deg` is the smoothed estimate the gate reads; `degrees_off` and `signed_deg`
    are it mapped by `scale` to degrees off side-on, what is reported and advised.
    """

    calibration: Calibration = DEFAULT_CALIBRATION
    time_constant_s: float = 0.5
    gate: ViewGate = DEFAULT_GATE
    scale: ViewScale = DEFAULT_SCALE
    angle_deg: float = float("nan")
    yaw_deg: float = float("nan")
    side_on: bool = True
    _last_time: float | None = field(default=None, repr=False)

    def update(self, pose: Pose | None, side: Side | None, time_s: float,
               facing: int = 0) -> tuple[bool, float]:
        """(view_ok, smoothed view angle in degrees) after this frame."""
        if pose is None:
            return False, self.angle_deg
        est = estimate_view(pose, side, self.calibration)
        alpha = self._alpha(time_s)
        self.angle_deg = _blend(self.angle_deg, est.angle_deg, alpha)
        self.yaw_deg = _blend(self.yaw_deg, signed_view_angle(pose, facing), alpha)
        if np.isfinite(self.angle_deg):
            if self.side_on and self.angle_deg > self.gate.bad_deg:
                self.side_on = False
            elif not self.side_on and self.angle_deg < self.gate.good_deg:
                self.side_on = True
        return bool(self.side_on and est.in_frame and np.isfinite(self.angle_deg)), self.angle_deg

    @property
    def degrees_off(self) -> float:
        """The smoothed estimate as degrees off side-on (NaN when unknown)."""
        return self.scale.degrees(self.angle_deg)

    @property
    def signed_deg(self) -> float:
        """degrees_off with the way the body is turned (+ chest towards the camera), NaN
        when that way is unknown."""
        if not math.isfinite(self.yaw_deg):
            return float("nan")
        return math.copysign(self.degrees_off, self.yaw_deg)

    def _alpha(self, time_s: float) -> float:
        if self._last_time is None:
            self._last_time = time_s
            return 1.0
        dt = max(time_s - self._last_time, 0.0)
        self._last_time = time_s
        return float(1.0 - np.exp(-dt / self.time_constant_s))

    def reset(self) -> None:
        self.angle_deg, self.yaw_deg, self.side_on, self._last_time = (
            float("nan"), float("nan"), True, None)


def _blend(current: float, new: float, alpha: float) -> float:
    """Exponential smoothing that starts at the first finite value and skips NaN."""
    if not np.isfinite(new):
        return current
    if not np.isfinite(current):
        return float(new)
    return float(current + alpha * (new - current))
