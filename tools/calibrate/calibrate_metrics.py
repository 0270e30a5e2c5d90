"""Fit and validate the metric calibration on the ground-truth clips.

    python tools/calibrate/calibrate_metrics.py           # extract/cache poses, fit, print report
    python tools/calibrate/calibrate_metrics.py --jobs 2  # parallel BlazePose extraction

What it fits (all on side-on clips, |camera yaw| <= SIDE_ON_MAX_YAW):
  1. joint offsets: ground-truth joint centre minus the BlazePose landmark, in the
     body frame (trunk-axis "up", "anterior") divided by the trunk length: hips as a
     robust line on the raw hip extension angle (near and far working leg apart),
     the shoulders a median, the knee a median in the thigh frame per facing, the
     ankle a least-squares offset in the shank frame plus one straight down the image,
     and the angle from the working thigh's mask outline to its axis (a median over the
     upright frames; posecoach.measure.thigh);
  2. pelvis models: least squares from back-contour features (+ trunk angles) to
     ground-truth pelvic_tilt_deg and lumbar_extension_deg;
  3. the lumbar-extension threshold for the `arching` flag.
With --corpus DIR everything is fitted on the corpus's train split and every choice
(pelvis feature set, arching threshold) is made on its val split; --write stores the
result in models/calibration.json with its provenance. Without it, the sample clips are
used and validated leave-one-clip-out (a development check: they are not a test set).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np

from posecoach.landmarks import Landmark, Side, sided
from posecoach.measure import geometry as geo
from posecoach.measure.calibration import (
    CALIBRATION_FILE,
    AnkleOffset,
    Calibration,
    JointOffset,
    PelvisModel,
    SegmentOffset,
    save_calibration,
)
from posecoach.measure.frame import (
    LYING_TRUNK_DEG,
    MIN_VISIBILITY,
    body_points,
    landmark_metrics,
    landmark_point,
    pair_midpoint,
    raw_hip_angle,
)
from posecoach.measure.pelvis import (
    PROFILE_LEVELS,
    REFERENCE_LANDMARK_METRICS,
    ContourReference,
    back_profile,
    contour_features,
    profile_features,
)
from posecoach.measure.side import SideTracker
from posecoach.registry import ESTIMATED_METRICS, MEASURED_METRICS

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # run as a script: the repo's tools package
from posecoach.resources import data_dir  # noqa: E402
from tools.synth.gtclips import VIDEOS, Clip, iter_frames, load_clips, load_corpus  # noqa: E402

SIDE_ON_MAX_YAW = 10.0
LANDMARK_METRICS = MEASURED_METRICS
PELVIS_METRICS = ESTIMATED_METRICS
# Candidate feature sets for the pelvis models: contour features, their change from the
# person's own typical contour ("rel_", see pelvis.ContourReference), landmark metrics.
CONTOUR = ("low_back_angle_deg", "upper_back_angle_deg", "sacral_angle_deg", "bend_deg")
CONTOUR += ("lordosis_depth",)
FEATURE_SETS = (
    ("low_back_angle_deg",),
    ("lordosis_depth", "sacral_angle_deg", "trunk_inclination_deg"),
    ("low_back_angle_deg", "sacral_angle_deg", "lordosis_depth", "trunk_inclination_deg",
     "hip_extension_deg"),
    ("rel_low_back_angle_deg",),
    ("rel_bend_deg",),
    ("rel_lordosis_depth",),
    ("rel_low_back_angle_deg", "rel_sacral_angle_deg"),
    ("rel_low_back_angle_deg", "rel_lordosis_depth", "rel_sacral_angle_deg"),
    ("rel_sacral_angle_deg", "rel_trunk_inclination_deg"),
    ("rel_low_back_angle_deg", "rel_trunk_inclination_deg"),
    ("rel_bend_deg", "rel_trunk_inclination_deg"),
    ("rel_low_back_angle_deg", "rel_sacral_angle_deg", "rel_trunk_inclination_deg"),
    ("rel_bend_deg", "rel_sacral_angle_deg", "rel_trunk_inclination_deg"),
    ("rel_lordosis_depth", "rel_sacral_angle_deg", "rel_trunk_inclination_deg"),
    ("rel_low_back_angle_deg", "rel_sacral_angle_deg", "rel_hip_extension_deg"),
    (
        "rel_low_back_angle_deg",
        "rel_sacral_angle_deg",
        "rel_trunk_inclination_deg",
        "rel_hip_extension_deg",
    ),
)


# The back profile's shape (pelvis.profile_features): absolute, no reference needed.
PROFILE = tuple(f"prof_{k:02d}" for k in range(len(PROFILE_LEVELS)))
FEATURE_SETS += (
    PROFILE,
    (*PROFILE, "trunk_inclination_deg"),
    (*PROFILE, "trunk_inclination_deg", "hip_extension_deg"),
    (*PROFILE, "trunk_inclination_deg", "rel_lordosis_depth", "rel_sacral_angle_deg"),
)
# Ridge penalty (on standardised features) for the many-feature sets: the profile's
# levels are strongly correlated, and plain least squares would fit their noise.
RIDGE = 3.0


def side_on(clip: Clip) -> bool:
    return abs(clip.yaw_deg) <= SIDE_ON_MAX_YAW


def gt_side(clip: Clip, row: int) -> Side | None:
    value = str(clip.gt["side"][row]).strip().upper() if "side" in clip.gt else ""
    return {"L": Side.LEFT, "R": Side.RIGHT}.get(value)


def facings(clip: Clip) -> np.ndarray:
    """Our own facing decision per frame (+1/-1/0), as the tracker would see it."""
    tracker = SideTracker()
    out = np.zeros(clip.n, int)
    for i, _, pose in iter_frames(clip, with_mask=False):
        facing, _ = tracker.update(pose, float(clip.raw["time_s"][i]))
        out[i] = facing or tracker.provisional_facing
    return out


# ---------------------------------------------------------------- joint offsets

TRUNK_JOINTS = ("hip", "other_hip", "shoulder")
LEG_JOINTS = ("knee", "ankle")


def _trunk_frame(pose, side: Side):
    """(shoulder midpoint, working hip landmark, up, length) of the raw trunk, or None."""
    sh = pair_midpoint(pose, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)
    hip = landmark_point(pose, sided("hip", side), MIN_VISIBILITY)
    if not (sh.ok and hip.ok):
        return None
    axis = sh.xy - hip.xy
    length = float(geo.norm(axis))
    return (sh, hip, axis / length, length) if length > 0 else None


def trunk_offsets(
    clip: Clip, facing: np.ndarray, far_side: bool = False
) -> dict[str, list[np.ndarray]]:
    """Per frame (raw hip extension angle, up, anterior): body-frame offsets / trunk
    length of hip: working hip landmark -> its own GT hip; other_hip: working hip
    landmark -> the other GT hip; shoulder: shoulder pair midpoint -> GT mid-shoulder.
    Frames where the working leg is the near one, or with `far_side` the far one."""
    out: dict[str, list[np.ndarray]] = {j: [] for j in TRUNK_JOINTS}
    for i, row, pose in iter_frames(clip, with_mask=False):
        if pose is None or row < 0 or facing[i] == 0:
            continue
        f = int(facing[i])
        work = gt_side(clip, row)
        near = Side.RIGHT if f > 0 else Side.LEFT
        if work is None or (work is not near) != far_side:
            continue
        frame = _trunk_frame(pose, work)
        if frame is None:
            continue
        sh, hip, up, length = frame
        ant = geo.anterior_of(up, f)
        angle = raw_hip_angle(sh, hip, landmark_point(pose, sided("knee", work)), f)
        tag = {Side.LEFT: "l", Side.RIGHT: "r"}
        targets = {
            "hip": (hip.xy, clip.gt_joint("hip", tag[work])[row]),
            "other_hip": (hip.xy, clip.gt_joint("hip", tag[work.other])[row]),
            "shoulder": (
                sh.xy,
                (clip.gt_joint("shoulder", "l")[row] + clip.gt_joint("shoulder", "r")[row]) / 2,
            ),
        }
        for joint, (xy, gt) in targets.items():
            if np.all(np.isfinite(gt)):
                d = (gt - xy) / length
                out[joint].append(np.array([angle, d @ up, d @ ant]))
    return out


def leg_offsets(clip: Clip, facing: np.ndarray, calib: Calibration) -> dict[str, list[np.ndarray]]:
    """Per frame and leg, GT - landmark offsets in trunk lengths of
    knee: (facing, along, across) in the thigh frame (calibrated hip -> knee landmark);
    ankle: (along unit vector, across unit vector, offset) with the offset in image
    axes: the shank frame (knee as calibrated by `calib` -> ankle landmark) it was seen
    in, and the offset itself."""
    out: dict[str, list[np.ndarray]] = {j: [] for j in LEG_JOINTS}
    for i, row, pose in iter_frames(clip, with_mask=False):
        work = gt_side(clip, row) if row >= 0 else None
        if pose is None or work is None or facing[i] == 0:
            continue
        f = int(facing[i])
        pts = body_points(pose, work, f, calib)
        length = pts.trunk_length
        if not np.isfinite(length) or length <= 0:
            continue
        legs = ((work, pts.hip, pts.knee), (work.other, pts.other_hip, pts.other_knee))
        for s, hip, knee in legs:
            tag = {Side.LEFT: "l", Side.RIGHT: "r"}[s]
            raw_knee = landmark_point(pose, sided("knee", s), MIN_VISIBILITY)
            gt_knee = clip.gt_joint("knee", tag)[row]
            if hip.ok and raw_knee.ok and np.all(np.isfinite(gt_knee)):
                along, across = _segment_frame(hip.xy, raw_knee.xy, f)
                d = (gt_knee - raw_knee.xy) / length
                out["knee"].append(np.array([f, d @ along, d @ across]))
            ankle = landmark_point(pose, sided("ankle", s), MIN_VISIBILITY)
            gt = clip.gt_joint("ankle", tag)[row]
            if not (knee.ok and ankle.ok and np.all(np.isfinite(gt))):
                continue
            along, across = _segment_frame(knee.xy, ankle.xy, f)
            out["ankle"].append(np.r_[along, across, (gt - ankle.xy) / length])
    return out


def _segment_frame(origin: np.ndarray, end: np.ndarray, facing: int):
    """(along, across) unit vectors of a segment, as metrics._shift_along uses them."""
    seg = end - origin
    along = seg / float(geo.norm(seg))
    return along, geo.rotate_deg(along, -90.0 * facing)


def fit_ankle(samples: list[np.ndarray]) -> AnkleOffset:
    """`AnkleOffset.down` by least squares on the offsets' components across the shank
    (the only ones that move the knee angle; the image's down axis projected there, no
    intercept), robust to outliers by one refit without the residuals beyond 3 median
    absolute deviations; then `shank.along` as the median of what is left along it."""
    if len(samples) < 10:
        return AnkleOffset()
    a = np.array(samples)
    along, across, offset = a[:, 0:2], a[:, 2:4], a[:, 4:6]
    x, y = across[:, 1], np.sum(offset * across, axis=1)  # down . across, offset . across
    down = float(x @ y / (x @ x))
    r = np.abs(y - down * x)
    keep = r <= 3 * np.median(r) + 1e-9
    down = float(x[keep] @ y[keep] / (x[keep] @ x[keep]))
    rest = np.sum(offset * along, axis=1) - down * along[:, 1]
    shank = SegmentOffset(along=round(float(np.median(rest)), 4))
    return AnkleOffset(shank=shank, down=round(down, 4))


def _median(values: list[np.ndarray]) -> np.ndarray:
    return np.median(np.array(values), axis=0) if values else np.zeros(2)


def fit_linear_robust(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least squares of y on (1, x), refitted once without residuals beyond 3 median
    absolute deviations: (intercept, slope)."""
    a = np.c_[np.ones(len(x)), x]
    c, *_ = np.linalg.lstsq(a, y, rcond=None)
    r = y - a @ c
    keep = np.abs(r) <= 3 * np.median(np.abs(r)) + 1e-9
    c, *_ = np.linalg.lstsq(a[keep], y[keep], rcond=None)
    return c


