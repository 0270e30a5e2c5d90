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

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from posecoach.measure.trees import TreeEnsemble
from posecoach.resources import data_dir


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
    """Model from back-contour and landmark features to pelvic tilt / lumbar extension.

    Linear: value = intercept + sum(coef[name] * feature[name]). With `trees` set, the
    value is the boosted trees' estimate instead (`posecoach.measure.trees`; fitted by
    tools/calibrate/fit_pelvis_trees.py) and intercept/coef are unused. Feature names are
    those of `posecoach.measure.pelvis.ContourFeatures`, their "rel_" forms, the profile
    levels and the landmark metrics. `rmse_deg` is the held-out error of the fit,
    reported as the uncertainty of the estimate.
    """

    intercept: float = 0.0
    coef: dict[str, float] = field(default_factory=dict)
    rmse_deg: float = float("nan")
    trees: TreeEnsemble | None = None


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
    # The same for a lying body (|trunk inclination| >= 45 deg: the bench, the floor), or
    # None to use the two above in every posture. The back's outline against a bench
    # or the floor is another problem than kneeling upright, so each posture may have
    # its own features and settings, chosen on validation.
    pelvic_tilt_lying: PelvisModel | None = None
    lumbar_extension_lying: PelvisModel | None = None
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
    # Lying (the bench, the floor), the working leg's angles need its knee landmark at
    # least this visible, or None for MIN_VISIBILITY alone. Lying, BlazePose's knee point
    # is far off the joint on many of the frames it marks as less visible (the hanging
    # leg against the bench), so those frames get no number rather than a wrong one.
    lying_knee_min_visibility: float | None = None

    def pelvis_models(self, lying: bool) -> tuple[PelvisModel | None, PelvisModel | None]:
        """(pelvic tilt model, lumbar extension model) for this posture."""
        if lying and self.pelvic_tilt_lying is not None \
                and self.lumbar_extension_lying is not None:
            return self.pelvic_tilt_lying, self.lumbar_extension_lying
        return self.pelvic_tilt, self.lumbar_extension


# No correction at all (the plain approach of tools/bench_accuracy.py, and unit tests).
UNCALIBRATED = Calibration()

CALIBRATION_FILE = "calibration.json"
# The Calibration fields holding a PelvisModel (linear or trees).
PELVIS_MODELS = ("pelvic_tilt", "lumbar_extension", "pelvic_tilt_lying",
                 "lumbar_extension_lying")


class CalibrationError(Exception):
    """A calibration file that cannot be used. One line for the user."""


def _offset(d: dict | None) -> JointOffset:
    d = d or {}
    return JointOffset(float(d.get("up", 0.0)), float(d.get("anterior", 0.0)))


def _segment(d: dict | None) -> SegmentOffset:
    d = d or {}
    return SegmentOffset(float(d.get("along", 0.0)), float(d.get("across", 0.0)))


def _pelvis(d: dict | None) -> PelvisModel | None:
    if d is None:
        return None
    rmse = d.get("rmse_deg")
    trees = d.get("trees")
    return PelvisModel(
        float(d.get("intercept", 0.0)),
        {str(k): float(v) for k, v in (d.get("coef") or {}).items()},
        float(rmse) if rmse is not None else float("nan"),
        TreeEnsemble.from_json(trees) if trees is not None else None,
    )


def calibration_to_json(calib: Calibration) -> dict:
    """The calibration as plain JSON values (NaN as None)."""

    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [clean(v) for v in value]
        if isinstance(value, float) and value != value:
            return None
        return value

    trees = {name: model.trees for name in PELVIS_MODELS
             if (model := getattr(calib, name)) is not None and model.trees is not None}
    # asdict would copy every node table field by field; the trees have their own form
    plain = replace(calib, **{name: replace(getattr(calib, name), trees=None) for name in trees})
    document = clean(asdict(plain))
    for name, ensemble in trees.items():
        document[name]["trees"] = ensemble.to_json()
    return document


def calibration_from_json(d: dict) -> Calibration:
    """The inverse of calibration_to_json; absent keys keep the uncalibrated default."""
    base = Calibration()
    far = d.get("far_side")
    ankle = d.get("ankle") or {}
    knee_right = d.get("knee_facing_right")
    other = d.get("other_hip")
    outline = d.get("thigh_outline_offset_deg")
    lying_knee = d.get("lying_knee_min_visibility")

    def num(key: str) -> float:
        value = d.get(key)
        return float(value) if value is not None else getattr(base, key)

    return Calibration(
        hip=_offset(d.get("hip")),
        hip_per_deg=_offset(d.get("hip_per_deg")),
        other_hip=_offset(other) if other is not None else None,
        other_hip_per_deg=_offset(d.get("other_hip_per_deg")),
        far_side=(_offset(far[0]), _offset(far[1])) if far else None,
        shoulder=_offset(d.get("shoulder")),
        knee=_segment(d.get("knee")),
        knee_facing_right=_segment(knee_right) if knee_right is not None else None,
        ankle=AnkleOffset(_segment(ankle.get("shank")), float(ankle.get("down", 0.0))),
        pelvic_tilt=_pelvis(d.get("pelvic_tilt")),
        lumbar_extension=_pelvis(d.get("lumbar_extension")),
        pelvic_tilt_lying=_pelvis(d.get("pelvic_tilt_lying")),
        lumbar_extension_lying=_pelvis(d.get("lumbar_extension_lying")),
        hip_pelvis_offset_deg=num("hip_pelvis_offset_deg"),
        thigh_outline_offset_deg=float(outline) if outline is not None else None,
        z_scale=num("z_scale"),
        shoulder_width_ratio=num("shoulder_width_ratio"),
        hip_width_ratio=num("hip_width_ratio"),
        arch_lumbar_threshold_deg=num("arch_lumbar_threshold_deg"),
        lying_knee_min_visibility=float(lying_knee) if lying_knee is not None else None,
    )


def load_calibration(path: Path | None = None) -> Calibration:
    """The fitted calibration from models/calibration.json (or `path`)."""
    path = path or data_dir("models") / CALIBRATION_FILE
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        return calibration_from_json(document["calibration"])
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise CalibrationError(f"{path}: not a usable calibration file ({exc})") from exc


def save_calibration(calib: Calibration, path: Path, provenance: dict) -> Path:
    """Write the calibration with where it came from (command, data, split, date)."""
    document = {"provenance": provenance, "calibration": calibration_to_json(calib)}
    Path(path).write_text(_readable_json(document) + "\n", encoding="utf-8")
    return Path(path)


def _readable_json(document: dict) -> str:
    """Indented JSON, except that each tree node sits on one line (thousands of them)."""
    text = json.dumps(document, indent=2)
    for name in PELVIS_MODELS:
        model = document["calibration"].get(name) or {}
        nodes = (model.get("trees") or {}).get("nodes")
        if nodes:
            indented = json.dumps(nodes, indent=2)
            indented = "\n".join("        " + line if i else line
                                  for i, line in enumerate(indented.splitlines()))
            rows = ",\n".join(f"          {json.dumps(n)}" for n in nodes)
            compact = "[\n" + rows + "\n        ]"
            text = text.replace(indented, compact, 1)
    return text


DEFAULT_CALIBRATION = load_calibration()
