"""Every calibration constant of the metrics, in one place, with where it came from.

BlazePose's landmarks are not the anatomical joint centres that the domain notes
define the angles on (DOMAIN.md, "Reference joint centres"): its hip point sits
away from the femoral head, so the raw trunk-thigh angle reads too extended. The
correction here moves each landmark by a fixed offset expressed in the body's own
frame (fractions of the trunk length along the trunk axis and along the anterior
direction), so it is independent of image size, distance and facing.

Provenance: to be fitted by `python tools/calibrate_metrics.py` on the synthetic
ground-truth clips in sample_videos/ (side-on clips only, |yaw| <= 10 deg; the
oblique clip is held out), which prints the values to paste below and their
leave-one-clip-out errors. STATUS (2026-11-22): the clips were not rendered yet
when this was written, so DEFAULT_CALIBRATION is still the identity: no landmark
offsets, no pelvis models (pelvic_tilt / lumbar_extension / hip_extension_pelvis
are NaN), and the view ratios and arch threshold are anthropometric guesses (the
view ratios agree with a real side-on photo to within a few degrees).
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
class PelvisModel:
    """Linear model from back-contour features to pelvic tilt / lumbar extension.

    value = intercept + sum(coef[name] * feature[name]); feature names are those of
    `posecoach.pelvis.ContourFeatures`. `rmse_deg` is the leave-one-clip-out error of
    the fit, reported as the uncertainty of the estimate.
    """

    intercept: float = 0.0
    coef: dict[str, float] = field(default_factory=dict)
    rmse_deg: float = float("nan")


@dataclass(frozen=True)
class Calibration:
    """All constants the metrics use. `Calibration()` is the uncalibrated identity."""

    # The working leg's hip landmark -> its own femoral head.
    hip: JointOffset = JointOffset()
    # The working leg's hip landmark -> the OTHER femoral head, or None to use the other
    # hip landmark itself. BlazePose drags the hip landmark of a strongly flexed leg (the
    # front leg kneeling, the knee pulled to the chest) 0.1-0.15 trunk lengths down its
    # thigh on the rendered clips, while the working leg's thigh roughly continues the
    # trunk and its hip landmark stays put; so a calibrated tool places both hips from it.
    other_hip: JointOffset | None = None
    # (hip, other_hip) when the working leg is the one FARTHER from the camera (its hip
    # landmark then sits on the far side of the pelvis; perspective flips the other
    # hip's offset), or None to use hip / other_hip for both.
    far_side: tuple[JointOffset, JointOffset] | None = None
    # Shoulder pair midpoint -> mid-point of the glenohumeral centres.
    shoulder: JointOffset = JointOffset()
    # Working leg's ankle landmark -> ankle centre, in the shank frame (knee -> ankle).
    working_ankle: SegmentOffset = SegmentOffset()
    pelvic_tilt: PelvisModel | None = None
    lumbar_extension: PelvisModel | None = None
    # hip_extension_pelvis_deg = thigh angle from its posture reference - pelvic tilt +
    # this (the thigh angle at which the hip joint is neutral, see metrics.pelvis_metrics).
    hip_pelvis_offset_deg: float = 0.0
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

# Fitted by `python tools/calibrate_metrics.py` (PROVISIONAL: 4 clips).
FITTED = Calibration(
    hip=JointOffset(up=0.0301, anterior=-0.019),
    other_hip=JointOffset(up=0.0733, anterior=-0.0003),
    far_side=(JointOffset(up=0.0049, anterior=-0.0108), JointOffset(up=-0.0403, anterior=-0.0513)),
    shoulder=JointOffset(up=-0.0575, anterior=0.0068),
    working_ankle=SegmentOffset(along=0.0626, across=0.0481),
    hip_pelvis_offset_deg=5.29,
    pelvic_tilt=PelvisModel(
        intercept=-3.1714,
        coef={"rel_bend_deg": -0.90809, "rel_trunk_inclination_deg": -1.03324},
        rmse_deg=3.83,
    ),
    lumbar_extension=PelvisModel(
        intercept=-0.5096, coef={"rel_lordosis_depth": 244.95622}, rmse_deg=4.01
    ),
    arch_lumbar_threshold_deg=1.1,
)

DEFAULT_CALIBRATION = FITTED
