"""Named metrics of one pose: the angles of DOMAIN.md, each with a confidence.

A metric is NaN (confidence 0) whenever a landmark it needs is missing or less
visible than `MIN_VISIBILITY`: a number here is always measured, never a guess.
The working side and facing come from outside (see `posecoach.measure.side`), so a caller
decides once per frame which leg is worked and which way the body faces.

Landmarks are first moved to the joint centres the domain notes define the angles
on (`Calibration`, fitted on rendered ground truth), then combined:

    hip_extension_deg       extension_from_line(mid_hip - mid_shoulder, thigh)
    thigh_to_vertical_deg   inclination_from_down(thigh)
    thigh_to_horizontal_deg elevation(thigh)
    knee_flexion_deg        joint_flexion(hip, knee, ankle) of the working leg
    other_knee_flexion_deg  the same for the other leg
    trunk_inclination_deg   inclination_from_up(mid_shoulder - mid_hip)

(signs in `posecoach.measure.geometry`; all positive = posterior / extension / above.) The
working thigh is knee - hip, except upright with a mask, where its direction comes from
the midline of its outline (`outline_thigh`, `posecoach.measure.thigh`): the landmarks alone
under-read a deep kneeling stretch.
pelvic_tilt_deg, lumbar_extension_deg and hip_extension_pelvis_deg are estimates
from the back contour of the segmentation mask (`posecoach.measure.pelvis`).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

from posecoach.landmarks import Landmark, Side, sided
from posecoach.measure import geometry as geo
from posecoach.measure.calibration import (
    DEFAULT_CALIBRATION,
    AnkleOffset,
    Calibration,
    JointOffset,
    SegmentOffset,
)
from posecoach.measure.pelvis import (
    ContourReference,
    apply_model,
    back_profile,
    contour_features,
    profile_features,
    reads_relative_profile,
)
from posecoach.measure.sagittal import stretch_xy
from posecoach.measure.silhouette import Silhouette, thigh_turn_deg, turned_thigh
from posecoach.measure.thigh import outline_axis

# A landmark whose visibility is below this is treated as not seen.
from posecoach.registry import METRIC_NAMES
from posecoach.types import HipGeometry, Pose

# A landmark whose visibility is below this is treated as not seen.
MIN_VISIBILITY = 0.5
# The pelvis numbers are estimates, not measurements: their confidence is capped.
ESTIMATE_CONFIDENCE = 0.5
# Of a left/right pair, a landmark this much less visible than its partner is
# ignored and the partner alone is used (side-on they project to the same place).
PAIR_VISIBILITY_GAP = 0.3

NAN = float("nan")
# Trunk inclination beyond which the body counts as lying (the thigh's reference
# direction is then the line of the surface, not the vertical, and the thigh outline
# is not used).
LYING_TRUNK_DEG = 45.0


@dataclass(frozen=True)
class Point:
    """A pixel position and how much it can be trusted (0 with NaN xy)."""

    xy: np.ndarray
    conf: float

    @property
    def ok(self) -> bool:
        # math on the two floats: ~100 calls a frame, np.all(np.isfinite()) cost 0.5 ms
        return self.conf > 0 and math.isfinite(self.xy[0]) and math.isfinite(self.xy[1])


MISSING = Point(np.array([NAN, NAN]), 0.0)


@dataclass(frozen=True)
class BodyPoints:
    """The joint centres the metrics use, calibrated, in image pixels."""

    mid_shoulder: Point
    mid_hip: Point
    hip: Point
    knee: Point
    ankle: Point
    other_hip: Point  # the top of the other thigh (its own hip landmark), for its knee
    other_knee: Point
    other_ankle: Point
    # Direction of the working thigh when it comes from the mask outline (upright, see
    # `outline_thigh`), else None: the thigh is then hip -> knee.
    thigh_axis: np.ndarray | None = None

    def thigh(self, hip: np.ndarray, knee: np.ndarray) -> np.ndarray:
        """The working thigh's direction: the outline's when there is one, else knee - hip."""
        return self.thigh_axis if self.thigh_axis is not None else knee - hip

    def stretched(self, factor: float) -> BodyPoints:
        """The points with image x multiplied by `factor` (`sagittal.foreshortening`:
        the side view back from a turned one); the same points for factor 1."""
        if factor == 1.0:
            return self

        def move(p: Point) -> Point:
            return p if not p.ok else Point(stretch_xy(p.xy, factor), p.conf)

        axis = None if self.thigh_axis is None else stretch_xy(self.thigh_axis, factor)
        moved = {
            f.name: move(getattr(self, f.name))
            for f in dataclasses.fields(self)
            if f.name != "thigh_axis"
        }
        return dataclasses.replace(self, thigh_axis=axis, **moved)

    @property
    def trunk_length(self) -> float:
        """Pixel distance mid-hip -> mid-shoulder (NaN when either is missing)."""
        return float(geo.norm(self.mid_shoulder.xy - self.mid_hip.xy))


@dataclass(frozen=True)
class MetricValues:
    """Metric name -> degrees (NaN when not measurable) and name -> confidence."""

    values: dict[str, float] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)
    hip_geometry: HipGeometry | None = None
    # What the frame's mask gave (None without a mask), for frames after it that have none.
    silhouette: Silhouette | None = None


def landmark_point(pose: Pose, landmark: Landmark, min_visibility: float = MIN_VISIBILITY) -> Point:
    """One landmark as a Point; MISSING when not finite or not visible enough."""
    i = int(landmark)
    xy = pose.xy[i]
    vis = float(pose.visibility[i])
    if not (math.isfinite(xy[0]) and math.isfinite(xy[1])) or not vis >= min_visibility:
        return MISSING
    return Point(np.asarray(xy, dtype=float), vis)


def pair_midpoint(pose: Pose, left: Landmark, right: Landmark) -> Point:
    """Midpoint of a left/right pair, or the clearly better seen one alone.

    In a side view the two project almost onto each other; the far one is often
    occluded and then less visible, and its position less reliable.
    """
    a = landmark_point(pose, left)
    b = landmark_point(pose, right)
    if a.ok and b.ok and abs(a.conf - b.conf) <= PAIR_VISIBILITY_GAP:
        return Point((a.xy + b.xy) / 2.0, min(a.conf, b.conf))
    best = max((a, b), key=lambda p: p.conf)
    return best if best.ok else MISSING


def _shift(
    point: Point, offset: JointOffset, up: np.ndarray, ant: np.ndarray, scale: float
) -> Point:
    if not point.ok or (offset.up == 0.0 and offset.anterior == 0.0):
        return point
    if not np.isfinite(scale):
        return MISSING
    return Point(point.xy + scale * (offset.up * up + offset.anterior * ant), point.conf)


def _shift_along(
    point: Point, origin: Point, offset: SegmentOffset, facing: int, scale: float
) -> Point:
    """`point` moved by `offset` in the frame of the segment origin -> point."""
    if not point.ok or (offset.along == 0.0 and offset.across == 0.0):
        return point
    if not (origin.ok and np.isfinite(scale)):
        return MISSING
    seg = point.xy - origin.xy
    length = float(geo.norm(seg))
    if length <= 0:
        return MISSING
    along = seg / length
    across = geo.rotate_deg(along, -90.0 * facing)
    return Point(point.xy + scale * (offset.along * along + offset.across * across), point.conf)


def _ankle(
    pose: Pose, side: Side, knee: Point, offset: AnkleOffset, facing: int, scale: float
) -> Point:
    """The ankle centre: the landmark moved by `offset.shank` in the shank frame (knee ->
    ankle landmark) and by `offset.down` straight down the image."""
    raw = landmark_point(pose, sided("ankle", side))
    ankle = _shift_along(raw, knee, offset.shank, facing, scale)
    if not ankle.ok or offset.down == 0.0:
        return ankle
    if not np.isfinite(scale):
        return MISSING
    return Point(ankle.xy + np.array([0.0, scale * offset.down]), ankle.conf)


def _midpoint(a: Point, b: Point) -> Point:
    if a.ok and b.ok:
        return Point((a.xy + b.xy) / 2.0, min(a.conf, b.conf))
    return a if a.ok else b


def _hips(pose: Pose, side: Side, calibration: Calibration) -> tuple[dict[Side, Point], Point]:
    """(calibration-ready hip landmarks per side, the hip point the body frame starts at).

    With `calibration.other_hip` set, both hips come from the WORKING leg's hip landmark
    (the other one's only when it is not seen); otherwise each is its own landmark and
    the frame starts at their pair midpoint.
    """
    if calibration.other_hip is None:
        own = {s: landmark_point(pose, sided("hip", s)) for s in Side}
        return own, pair_midpoint(pose, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    base = landmark_point(pose, sided("hip", side))
    if not base.ok:
        base = landmark_point(pose, sided("hip", side.other))
    return {side: base, side.other: base}, base


def raw_hip_angle(shoulder: Point, hip: Point, knee: Point, facing: int) -> float:
    """Hip extension (deg) of the raw landmarks: the thigh hip -> knee against the trunk
    line shoulder -> hip extended (`geometry.extension_from_line`); 0 when a point is
    missing (the hip offsets then take their value for a thigh continuing the trunk)."""
    if not (shoulder.ok and hip.ok and knee.ok):
        return 0.0
    value = float(geo.extension_from_line(hip.xy - shoulder.xy, knee.xy - hip.xy, facing))
    return value if np.isfinite(value) else 0.0


def at_angle(offset: JointOffset, per_deg: JointOffset, angle_deg: float) -> JointOffset:
    """`offset` + `angle_deg` * `per_deg`: a hip offset at this raw hip extension."""
    return JointOffset(
        up=offset.up + angle_deg * per_deg.up,
        anterior=offset.anterior + angle_deg * per_deg.anterior,
    )


def body_points(
    pose: Pose, side: Side, facing: int, calibration: Calibration = DEFAULT_CALIBRATION
) -> BodyPoints:
    """Calibrated joint centres of the working (`side`) and other leg and the trunk.

    The trunk offsets of `calibration` are applied in the body frame built from the
    raw trunk line: up = unit(mid_shoulder - hip point), anterior = `anterior_of(up)`,
    scaled by the raw trunk length. The hip offsets change linearly with the raw hip
    extension angle of the working leg (`raw_hip_angle`, `Calibration.hip_per_deg`);
    they place the hips of the pelvis (`mid_hip`) and the working thigh. The other
    thigh starts at its own hip landmark as BlazePose gives it (`other_hip`; the
    calibrated point when that landmark is not seen), and upright the other leg's knee
    and ankle are its landmarks as given too. The knee offset (one per facing)
    is applied in the frame of the thigh (its top -> knee landmark), the ankle offset
    partly in the frame of the shank (calibrated knee -> ankle landmark) and partly
    straight down the image (`AnkleOffset`). Without
    a trunk line no offset can be applied, so points that need one are MISSING then.
    """
    c = calibration
    raw_sh = pair_midpoint(pose, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)
    raw_hips, raw_hip = _hips(pose, side, c)
    axis = raw_sh.xy - raw_hip.xy
    scale = float(geo.norm(axis)) if raw_sh.ok and raw_hip.ok else NAN
    if np.isfinite(scale) and scale > 0:
        up = axis / scale
        ant = geo.anterior_of(up, facing)
    else:
        up = ant = np.array([NAN, NAN])
        scale = NAN
    own, other = c.hip, (c.hip if c.other_hip is None else c.other_hip)
    near = Side.RIGHT if facing > 0 else Side.LEFT
    if side is not near and c.far_side is not None:
        own, other = c.far_side
    raw_knees = {s: landmark_point(pose, sided("knee", s)) for s in Side}
    upright = np.isfinite(scale) and abs(geo.inclination_from_up(up, facing)) < LYING_TRUNK_DEG
    least = c.lying_knee_min_visibility
    if least is not None and np.isfinite(scale) and not upright and raw_knees[side].conf < least:
        raw_knees[side] = MISSING
    angle = raw_hip_angle(raw_sh, raw_hips[side], raw_knees[side], facing)
    hips = {
        side: _shift(raw_hips[side], at_angle(own, c.hip_per_deg, angle), up, ant, scale),
        side.other: _shift(
            raw_hips[side.other], at_angle(other, c.other_hip_per_deg, angle), up, ant, scale
        ),
    }
    # The other thigh runs from that leg's own hip landmark: BlazePose errs on one leg's
    # hip, knee and ankle together, so the hip offsets (fitted for the pelvis and the
    # working thigh) turn the other thigh away from its knee.
    own_other = landmark_point(pose, sided("hip", side.other))
    thigh_tops = {side: hips[side], side.other: own_other if own_other.ok else hips[side.other]}
    knee_offset = c.knee if facing < 0 or c.knee_facing_right is None else c.knee_facing_right
    knees = {s: _shift_along(raw_knees[s], thigh_tops[s], knee_offset, facing, scale)
             for s in Side}
    knee, other_knee = knees[side], knees[side.other]
    ankle = _ankle(pose, side, knee, c.ankle, facing, scale)
    other_ankle = _ankle(pose, side.other, other_knee, c.ankle, facing, scale)
    if upright:
        # Upright (the front leg of the kneeling stretches) the other leg is taken as
        # BlazePose gives it: the knee and ankle offsets, fitted over every posture, move
        # the front knee's angle off there, and lying they do not.
        as_given = (own_other, raw_knees[side.other],
                    landmark_point(pose, sided("ankle", side.other)))
        if all(p.ok for p in as_given):
            thigh_tops[side.other], other_knee, other_ankle = as_given
    mid_shoulder = _shift(raw_sh, c.shoulder, up, ant, scale)
    mid_hip = _midpoint(hips[side], hips[side.other])
    return BodyPoints(
        mid_shoulder=mid_shoulder,
        mid_hip=mid_hip,
        hip=hips[side],
        knee=knee,
        ankle=ankle,
        other_hip=thigh_tops[side.other],
        other_knee=other_knee,
        other_ankle=other_ankle,
        thigh_axis=outline_thigh(pose, mid_shoulder, mid_hip, hips[side], knee, facing, c),
    )


def outline_thigh(
    pose: Pose,
    mid_shoulder: Point,
    mid_hip: Point,
    hip: Point,
    knee: Point,
    facing: int,
    calibration: Calibration = DEFAULT_CALIBRATION,
) -> np.ndarray | None:
    """The working thigh's direction from its mask outline (`posecoach.measure.thigh`), turned by
    `calibration.thigh_outline_offset_deg`; None when that is not set, there is no mask,
    the body is not upright (|trunk inclination| >= LYING_TRUNK_DEG) or the outline is
    not trusted."""
    offset = calibration.thigh_outline_offset_deg
    if offset is None or pose.mask is None:
        return None
    if not (mid_shoulder.ok and mid_hip.ok and hip.ok and knee.ok):
        return None
    if not abs(geo.inclination_from_up(mid_shoulder.xy - mid_hip.xy, facing)) < LYING_TRUNK_DEG:
        return None
    axis = outline_axis(pose.mask, hip.xy, knee.xy, pose.image_size)
    if axis is None:
        return None
    angle = float(geo.inclination_from_down(axis, facing)) - offset
    return geo.direction_from_down(angle, facing)


def _measure(points: tuple[Point, ...], formula) -> tuple[float, float]:
    """(value, confidence) of a formula over points; NaN/0 when any is missing."""
    if not all(p.ok for p in points):
        return NAN, 0.0
    value = float(formula(*(p.xy for p in points)))
    if not np.isfinite(value):
        return NAN, 0.0
    return value, min(p.conf for p in points)


def landmark_metrics(points: BodyPoints, facing: int) -> MetricValues:
    """The landmark-based metrics (everything but the pelvis estimates)."""
    p = points
    f = facing
    table = {
        "hip_extension_deg": (
            (p.mid_shoulder, p.mid_hip, p.hip, p.knee),
            lambda sh, mh, h, k: geo.extension_from_line(mh - sh, p.thigh(h, k), f),
        ),
        "thigh_to_vertical_deg": (
            (p.hip, p.knee),
            lambda h, k: geo.inclination_from_down(p.thigh(h, k), f),
        ),
        "thigh_to_horizontal_deg": ((p.hip, p.knee), lambda h, k: geo.elevation(p.thigh(h, k))),
        "knee_flexion_deg": ((p.hip, p.knee, p.ankle), geo.joint_flexion),
        "other_knee_flexion_deg": ((p.other_hip, p.other_knee, p.other_ankle), geo.joint_flexion),
        "trunk_inclination_deg": (
            (p.mid_shoulder, p.mid_hip),
            lambda sh, mh: geo.inclination_from_up(sh - mh, f),
        ),
    }
    out = MetricValues()
    for name, (needed, formula) in table.items():
        out.values[name], out.confidence[name] = _measure(needed, formula)
    return out


def empty_metrics() -> MetricValues:
    """Every metric NaN with confidence 0 (no pose)."""
    return MetricValues({n: NAN for n in METRIC_NAMES}, {n: 0.0 for n in METRIC_NAMES})


def pelvis_metrics(
    pose: Pose,
    points: BodyPoints,
    facing: int,
    landmark_values: MetricValues,
    calibration: Calibration = DEFAULT_CALIBRATION,
    reference: ContourReference | None = None,
) -> MetricValues:
    """pelvic_tilt_deg, lumbar_extension_deg, hip_extension_pelvis_deg (estimates).

    NaN when there is no mask, no trunk line, too little back contour, or no fitted
    model in `calibration`. hip_extension_pelvis_deg is the thigh's angle from its
    reference direction in this posture (`thigh_from_posture_reference`) minus the
    estimated anterior pelvic tilt (tilting the pelvis forward flexes the hip for the
    same thigh) plus `calibration.hip_pelvis_offset_deg`, the femur's neutral angle.
    """
    names = ("pelvic_tilt_deg", "lumbar_extension_deg", "hip_extension_pelvis_deg")
    out = MetricValues({n: NAN for n in names}, {n: 0.0 for n in names})
    if pose.mask is None or not (points.mid_hip.ok and points.mid_shoulder.ok):
        return out
    trunk = landmark_values.values.get("trunk_inclination_deg", NAN)
    tilt_model, lumbar_model = calibration.pelvis_models(lying=abs(trunk) >= LYING_TRUNK_DEG)
    if tilt_model is None or lumbar_model is None:
        return out
    profile = back_profile(
        pose.mask, points.mid_hip.xy, points.mid_shoulder.xy, facing, pose.image_size
    )
    features = contour_features(profile)
    if features is None:
        return out
    extra = dict(landmark_values.values)
    shape = profile_features(profile)
    extra.update(shape)
    if reference is not None:
        # Relative profile levels cost a running median each: kept only for models that
        # read them.
        relative_shape = shape if reads_relative_profile(tilt_model, lumbar_model) else None
        extra.update(reference.update(features, landmark_values.values, relative_shape))
    conf = ESTIMATE_CONFIDENCE * min(points.mid_hip.conf, points.mid_shoulder.conf)
    tilt = apply_model(tilt_model, features, extra)
    lumbar = apply_model(lumbar_model, features, extra)
    if np.isfinite(tilt):
        out.values["pelvic_tilt_deg"], out.confidence["pelvic_tilt_deg"] = tilt, conf
    if np.isfinite(lumbar):
        out.values["lumbar_extension_deg"], out.confidence["lumbar_extension_deg"] = lumbar, conf
    _set_hip_extension_pelvis(out, landmark_values, tilt, conf, calibration)
    return out


def _set_hip_extension_pelvis(
    out: MetricValues, landmark_values: MetricValues, tilt: float, tilt_conf: float,
    calibration: Calibration,
) -> None:
    """hip_extension_pelvis_deg in `out` from this frame's thigh and `tilt`, when finite."""
    thigh, thigh_conf = thigh_from_posture_reference(landmark_values)
    value = hip_extension_pelvis(thigh, tilt, calibration)
    if np.isfinite(value):
        out.values["hip_extension_pelvis_deg"] = value
        out.confidence["hip_extension_pelvis_deg"] = min(tilt_conf, thigh_conf)


def hip_extension_pelvis(
    thigh_deg: float, pelvic_tilt_deg: float, calibration: Calibration = DEFAULT_CALIBRATION
) -> float:
    """The hip's extension against the pelvis: the thigh's angle from its posture
    reference (`thigh_from_posture_reference`) minus the anterior pelvic tilt plus the
    femur's neutral angle; NaN when either is NaN. (MetricsTracker composes it again
    from the smoothed thigh and tilt, so the three columns agree in frames.csv.)"""
    return thigh_deg - pelvic_tilt_deg + calibration.hip_pelvis_offset_deg


def thigh_from_posture_reference(values: MetricValues) -> tuple[float, float]:
    """(working thigh angle from where it points with the pelvis in neutral, confidence).

    Upright (|trunk_inclination| < LYING_TRUNK_DEG): thigh_to_vertical_deg (0 = straight
    down). Lying: -thigh_to_horizontal_deg (0 = along the surface, positive = hanging
    below it). Positive = extension; NaN when not measured.
    """
    trunk = values.values.get("trunk_inclination_deg", NAN)
    if not np.isfinite(trunk):
        return NAN, 0.0
    if abs(trunk) < LYING_TRUNK_DEG:
        name, sign = "thigh_to_vertical_deg", 1.0
    else:
        name, sign = "thigh_to_horizontal_deg", -1.0
    return sign * values.values.get(name, NAN), values.confidence.get(name, 0.0)


def compute_metrics(
    pose: Pose,
    side: Side,
    facing: int,
    calibration: Calibration = DEFAULT_CALIBRATION,
    reference: ContourReference | None = None,
    stretch: float = 1.0,
    carried: Silhouette | None = None,
) -> MetricValues:
    """All METRIC_NAMES for one pose (pelvis estimates included when a mask is there).

    `reference` is the stream's ContourReference (updated here); pelvis models that use
    relative features give NaN without one (a single image has no reference).
    `stretch` (`sagittal.foreshortening` of the view angle) undoes a camera turn for the
    landmark angles; the pelvis estimates read the mask as it is. `carried`: for a pose
    without a mask, the Silhouette of a recent frame with one (`posecoach.measure.silhouette`);
    with a mask, the result's `silhouette` is this frame's.
    """
    points = body_points(pose, side, facing, calibration)
    turn = None
    if pose.mask is not None:
        turn = thigh_turn_deg(_landmark_thigh(points), points.thigh_axis)
    elif carried is not None and carried.thigh_turn_deg is not None and points.hip.ok \
            and points.knee.ok:
        axis = turned_thigh(_landmark_thigh(points), carried.thigh_turn_deg)
        points = dataclasses.replace(points, thigh_axis=axis)
    out = empty_metrics()
    lm = landmark_metrics(points.stretched(stretch), facing)
    out.values.update(lm.values)
    out.confidence.update(lm.confidence)
    if pose.mask is None and carried is not None:
        est = carried_pelvis(carried, lm, calibration)
        if reference is not None:
            reference.repeat_last()
    else:
        if reference is not None:
            reference.forget_last()
        est = pelvis_metrics(pose, points, facing, lm, calibration, reference)
    out.values.update(est.values)
    out.confidence.update(est.confidence)
    silhouette = None
    if pose.mask is not None:
        silhouette = Silhouette(
            turn,
            pelvic_tilt=(est.values["pelvic_tilt_deg"], est.confidence["pelvic_tilt_deg"]),
            lumbar_extension=(est.values["lumbar_extension_deg"],
                              est.confidence["lumbar_extension_deg"]),
        )
    return dataclasses.replace(out, hip_geometry=hip_geometry(points), silhouette=silhouette)


def _landmark_thigh(points: BodyPoints) -> np.ndarray:
    return points.knee.xy - points.hip.xy


def carried_pelvis(
    carried: Silhouette, landmark_values: MetricValues,
    calibration: Calibration = DEFAULT_CALIBRATION,
) -> MetricValues:
    """The pelvis estimates of a frame without a mask: tilt and lumbar extension as
    `carried` had them, hip_extension_pelvis_deg composed with this frame's thigh."""
    tilt, tilt_conf = carried.pelvic_tilt
    lumbar, lumbar_conf = carried.lumbar_extension
    out = MetricValues(
        {"pelvic_tilt_deg": tilt, "lumbar_extension_deg": lumbar,
         "hip_extension_pelvis_deg": NAN},
        {"pelvic_tilt_deg": tilt_conf, "lumbar_extension_deg": lumbar_conf,
         "hip_extension_pelvis_deg": 0.0},
    )
    _set_hip_extension_pelvis(out, landmark_values, tilt, tilt_conf, calibration)
    return out


def hip_geometry(points: BodyPoints) -> HipGeometry | None:
    """The hip angle's lines from the points it is measured with, or None if unseen."""
    if not (points.hip.ok and points.knee.ok and points.mid_hip.ok and points.mid_shoulder.ok):
        return None
    trunk = points.mid_hip.xy - points.mid_shoulder.xy
    thigh = points.thigh(points.hip.xy, points.knee.xy)
    trunk_len, thigh_len = geo.norm(trunk), geo.norm(thigh)
    if not (trunk_len > 1e-6 and thigh_len > 1e-6):
        return None
    return HipGeometry(points.hip.xy, trunk / trunk_len, thigh / thigh_len)