def _pooled(clips: list[Clip], facing: dict[str, np.ndarray], far_side: bool):
    pooled: dict[str, list[np.ndarray]] = {j: [] for j in TRUNK_JOINTS}
    for c in clips:
        for joint, values in trunk_offsets(c, facing[c.name], far_side).items():
            pooled[joint].extend(values)
    return {j: np.array(v).reshape(-1, 3) for j, v in pooled.items()}


def _offset(v: np.ndarray) -> JointOffset:
    return JointOffset(up=round(float(v[0]), 4), anterior=round(float(v[1]), 4))


def fit_trunk(clips: list[Clip], facing: dict[str, np.ndarray]) -> Calibration:
    """Hip and shoulder offsets. Near-side frames: each hip offset component linear in the
    raw hip extension angle (robust least squares), the shoulder's the median. Far-side
    frames (fewer: two clips) keep the near side's slopes and get their own intercepts
    (medians of offset - slope * angle)."""
    near = _pooled(clips, facing, False)
    fits = {
        j: np.array([fit_linear_robust(near[j][:, 0], near[j][:, k]) for k in (1, 2)])
        for j in ("hip", "other_hip")
    }  # rows up/anterior, columns intercept/slope
    calib = Calibration(
        hip=_offset(fits["hip"][:, 0]),
        hip_per_deg=JointOffset(*(round(float(v), 6) for v in fits["hip"][:, 1])),
        other_hip=_offset(fits["other_hip"][:, 0]),
        other_hip_per_deg=JointOffset(*(round(float(v), 6) for v in fits["other_hip"][:, 1])),
        shoulder=_offset(_median(list(near["shoulder"][:, 1:]))),
    )
    far = _pooled(clips, facing, True)
    if len(far["hip"]):  # the working leg was the far one in some clips
        base = []
        for j in ("hip", "other_hip"):
            v = far[j]
            base.append(_offset(np.median(v[:, 1:] - np.outer(v[:, 0], fits[j][:, 1]), axis=0)))
        calib = replace(calib, far_side=(base[0], base[1]))
    return calib


