"""Every calibration constant of the metrics, in one place, with where it came from.

BlazePose's landmarks are not the anatomical joint centres that the domain notes
define the angles on (DOMAIN.md, "Reference joint centres"): its hip point sits
away from the femoral head, so the raw trunk-thigh angle reads too extended. The
correction here moves each landmark by an offset expressed in the body's own
frame (fractions of the trunk length along the trunk axis and along the anterior
direction), so it is independent of image size, distance and facing.

How it is fitted (`tools/calibrate/calibrate_metrics.py`, which prints the block
below and its held-out errors; the figures themselves live in the generated accuracy
file, not here): the hip offsets are robust least-squares lines on the raw hip extension
angle, because the hip landmark's offset from the femoral head follows the thigh angle
(one model for kneeling and lying), with their own intercepts for a working leg on the
far side; the shoulder offset is a median, the knee offset a median per facing. The
ankle's `down` is a least-squares fit (no intercept) of the offsets' components across
the shank, the only ones that move the knee angle, fixed to the image's down direction
because BlazePose's ankle point sits above the joint centre in every posture; its
`shank.along` is the median of what is left along the shank (`AnkleOffset`). Upright,
the thigh's direction comes from its mask outline, turned by `thigh_outline_offset_deg`
(the median, over upright frames, of the outline's angle from vertical minus the true
thigh_to_vertical_deg). The pelvis models are the linear feature sets with the lowest
held-out RMSE; the arching threshold sits between the good-form and arching held-out
predictions. The view ratios and z_scale are anthropometric guesses, not fitted.
Re-run the script whenever the clips or the metric code change.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class JointOffset:
    """Offset from a BlazePose landmark to the joint centre, in trunk lengths.

    up: along the trunk axis (mid-hip -> mid-shoulder), positive towards the head.
    anterior: perpendicular to it, positive the way the person faces.
    """

    up: float = 0.0
    anterior: float = 0.0


@dataclass(frozen=True)
class SegmentOffset:
    """Offset from a BlazePose landmark to the joint centre in a limb segment's frame.

    In trunk lengths. along: along the segment (proximal -> distal joint, e.g. hip ->
    knee for the thigh); across: perpendicular to it, positive towards the anterior
    side when the segment hangs straight down (the segment direction turned 90 degrees
    the other way from `geometry.anterior_of`), so it means the same for both facings.
    """

    along: float = 0.0
    across: float = 0.0


@dataclass(frozen=True)
class AnkleOffset:
    """Ankle landmark -> ankle centre: a part fixed to the shank plus one fixed to gravity.

    offset = shank (in the shank frame, knee -> ankle landmark; see SegmentOffset)
             + down * the image's downward unit vector (gravity, for a level camera),
    both in trunk lengths. On the rendered clips BlazePose puts its ankle point above
    the joint centre whatever the shank does: the ground-truth-minus-landmark offset,
    seen in image axes, points down in all 22 (clip, leg) medians, by 0.02-0.07 trunk
    lengths in 21 of them (hanging off a bench, lying along it, flat on the floor behind a
    kneeling body, upright in front of it), while its component across the shank
    changes sign between those postures. The previous model (across offset turning
    with the foot's angle) could not tell a shank hanging off a bench from one lying on
    the floor and moved the hanging ankle 0.02 trunk lengths the wrong way.
    """

    shank: SegmentOffset = SegmentOffset()
    down: float = 0.0


@dataclass(frozen=True)
class PelvisModel:
    """Linear model from back-contour features to pelvic tilt / lumbar extension.

    value = intercept + sum(coef[name] * feature[name]); feature names are those of
    `posecoach.measure.pelvis.ContourFeatures`. `rmse_deg` is the leave-one-clip-out error of
    the fit, reported as the uncertainty of the estimate.
    """

    intercept: float = 0.0
    coef: dict[str, float] = field(default_factory=dict)
    rmse_deg: float = float("nan")


@dataclass(frozen=True)
class Calibration:
    """All constants the metrics use. `Calibration()` is the uncalibrated identity."""

    # The working leg's hip landmark -> its own femoral head, at a raw hip extension
    # angle of 0 (the working thigh continuing the trunk line).
    hip: JointOffset = JointOffset()
    # Change of the `hip` offset (and of `far_side`'s) per degree of raw hip extension
    # (the working thigh against the raw trunk line, as hip_extension_deg measures it
    # on the landmarks): BlazePose's hip point slides with the thigh, on the rendered
    # clips about 0.001 trunk lengths anterior per degree of extension in every posture
    # (from the flexed hips of constructive rest to the kneeling stretch).
    hip_per_deg: JointOffset = JointOffset()
    # The working leg's hip landmark -> the OTHER femoral head, or None to use the other
    # hip landmark itself. BlazePose drags the hip landmark of a strongly flexed leg (the
    # front leg kneeling, the knee pulled to the chest) 0.1-0.15 trunk lengths down its
    # thigh on the rendered clips, while the working leg's thigh roughly continues the
    # trunk and its hip landmark stays put; so a calibrated tool places both hips from it.
    other_hip: JointOffset | None = None
    # Change of the `other_hip` offset per degree of raw hip extension (as hip_per_deg).
    other_hip_per_deg: JointOffset = JointOffset()
    # (hip, other_hip) when the working leg is the one FARTHER from the camera (its hip
    # landmark then sits on the far side of the pelvis; perspective flips the other
    # hip's offset), or None to use hip / other_hip for both.
    far_side: tuple[JointOffset, JointOffset] | None = None
    # Shoulder pair midpoint -> mid-point of the glenohumeral centres.
    shoulder: JointOffset = JointOffset()
    # Knee landmark -> knee centre, in the thigh frame (hip centre -> knee landmark),
    # when the camera sees the body's left side (facing -1).
    knee: SegmentOffset = SegmentOffset()
    # The same when the camera sees the right side (facing +1), or None to use `knee`.
    # BlazePose is not mirror-symmetric here: on the rendered clips its knee point sits
    # about 0.02 trunk lengths further posterior of the joint with facing +1 (5 clips of
    # 5) than with facing -1 (about 0 in 5 clips of 6).
    knee_facing_right: SegmentOffset | None = None
    # Ankle landmark -> ankle centre: in the shank frame plus straight down the image.
    ankle: AnkleOffset = AnkleOffset()
    pelvic_tilt: PelvisModel | None = None
    lumbar_extension: PelvisModel | None = None
    # hip_extension_pelvis_deg = thigh angle from its posture reference - pelvic tilt +
    # this (the thigh angle at which the hip joint is neutral, see metrics.pelvis_metrics).
    hip_pelvis_offset_deg: float = 0.0
    # Upright, the working thigh's direction comes from the midline of its outline in
    # the mask (posecoach.measure.thigh), turned forward by this many degrees (the outline's
    # midline runs behind the femur axis); None: always the landmarks' hip -> knee.
    thigh_outline_offset_deg: float | None = None
    # View: scale between BlazePose's relative z and image x (z is "roughly" in the
    # units of normalised x; on side views its left/right spread is compressed).
    z_scale: float = 1.0
    # View: image-plane left/right width of the shoulders (resp. hips) divided by the
    # trunk length when the body is turned 90 degrees (facing the camera).
    shoulder_width_ratio: float = 0.75
    hip_width_ratio: float = 0.45
    # Arching flag: lumbar_extension_deg above this (an estimate; see pelvis.is_arching).
    arch_lumbar_threshold_deg: float = 10.0


# No correction at all (the plain approach of tools/bench_accuracy.py, and unit tests).
UNCALIBRATED = Calibration()

# Fitted by `python tools/calibrate_metrics.py --jobs 1` on the 11 side-on clips (see above;
# refit 2026-11-22 with the angle-dependent hip and the knee offsets, then the ankle's,
# then the pelvis models with the back edge placed between mask pixels, then the thigh
# outline's offset).
FITTED = Calibration(
    hip=JointOffset(up=0.0348, anterior=-0.0322),
    hip_per_deg=JointOffset(up=8.2e-05, anterior=0.001149),
    other_hip=JointOffset(up=0.0632, anterior=0.0048),
    other_hip_per_deg=JointOffset(up=0.000841, anterior=-0.000449),
    far_side=(JointOffset(up=-0.0075, anterior=-0.0328), JointOffset(up=-0.0052, anterior=-0.07)),
    shoulder=JointOffset(up=-0.0582, anterior=0.0076),
    knee=SegmentOffset(along=0.0017, across=-0.0046),
    knee_facing_right=SegmentOffset(along=0.0086, across=-0.0207),
    ankle=AnkleOffset(shank=SegmentOffset(along=0.0496, across=0.0), down=0.0461),
    thigh_outline_offset_deg=3.1,
    hip_pelvis_offset_deg=4.42,
    pelvic_tilt=PelvisModel(
        intercept=-3.3212,
        coef={
            "rel_lordosis_depth": 217.39132,
            "rel_sacral_angle_deg": -0.02736,
            "rel_trunk_inclination_deg": -0.92564,
        },
        rmse_deg=3.65,
    ),
    lumbar_extension=PelvisModel(
        intercept=-1.135, coef={"rel_lordosis_depth": 220.51584}, rmse_deg=3.87
    ),
    arch_lumbar_threshold_deg=0.7,
)

DEFAULT_CALIBRATION = FITTED
