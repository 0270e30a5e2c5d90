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

    # The near hip landmark (the side the camera sees) -> its own femoral head.
    hip: JointOffset = JointOffset()
    # The near hip landmark -> the FAR femoral head, or None to use the far hip
    # landmark itself. Side-on the far hip is hidden behind the pelvis and BlazePose
    # guesses it (on the rendered clips 0.1-0.15 trunk lengths down a flexed thigh),
    # so a calibrated tool places both hips from the seen one.
    far_hip: JointOffset | None = None
    # Shoulder pair midpoint -> mid-point of the glenohumeral centres.
    shoulder: JointOffset = JointOffset()
    # Knee landmark -> knee centre, in the thigh frame (hip -> knee).
    knee: SegmentOffset = SegmentOffset()
    # Ankle landmark -> ankle centre, in the shank frame (knee -> ankle).
    ankle: SegmentOffset = SegmentOffset()
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
    hip=JointOffset(up=0.0281, anterior=-0.0204),
    far_hip=JointOffset(up=0.0723, anterior=-0.0058),
    shoulder=JointOffset(up=-0.0617, anterior=0.0097),
    knee=SegmentOffset(along=-0.0037, across=-0.0101),
    ankle=SegmentOffset(along=0.0517, across=0.0262),
    pelvic_tilt=PelvisModel(
        intercept=-2.1991,
        coef={
            "rel_lordosis_depth": 230.2765,
            "rel_sacral_angle_deg": -0.29775,
            "rel_trunk_inclination_deg": -1.07387,
        },
        rmse_deg=4.2,
    ),
    lumbar_extension=PelvisModel(
        intercept=0.8868, coef={"rel_low_back_angle_deg": -1.03917}, rmse_deg=4.69
    ),
)

DEFAULT_CALIBRATION = FITTED