def fit_offsets(clips: list[Clip], facing: dict[str, np.ndarray]) -> Calibration:
    """Landmark -> joint centre offsets fitted on all frames of `clips`: trunk, then the
    knee (median in the thigh frame, per facing), then the ankle (shank frame + down)."""
    calib = fit_trunk(clips, facing)

    def legs(calib: Calibration, joint: str) -> list[np.ndarray]:
        return [v for c in clips for v in leg_offsets(c, facing[c.name], calib)[joint]]

    knees = np.array(legs(calib, "knee")).reshape(-1, 3)
    by_facing = {
        f: SegmentOffset(*(float(v) for v in _median(list(knees[knees[:, 0] == f, 1:])).round(4)))
        for f in (-1, 1)
    }
    calib = replace(calib, knee=by_facing[-1], knee_facing_right=by_facing[1])
    calib = replace(calib, ankle=fit_ankle(legs(calib, "ankle")))
    return replace(calib, thigh_outline_offset_deg=fit_thigh_outline(clips, facing, calib))


def fit_thigh_outline(clips: list[Clip], facing: dict[str, np.ndarray], calib: Calibration):
    """thigh_outline_offset_deg: median over the upright frames of `clips` of the working
    thigh's outline angle from vertical minus the true thigh_to_vertical_deg (None when
    no frame has an outline)."""
    unturned = replace(calib, thigh_outline_offset_deg=0.0)
    residuals = []
    for c in clips:
        for i, row, pose in iter_frames(c):
            work = gt_side(c, row) if row >= 0 else None
            if pose is None or work is None or facing[c.name][i] == 0:
                continue
            f = int(facing[c.name][i])
            axis = body_points(pose, work, f, unturned).thigh_axis
            if axis is not None:
                truth = float(c.gt["thigh_to_vertical_deg"][row])
                residuals.append(float(geo.inclination_from_down(axis, f)) - truth)
    ok = np.isfinite(residuals)
    return round(float(np.median(np.array(residuals)[ok])), 2) if ok.any() else None


