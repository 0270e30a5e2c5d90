"""Pelvic tilt and lumbar extension ESTIMATED from the back contour of the body mask.

No landmark marks the pelvis or the lumbar spine, so these are estimates, always
reported with their uncertainty (confidence capped at 0.5). The idea: along the trunk
line (mid-hip -> mid-shoulder) the posterior edge of the person's segmentation mask
traces the back. Arching the low back (lumbar extension) deepens the hollow above the
buttocks and turns the lower back contour against the trunk line; tilting the pelvis
forward turns the sacral / lower back contour with it. The profile is measured in the
body's own frame, in trunk lengths, so it does not depend on image size or facing.

    profile d(t): for t in PROFILE_LEVELS (0 = hip level, 1 = shoulder level) the
        distance, in trunk lengths, from the trunk line to the posterior mask edge,
        walking perpendicular to the trunk line towards the back.
    features (ContourFeatures): slopes of the contour (sacral, low back, upper back),
        their bend, and the depth of the lumbar hollow.
    relative features (ContourReference): each feature minus its running median for
        this person in this posture (upright / lying), plus the change of the trunk
        inclination and hip extension from their usual values.
    a linear model per estimate (coefficients in posecoach.measure.calibration, fitted by
        tools/calibrate_metrics.py on the rendered ground-truth clips).

Why relative: between people, the silhouette's shape (buttocks, belly, back muscles)
moves the absolute features several times more than an arching episode moves them
within one person, so no absolute model separates arching from normal; within one
person the shape is constant and the change from their own usual contour follows the
posture. The fitted models are linear in the relative features (the hollow deepening
for lumbar extension; the hollow, the sacral slope and the trunk pitch for the tilt).

Limits, in order of importance (how well it does is measured by
tools/bench/bench_accuracy.py and kept in the generated accuracy file):
  * the ABSOLUTE level is the population's: the estimate of a person's usual posture
    is the fitted intercept, whatever their real posture is. Someone who arches
    through the whole session looks normal; what is measured is the change from how
    they usually hold themselves.
  * a change of leg position that reshapes the buttock outline (knee to the chest)
    reads as arching.
  * the first second in each posture has no reference yet: the estimates are NaN.
  * real clothing, hair and lighting change the mask edge. Treat the numbers as a
    trend indicator with several degrees of uncertainty, never as a measurement.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from posecoach.measure import geometry as geo
from posecoach.measure.calibration import DEFAULT_CALIBRATION, Calibration, PelvisModel
from posecoach.measure.mask_edges import edge_distance, sample_mask
from posecoach.measure.running_median import RunningMedian

# Levels along the trunk line where the back is probed (0 = hip, 1 = shoulder).
PROFILE_LEVELS = np.round(np.arange(-0.1, 1.0001, 0.05), 3)
# How far behind the trunk line to look for the edge, and the step, in trunk lengths.
MAX_DEPTH = 0.8
DEPTH_STEP = 0.005
# A profile with fewer valid levels than this between hip and shoulder is not used.
MIN_VALID_FRACTION = 0.7


@dataclass(frozen=True)
class ContourFeatures:
    """Shape of the back contour, all in the body frame (degrees or trunk lengths).

    low_back_angle_deg: slope of the contour between t=0.05 and t=0.45 against the
        trunk line; negative = the contour comes forward going up from the buttocks
        into the lumbar hollow (about -10 on a real upright back; more negative
        when the low back arches).
    upper_back_angle_deg: the same between t=0.5 and t=0.9.
    sacral_angle_deg: the same between t=-0.1 and t=0.2 (buttock to sacrum).
    bend_deg: low_back_angle_deg - upper_back_angle_deg (more negative = more hollow).
    lordosis_depth: deepest hollow of the contour below the chord from t=0 to
        t=0.85, between t=0.15 and t=0.6, in trunk lengths (>= 0 when hollow).
    """

    low_back_angle_deg: float
    upper_back_angle_deg: float
    sacral_angle_deg: float
    bend_deg: float
    lordosis_depth: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def back_profile(
    mask: np.ndarray,
    mid_hip: np.ndarray,
    mid_shoulder: np.ndarray,
    facing: int,
    image_size: tuple[int, int],
) -> np.ndarray:
    """Posterior depth d(t) of the mask edge at PROFILE_LEVELS, in trunk lengths.

    mid_hip, mid_shoulder: image pixels (of `image_size`); the mask may have another
    resolution and is sampled in proportion. A level is NaN when the probe does not
    start inside the body or never leaves it within MAX_DEPTH.
    """
    w, h = image_size
    scale = np.array([mask.shape[1] / w, mask.shape[0] / h])
    axis = np.asarray(mid_shoulder, float) - np.asarray(mid_hip, float)
    length = float(geo.norm(axis))
    if not np.isfinite(length) or length <= 0:
        return np.full(PROFILE_LEVELS.shape, np.nan)
    up = axis / length
    back = -geo.anterior_of(up, facing)
    depths = np.arange(0.0, MAX_DEPTH + 1e-9, DEPTH_STEP)
    centres = np.asarray(mid_hip, float) + PROFILE_LEVELS[:, None] * length * up
    probes = centres[:, None, :] + depths[None, :, None] * length * back
    return edge_distance(sample_mask(mask, probes * scale), DEPTH_STEP)


def _slope_deg(profile: np.ndarray, lo: float, hi: float) -> float:
    """Least-squares slope of d(t) over lo <= t <= hi, as an angle (degrees)."""
    in_range = (lo - 1e-9 < PROFILE_LEVELS) & (hi + 1e-9 > PROFILE_LEVELS)
    sel = in_range & np.isfinite(profile)
    if sel.sum() < 3:
        return float("nan")
    slope = np.polyfit(PROFILE_LEVELS[sel], profile[sel], 1)[0]
    return float(np.degrees(np.arctan(slope)))


def _at(profile: np.ndarray, t: float) -> float:
    """d(t) interpolated over the valid levels."""
    ok = np.isfinite(profile)
    return float(np.interp(t, PROFILE_LEVELS[ok], profile[ok]))


def contour_features(profile: np.ndarray) -> ContourFeatures | None:
    """Features of a back profile, or None when too little of it was found."""
    core = (PROFILE_LEVELS >= 0) & (PROFILE_LEVELS <= 0.9)
    if np.isfinite(profile[core]).mean() < MIN_VALID_FRACTION:
        return None
    low = _slope_deg(profile, 0.05, 0.45)
    upper = _slope_deg(profile, 0.5, 0.9)
    sacral = _slope_deg(profile, -0.1, 0.2)
    a, b = _at(profile, 0.0), _at(profile, 0.85)
    mid = (PROFILE_LEVELS >= 0.15) & (PROFILE_LEVELS <= 0.6) & np.isfinite(profile)
    chord = a + (b - a) * PROFILE_LEVELS[mid] / 0.85
    depth = float(np.max(chord - profile[mid])) if mid.any() else float("nan")
    return ContourFeatures(low, upper, sacral, low - upper, depth)


# Relative features ("rel_<name>") need this many contour samples in the posture first.
REFERENCE_MIN_SAMPLES = 30
# The reference is the median of the last this many samples (60 s at 30 fps).
REFERENCE_WINDOW = 1800
# Postures with separate references: trunk within this of upright, or lying.
UPRIGHT_LIMIT_DEG = 45.0
# Landmark metrics whose change from the usual value is a feature too.
REFERENCE_LANDMARK_METRICS = ("trunk_inclination_deg", "hip_extension_deg")


@dataclass
class ContourReference:
    """The person's typical back contour, per posture: running medians of the features.

    A silhouette mixes posture with body shape (buttocks, belly, back muscles); on the
    rendered bodies the shape moves the features between people several times more
    than arching does. Within one person the shape is constant, so the change of a
    feature from that person's typical (median) value in the same posture measures
    posture change well. `update` returns {"rel_<feature>": feature - median} once
    REFERENCE_MIN_SAMPLES are in, else {}. Assumption (stated in the docs): the person
    spends most of the time in their normal form, so arching episodes stand out; a
    back that arches the whole time looks normal to the relative features.
    """

    min_samples: int = REFERENCE_MIN_SAMPLES
    window: int = REFERENCE_WINDOW
    _samples: dict[str, dict[str, RunningMedian]] = field(default_factory=dict, repr=False)
    _last: list[tuple[RunningMedian, float]] = field(default_factory=list, repr=False)

    def update(
        self,
        features: ContourFeatures,
        landmarks: dict[str, float],
        shape: dict[str, float] | None = None,
    ) -> dict[str, float]:
        """Relative features of this frame (the frame joins the reference first).

        `landmarks` are the frame's landmark metrics; those in REFERENCE_LANDMARK_METRICS
        get relative values too (e.g. how far the trunk leans from its usual angle).
        `shape` (profile_features) gets them level by level ("rel_prof_03"): where along
        the back the outline moved from this person's usual outline.
        """
        trunk = landmarks.get("trunk_inclination_deg", float("nan"))
        if not np.isfinite(trunk):
            return {}
        posture = "upright" if abs(trunk) < UPRIGHT_LIMIT_DEG else "lying"
        store = self._samples.setdefault(posture, {})
        values = features.as_dict()
        values.update({n: landmarks.get(n, float("nan")) for n in REFERENCE_LANDMARK_METRICS})
        values.update(shape or {})
        out = {}
        self._last = []
        for name, value in values.items():
            if not np.isfinite(value):
                continue
            samples = store.get(name)
            if samples is None:
                samples = store[name] = RunningMedian(self.window)
            samples.add(value)
            self._last.append((samples, value))
            if len(samples) >= self.min_samples:
                out[f"rel_{name}"] = value - samples.median()
        return out

    def repeat_last(self) -> None:
        """Add the last update's values again: a frame without a mask that carries the
        last masked frame's estimates (`posecoach.measure.silhouette`) counts in the
        reference as that frame once more, so the reference keeps covering the same time
        (REFERENCE_MIN_SAMPLES and REFERENCE_WINDOW are frames at the clip's rate)."""
        for samples, value in self._last:
            samples.add(value)

    def forget_last(self) -> None:
        """A new frame's mask comes: what repeat_last adds is that frame's update, or
        nothing if it makes none."""
        self._last = []

    def reset(self) -> None:
        self._samples.clear()
        self._last = []


def profile_features(profile: np.ndarray) -> dict[str, float]:
    """The back profile's shape as model features: d(t) at each level minus the mean over
    the levels ("prof_00" at hip level upwards), so that how far the edge sits from the
    trunk line (body build, clothing) drops out and the shape stays. An absolute model of
    these needs no reference, so it does not depend on how the person started."""
    ok = np.isfinite(profile)
    if ok.sum() < MIN_VALID_FRACTION * profile.size:
        return {}
    centred = profile - float(np.mean(profile[ok]))
    return {f"prof_{k:02d}": float(v) for k, v in enumerate(centred)}


def reads_relative_profile(*models: PelvisModel) -> bool:
    """Does any of `models` use a relative profile level ("rel_prof_NN")?"""
    for model in models:
        names = model.trees.features if model.trees is not None else tuple(model.coef)
        if any(name.startswith("rel_prof_") for name in names):
            return True
    return False


def apply_model(model: PelvisModel, features: ContourFeatures, extra: dict[str, float]) -> float:
    """intercept + sum(coef * feature); features may be contour, relative ("rel_...")
    or landmark ones (`extra`); a missing one makes the result NaN. A tree model
    (`PelvisModel.trees`) takes the same values and routes missing ones as fitted."""
    values = {**features.as_dict(), **extra}
    if model.trees is not None:
        return float(model.trees.predict(values))
    total = model.intercept
    for name, coef in model.coef.items():
        total += coef * values.get(name, float("nan"))
    return float(total)


def is_arching(
    values: dict[str, float], calibration: Calibration = DEFAULT_CALIBRATION
) -> bool | None:
    """Is the low back arching? None when lumbar_extension_deg is not available.

    A helper for the exercise rules: lumbar_extension_deg (an estimate) above the
    calibrated `arch_lumbar_threshold_deg`.
    """
    value = values.get("lumbar_extension_deg", float("nan"))
    if not np.isfinite(value):
        return None
    return bool(value > calibration.arch_lumbar_threshold_deg)