# ---------------------------------------------------------------- per-frame table


@dataclass
class FrameTable:
    """Per-frame rows over clips: estimates, ground truth, features, clip id."""

    clip: np.ndarray
    est: dict[str, np.ndarray]
    gt: dict[str, np.ndarray]
    feat: dict[str, np.ndarray]


def frame_table(clips: list[Clip], facing: dict[str, np.ndarray], calib: Calibration) -> FrameTable:
    """Landmark metrics with `calib` (using the GT working side) and contour features."""
    clip_ids, est, gt, feat = [], {}, {}, {}

    def push(store: dict[str, list], key: str, value: float) -> None:
        store.setdefault(key, []).append(value)

    for k, c in enumerate(clips):
        reference = ContourReference()
        for i, row, pose in iter_frames(c):
            side = gt_side(c, row) if row >= 0 else None
            if pose is None or side is None or facing[c.name][i] == 0:
                continue
            f = int(facing[c.name][i])
            points = body_points(pose, side, f, calib)
            lm = landmark_metrics(points, f)
            feats, shape = None, {}
            if pose.mask is not None and points.mid_hip.ok and points.mid_shoulder.ok:
                prof = back_profile(
                    pose.mask, points.mid_hip.xy, points.mid_shoulder.xy, f, pose.image_size
                )
                feats = contour_features(prof)
                shape = profile_features(prof)
            rel = reference.update(feats, lm.values, shape) if feats is not None else {}
            clip_ids.append(k)
            for name in LANDMARK_METRICS:
                push(est, name, lm.values[name])
            for name in (*LANDMARK_METRICS, *PELVIS_METRICS):
                push(gt, name, float(c.gt[name][row]) if name in c.gt else np.nan)
            phase = str(c.gt["phase"][row]) if "phase" in c.gt else ""
            push(gt, "phase", phase)
            klass = str(c.meta.get("scenario_class") or c.name)
            push(gt, "arch_fault", float(phase == "fault" and "arch" in klass))
            fdict = {**(feats.as_dict() if feats is not None else {}), **rel}
            for name in CONTOUR:
                push(feat, name, fdict.get(name, np.nan))
                push(feat, f"rel_{name}", fdict.get(f"rel_{name}", np.nan))
            for name in REFERENCE_LANDMARK_METRICS:
                push(feat, f"rel_{name}", fdict.get(f"rel_{name}", np.nan))
            for name in PROFILE:
                push(feat, name, shape.get(name, np.nan) if feats is not None else np.nan)
                push(feat, f"rel_{name}", fdict.get(f"rel_{name}", np.nan))
    as_arrays = {k: np.array(v) for k, v in est.items()}
    feat_arrays = {k: np.array(v) for k, v in feat.items()}
    feat_arrays.update(as_arrays)  # landmark metrics usable as features too
    return FrameTable(
        np.array(clip_ids), as_arrays, {k: np.array(v) for k, v in gt.items()}, feat_arrays
    )


def mae(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(mean absolute error over frames where both are finite, fraction of such frames)."""
    ok = np.isfinite(a) & np.isfinite(b)
    return (float(np.mean(np.abs(a[ok] - b[ok]))) if ok.any() else np.nan), float(ok.mean())


# ---------------------------------------------------------------- pelvis models


def fit_linear(table: FrameTable, target: str, names: tuple[str, ...], rows: np.ndarray):
    """[intercept, *coefficients] on the raw features: least squares, ridge-penalised on
    standardised features when there are many of them."""
    x = np.stack([table.feat[n][rows] for n in names], axis=1)
    y = table.gt[target][rows]
    ok = np.all(np.isfinite(x), axis=1) & np.isfinite(y)
    if ok.sum() < len(names) + 5:
        return None
    x, y = x[ok], y[ok]
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    penalty = RIDGE * len(y) / 1000.0 if len(names) > 5 else 0.0
    a = np.c_[np.ones(len(y)), z]
    reg = np.diag([0.0] + [penalty] * len(names))
    beta = np.linalg.solve(a.T @ a + reg, a.T @ y)
    coef = beta[1:] / scale
    return np.r_[beta[0] - coef @ mean, coef]


def predict(table: FrameTable, names: tuple[str, ...], coef: np.ndarray) -> np.ndarray:
    x = np.stack([table.feat[n] for n in names], axis=1)
    return coef[0] + x @ coef[1:]


def loco_predictions(table: FrameTable, target: str, names: tuple[str, ...]) -> np.ndarray:
    """Each clip's predictions by a linear model on `names` fitted on the other clips."""
    pred = np.full(table.clip.shape, np.nan)
    for k in np.unique(table.clip):
        coef = fit_linear(table, target, names, table.clip != k)
        if coef is not None:
            held = table.clip == k
            pred[held] = predict(table, names, coef)[held]
    return pred


def loco_errors(table: FrameTable, target: str, names: tuple[str, ...]) -> tuple[float, float]:
    """Leave-one-clip-out (MAE, RMSE) of a linear model on `names`."""
    pred = loco_predictions(table, target, names)
    err = pred - table.gt[target]
    ok = np.isfinite(err)
    if not ok.any():
        return np.nan, np.nan
    return float(np.mean(np.abs(err[ok]))), float(np.sqrt(np.mean(err[ok] ** 2)))


def fit_pelvis(table: FrameTable, target: str) -> tuple[PelvisModel | None, np.ndarray]:
    """The feature set with the lowest leave-one-clip-out RMSE, fitted on all clips, and
    its leave-one-clip-out predictions."""
    none = np.full(table.clip.shape, np.nan)
    if not np.isfinite(table.gt[target]).any():
        return None, none
    scored = []
    for names in FEATURE_SETS:
        m, r = loco_errors(table, target, names)
        print(f"  {target:22s} LOCO MAE {m:5.2f} RMSE {r:5.2f}  <- {', '.join(names)}")
        if np.isfinite(r):
            scored.append((r, len(names), m, names))
    if not scored:
        return None, none
    # Lowest RMSE (large misses, e.g. an arching episode read as normal, count most);
    # a smaller feature set wins unless a larger one is 0.05 deg better.
    best = min(scored)[0]
    r, _, m, names = min((x for x in scored if x[0] <= best + 0.05), key=lambda x: x[1])
    coef = fit_linear(table, target, names, np.ones(table.clip.shape, bool))
    model = PelvisModel(
        intercept=round(float(coef[0]), 4),
        coef={n: round(float(c), 5) for n, c in zip(names, coef[1:], strict=True)},
        rmse_deg=round(r, 2),
    )
    return model, loco_predictions(table, target, names)


def fit_arch_threshold(table: FrameTable, pred: np.ndarray) -> float:
    """Arching-flag threshold on leave-one-clip-out lumbar predictions: half-way between
    the 95th percentile over good-form frames and the 10th over arching-fault frames."""
    phase = table.gt["phase"]
    arch = table.gt["arch_fault"] > 0.5
    good = np.isin(phase, ("hold", "contract", "relax"))
    a, g = pred[arch & np.isfinite(pred)], pred[good & np.isfinite(pred)]
    if not (a.size and g.size):
        return float("nan")
    lo, hi = float(np.percentile(g, 95)), float(np.percentile(a, 10))
    threshold = round((lo + hi) / 2, 1)
    print(
        f"  arching flag: good-form P95 {lo:.1f}, arching P10 {hi:.1f} -> threshold "
        f"{threshold}: {np.mean(a > threshold):.0%} of arching, {np.mean(g > threshold):.0%}"
        " of good-form frames flagged (leave-one-clip-out, unsmoothed)"
    )
    return threshold


# ---------------------------------------------------------------- report


def report_landmarks(table_raw: FrameTable, table_cal: FrameTable, table_loco: FrameTable) -> None:
    print(
        "\nlandmark metrics, side-on clips (MAE deg, fraction measured):"
        " raw -> calibrated (fit on all) / leave-one-clip-out"
    )
    for name in LANDMARK_METRICS:
        a, fa = mae(table_raw.est[name], table_raw.gt[name])
        b, fb = mae(table_cal.est[name], table_cal.gt[name])
        c, _ = mae(table_loco.est[name], table_loco.gt[name])
        print(f"  {name:26s} {a:6.2f} ({fa:.2f}) -> {b:6.2f} ({fb:.2f}) / {c:6.2f}")


def report_loco_clips(names: list[str], table_loco: FrameTable) -> None:
    """Leave-one-clip-out MAE per clip of the metrics the offsets matter most for."""
    shown = ("hip_extension_deg", "thigh_to_horizontal_deg", "knee_flexion_deg")
    print("\nleave-one-clip-out MAE per clip: " + ", ".join(shown))
    for k, name in enumerate(names):
        rows = table_loco.clip == k
        errs = [mae(table_loco.est[m][rows], table_loco.gt[m][rows])[0] for m in shown]
        print(f"  {name:24s} " + " ".join(f"{e:6.2f}" for e in errs))


def loco_landmark_table(train: list[Clip], facing: dict[str, np.ndarray]) -> FrameTable:
    """Each clip's landmark metrics with offsets fitted on the other clips."""
    parts = [
        frame_table([c], facing, fit_offsets([o for o in train if o is not c], facing))
        for c in train
    ]
    return FrameTable(
        np.concatenate([np.full(len(p.clip), k) for k, p in enumerate(parts)]),
        {n: np.concatenate([p.est[n] for p in parts]) for n in parts[0].est},
        {n: np.concatenate([p.gt[n] for p in parts]) for n in parts[0].gt},
        {n: np.concatenate([p.feat[n] for p in parts]) for n in parts[0].feat},
    )


def fit_hip_pelvis_offset(table: FrameTable) -> float:
    """hip_pelvis_offset_deg: median of true hip-to-pelvis extension minus (measured thigh
    angle from its posture reference - true pelvic tilt)."""
    # The same rule as metrics.thigh_from_posture_reference.
    upright = np.abs(table.est["trunk_inclination_deg"]) < LYING_TRUNK_DEG
    thigh = np.where(
        upright, table.est["thigh_to_vertical_deg"], -table.est["thigh_to_horizontal_deg"]
    )
    residual = table.gt["hip_extension_pelvis_deg"] - (thigh - table.gt["pelvic_tilt_deg"])
    ok = np.isfinite(residual)
    return round(float(np.median(residual[ok])), 2) if ok.any() else 0.0


def print_calibration(calib: Calibration) -> None:
    print("\nCalibration to paste into posecoach/measure/calibration.py:")
    names = ("hip", "hip_per_deg", "other_hip", "other_hip_per_deg", "far_side")
    names += ("shoulder", "knee", "knee_facing_right", "ankle")
    names += ("thigh_outline_offset_deg", "hip_pelvis_offset_deg")
    for name in (*names, "pelvic_tilt"):
        print(f"    {name}={getattr(calib, name)!r},")
    print(f"    lumbar_extension={calib.lumbar_extension!r},")
    print(f"    arch_lumbar_threshold_deg={calib.arch_lumbar_threshold_deg!r},")


def split_errors(
    train: FrameTable, val: FrameTable, target: str, names: tuple[str, ...]
) -> tuple[float, float, np.ndarray | None]:
    """(MAE, RMSE) on `val` of a linear model on `names` fitted on `train`, and its
    validation predictions."""
    coef = fit_linear(train, target, names, np.ones(train.clip.shape, bool))
    if coef is None:
        return np.nan, np.nan, None
    pred = predict(val, names, coef)
    err = pred - val.gt[target]
    ok = np.isfinite(err)
    if not ok.any():
        return np.nan, np.nan, None
    return float(np.mean(np.abs(err[ok]))), float(np.sqrt(np.mean(err[ok] ** 2))), pred


def fit_pelvis_on_split(
    train: FrameTable, val: FrameTable, target: str
) -> tuple[PelvisModel | None, np.ndarray]:
    """The feature set with the lowest validation RMSE (fitted on train only), and its
    validation predictions."""
    none = np.full(val.clip.shape, np.nan)
    scored = []
    for names in FEATURE_SETS:
        m, r, pred = split_errors(train, val, target, names)
        print(f"  {target:22s} val MAE {m:5.2f} RMSE {r:5.2f}  <- {', '.join(names)}")
        if np.isfinite(r):
            scored.append((r, len(names), m, names, pred))
    if not scored:
        return None, none
    best = min(s[0] for s in scored)
    r, _, m, names, pred = min((x for x in scored if x[0] <= best + 0.05), key=lambda x: x[1])
    coef = fit_linear(train, target, names, np.ones(train.clip.shape, bool))
    model = PelvisModel(
        intercept=round(float(coef[0]), 4),
        coef={n: round(float(c), 5) for n, c in zip(names, coef[1:], strict=True)},
        rmse_deg=round(r, 2),
    )
    return model, pred


# Parts of the landmark calibration that can be left out, and the metrics they move: a
# part is kept only if it lowers the validation error of those metrics (a correction
# that fits the training bodies but not new ones is worse than none).
PRUNABLE = (
    ("knee", {"knee": SegmentOffset(), "knee_facing_right": None}, ("knee_flexion_deg",)),
    ("ankle", {"ankle": AnkleOffset()}, ("knee_flexion_deg",)),
    ("far_side", {"far_side": None}, ("hip_extension_deg", "thigh_to_horizontal_deg")),
    ("other_hip", {"other_hip": None, "other_hip_per_deg": JointOffset()},
     ("hip_extension_deg", "trunk_inclination_deg", "other_knee_flexion_deg")),
    ("shoulder", {"shoulder": JointOffset()}, ("hip_extension_deg", "trunk_inclination_deg")),
    ("thigh_outline", {"thigh_outline_offset_deg": None},
     ("hip_extension_deg", "thigh_to_vertical_deg", "thigh_to_horizontal_deg")),
)


def _val_error(val: list[Clip], facing: dict, calib: Calibration, metrics: tuple) -> float:
    table = frame_table(val, facing, calib)
    return float(sum(mae(table.est[m], table.gt[m])[0] for m in metrics))


def prune_on_val(calib: Calibration, val: list[Clip], facing: dict) -> Calibration:
    """Drop each calibration part whose removal lowers the validation error it affects."""
    for name, removed, metrics in PRUNABLE:
        with_part = _val_error(val, facing, calib, metrics)
        without = replace(calib, **removed)
        without_part = _val_error(val, facing, without, metrics)
        keep = with_part <= without_part
        print(f"  {name:14s} val error of {', '.join(metrics)}: with {with_part:.2f}, "
              f"without {without_part:.2f} -> {'kept' if keep else 'dropped'}")
        if not keep:
            calib = without
    return calib


def fit_on_corpus(root: Path, jobs: int, with_samples: bool = False) -> tuple[Calibration, dict]:
    """Everything fitted on the corpus's train split (plus the side-on sample clips, a
    second renderer, with `with_samples`), every choice made on its val split."""
    train = load_corpus(root, ["train"], jobs=jobs)
    corpus_train = len(train)
    if with_samples:
        train += [c for c in load_clips(VIDEOS, jobs=jobs) if side_on(c)]
    val = load_corpus(root, ["val"], jobs=jobs)
    print(f"corpus {root}: {corpus_train} train clips (+{len(train) - corpus_train} sample "
          f"clips), {len(val)} val clips")
    facing = {c.name: facings(c) for c in train + val}
    calib = fit_offsets(train, facing)
    print("\nlandmark calibration parts (fitted on train, kept only if they help on val):")
    calib = prune_on_val(calib, val, facing)
    raw_val = frame_table(val, facing, Calibration())
    cal_train = frame_table(train, facing, calib)
    cal_val = frame_table(val, facing, calib)
    report_landmarks(raw_val, cal_val, cal_val)
    print("\npelvis models (fitted on train, chosen on val):")
    tilt, _ = fit_pelvis_on_split(cal_train, cal_val, "pelvic_tilt_deg")
    lumbar, lumbar_val = fit_pelvis_on_split(cal_train, cal_val, "lumbar_extension_deg")
    threshold = fit_arch_threshold(cal_val, lumbar_val)
    offset = fit_hip_pelvis_offset(cal_train)
    calib = replace(calib, pelvic_tilt=tilt, lumbar_extension=lumbar, hip_pelvis_offset_deg=offset)
    if np.isfinite(threshold):
        calib = replace(calib, arch_lumbar_threshold_deg=threshold)
    bodies = sorted({str(c.meta.get("body_id")) for c in train})
    provenance = {
        "fitted_by": f"python tools/calibrate/calibrate_metrics.py --corpus {root.name}"
        f"{' --with-samples' if with_samples else ''} --write",
        "data": f"corpus {root.name}: {corpus_train} train clips"
        f"{' + the side-on sample clips' if with_samples else ''}, of {len(bodies)} bodies "
        f"(fitted), {len(val)} val clips (feature sets and the arching threshold chosen)",
        "corpus_version": str(train[0].meta.get("corpus_version")) if train else None,
        "date": date.today().isoformat(),
        "git_commit": _git_commit(),
    }
    return calib, provenance


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, cwd=Path(__file__).parent, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="parallel extraction processes")
    parser.add_argument("--videos", type=Path, default=VIDEOS, help="folder of GT clips")
    parser.add_argument("--clips", nargs="*", help="only these clip names")
    parser.add_argument("--corpus", type=Path, default=None,
                        help="fit on this corpus's train split, choose on its val split")
    parser.add_argument("--with-samples", action="store_true",
                        help="with --corpus: add the side-on sample clips to the train split")
    parser.add_argument("--write", action="store_true",
                        help="with --corpus: write models/calibration.json")
    args = parser.parse_args(argv)
    if args.corpus is not None:
        calib, provenance = fit_on_corpus(args.corpus, args.jobs, args.with_samples)
        print_calibration(calib)
        if args.write:
            path = save_calibration(calib, data_dir("models") / CALIBRATION_FILE, provenance)
            print(f"wrote {path}")
        return 0
    clips = load_clips(args.videos, names=args.clips, jobs=args.jobs)
    if not clips:
        print("no ground-truth clips (NAME.mp4 + NAME.csv) in sample_videos/", file=sys.stderr)
        return 1
    train = [c for c in clips if side_on(c)]
    print(f"{len(clips)} clips, {len(train)} side-on: {', '.join(c.name for c in train)}")
    facing = {c.name: facings(c) for c in clips}
    calib = fit_offsets(train, facing)
    raw_table = frame_table(train, facing, Calibration())
    cal_table = frame_table(train, facing, calib)
    loco_table = loco_landmark_table(train, facing) if len(train) > 1 else cal_table
    report_landmarks(raw_table, cal_table, loco_table)
    report_loco_clips([c.name for c in train], loco_table)
    print("\npelvis models (leave-one-clip-out):")
    tilt, _ = fit_pelvis(cal_table, "pelvic_tilt_deg")
    lumbar, lumbar_loco = fit_pelvis(cal_table, "lumbar_extension_deg")
    threshold = fit_arch_threshold(cal_table, lumbar_loco)
    offset = fit_hip_pelvis_offset(cal_table)
    calib = replace(calib, pelvic_tilt=tilt, lumbar_extension=lumbar, hip_pelvis_offset_deg=offset)
    if np.isfinite(threshold):
        calib = replace(calib, arch_lumbar_threshold_deg=threshold)
    print_calibration(calib)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
