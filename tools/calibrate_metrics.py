"""Fit and validate the metric calibration on the ground-truth clips.

    python tools/calibrate_metrics.py            # extract/cache poses, fit, print report
    python tools/calibrate_metrics.py --jobs 2   # parallel BlazePose extraction

What it fits (all on side-on clips, |camera yaw| <= SIDE_ON_MAX_YAW):
  1. joint offsets: ground-truth joint centre minus the BlazePose landmark, in the
     body frame (trunk-axis "up", "anterior") divided by the trunk length; the
     median over all frames and both sides is the offset (robust to bad frames);
  2. pelvis models: least squares from back-contour features (+ trunk angles) to
     ground-truth pelvic_tilt_deg and lumbar_extension_deg;
  3. the lumbar-extension threshold for the `arching` flag.
Each is validated leave-one-clip-out, and the script prints a Calibration(...)
block to paste into posecoach/calibration.py.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from gtclips import VIDEOS, Clip, iter_frames, load_clips

from posecoach import geometry as geo
from posecoach.calibration import Calibration, JointOffset, PelvisModel
from posecoach.landmarks import Landmark, Side, sided
from posecoach.metrics import (
    MIN_VISIBILITY,
    body_points,
    landmark_metrics,
    landmark_point,
    pair_midpoint,
)
from posecoach.pelvis import back_profile, contour_features
from posecoach.side import SideTracker

SIDE_ON_MAX_YAW = 10.0
LANDMARK_METRICS = (
    "hip_extension_deg",
    "thigh_to_vertical_deg",
    "thigh_to_horizontal_deg",
    "knee_flexion_deg",
    "other_knee_flexion_deg",
    "trunk_inclination_deg",
)
# Candidate feature sets for the pelvis models (contour features + landmark metrics).
FEATURE_SETS = (
    ("low_back_angle_deg",),
    ("low_back_angle_deg", "trunk_inclination_deg"),
    ("bend_deg", "trunk_inclination_deg"),
    ("lordosis_depth", "trunk_inclination_deg"),
    ("low_back_angle_deg", "lordosis_depth", "trunk_inclination_deg"),
    ("low_back_angle_deg", "sacral_angle_deg", "trunk_inclination_deg"),
    ("bend_deg", "lordosis_depth", "sacral_angle_deg", "trunk_inclination_deg"),
    (
        "low_back_angle_deg",
        "upper_back_angle_deg",
        "sacral_angle_deg",
        "lordosis_depth",
        "trunk_inclination_deg",
        "hip_extension_deg",
    ),
)


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


def joint_offsets(clip: Clip, facing: np.ndarray) -> dict[str, list[np.ndarray]]:
    """Per joint ("hip", "shoulder"): body-frame offsets GT - landmark, per frame/side."""
    out: dict[str, list[np.ndarray]] = {"hip": [], "shoulder": []}
    for i, row, pose in iter_frames(clip, with_mask=False):
        if pose is None or row < 0 or facing[i] == 0:
            continue
        sh = pair_midpoint(pose, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)
        hip = pair_midpoint(pose, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
        if not (sh.ok and hip.ok):
            continue
        axis = sh.xy - hip.xy
        length = float(geo.norm(axis))
        up = axis / length
        ant = geo.anterior_of(up, int(facing[i]))
        for joint in out:
            for s, tag in ((Side.LEFT, "l"), (Side.RIGHT, "r")):
                p = landmark_point(pose, sided(joint, s), MIN_VISIBILITY)
                gt = clip.gt_joint(joint, tag)[row]
                if p.ok and np.all(np.isfinite(gt)):
                    d = (gt - p.xy) / length
                    out[joint].append(np.array([d @ up, d @ ant]))
    return out


def fit_offsets(clips: list[Clip], facing: dict[str, np.ndarray]) -> dict[str, JointOffset]:
    pooled: dict[str, list[np.ndarray]] = {"hip": [], "shoulder": []}
    for c in clips:
        for joint, values in joint_offsets(c, facing[c.name]).items():
            pooled[joint].extend(values)
    result = {}
    for joint, values in pooled.items():
        if not values:
            result[joint] = JointOffset()
            continue
        arr = np.array(values)
        med = np.median(arr, axis=0)
        result[joint] = JointOffset(up=round(float(med[0]), 4), anterior=round(float(med[1]), 4))
    return result


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
        for i, row, pose in iter_frames(c):
            side = gt_side(c, row) if row >= 0 else None
            if pose is None or side is None or facing[c.name][i] == 0:
                continue
            f = int(facing[c.name][i])
            points = body_points(pose, side, f, calib)
            lm = landmark_metrics(points, f)
            feats = None
            if pose.mask is not None and points.mid_hip.ok and points.mid_shoulder.ok:
                prof = back_profile(
                    pose.mask, points.mid_hip.xy, points.mid_shoulder.xy, f, pose.image_size
                )
                feats = contour_features(prof)
            clip_ids.append(k)
            for name in LANDMARK_METRICS:
                push(est, name, lm.values[name])
            for name in (*LANDMARK_METRICS, "pelvic_tilt_deg", "lumbar_extension_deg"):
                push(gt, name, float(c.gt[name][row]) if name in c.gt else np.nan)
            push(gt, "phase", str(c.gt["phase"][row]) if "phase" in c.gt else "")
            fdict = feats.as_dict() if feats is not None else {}
            for name in ("low_back_angle_deg", "upper_back_angle_deg", "sacral_angle_deg"):
                push(feat, name, fdict.get(name, np.nan))
            for name in ("bend_deg", "lordosis_depth"):
                push(feat, name, fdict.get(name, np.nan))
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
    x = np.stack([table.feat[n][rows] for n in names], axis=1)
    y = table.gt[target][rows]
    ok = np.all(np.isfinite(x), axis=1) & np.isfinite(y)
    if ok.sum() < len(names) + 5:
        return None
    a = np.c_[np.ones(ok.sum()), x[ok]]
    coef, *_ = np.linalg.lstsq(a, y[ok], rcond=None)
    return coef


def predict(table: FrameTable, names: tuple[str, ...], coef: np.ndarray) -> np.ndarray:
    x = np.stack([table.feat[n] for n in names], axis=1)
    return coef[0] + x @ coef[1:]


def loco_errors(table: FrameTable, target: str, names: tuple[str, ...]) -> tuple[float, float]:
    """Leave-one-clip-out (MAE, RMSE) of a linear model on `names`."""
    pred = np.full(table.clip.shape, np.nan)
    for k in np.unique(table.clip):
        coef = fit_linear(table, target, names, table.clip != k)
        if coef is not None:
            held = table.clip == k
            pred[held] = predict(table, names, coef)[held]
    err = pred - table.gt[target]
    ok = np.isfinite(err)
    if not ok.any():
        return np.nan, np.nan
    return float(np.mean(np.abs(err[ok]))), float(np.sqrt(np.mean(err[ok] ** 2)))


def fit_pelvis(table: FrameTable, target: str) -> PelvisModel | None:
    if not np.isfinite(table.gt[target]).any():
        return None
    scored = []
    for names in FEATURE_SETS:
        m, r = loco_errors(table, target, names)
        print(f"  {target:22s} LOCO MAE {m:5.2f} RMSE {r:5.2f}  <- {', '.join(names)}")
        if np.isfinite(m):
            scored.append((m, r, names))
    if not scored:
        return None
    m, r, names = min(scored)
    coef = fit_linear(table, target, names, np.ones(table.clip.shape, bool))
    return PelvisModel(
        intercept=round(float(coef[0]), 4),
        coef={n: round(float(c), 5) for n, c in zip(names, coef[1:], strict=True)},
        rmse_deg=round(r, 2),
    )


# ---------------------------------------------------------------- report


def report_landmarks(table_raw: FrameTable, table_cal: FrameTable) -> None:
    print("\nlandmark metrics, side-on clips (MAE deg, fraction measured): raw -> calibrated")
    for name in LANDMARK_METRICS:
        a, fa = mae(table_raw.est[name], table_raw.gt[name])
        b, fb = mae(table_cal.est[name], table_cal.gt[name])
        print(f"  {name:26s} {a:6.2f} ({fa:.2f}) -> {b:6.2f} ({fb:.2f})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="parallel extraction processes")
    parser.add_argument("--videos", type=Path, default=VIDEOS, help="folder of GT clips")
    args = parser.parse_args(argv)
    clips = load_clips(args.videos, jobs=args.jobs)
    if not clips:
        print("no ground-truth clips (NAME.mp4 + NAME.csv) in sample_videos/", file=sys.stderr)
        return 1
    train = [c for c in clips if side_on(c)]
    print(f"{len(clips)} clips, {len(train)} side-on: {', '.join(c.name for c in train)}")
    facing = {c.name: facings(c) for c in clips}
    offsets = fit_offsets(train, facing)
    print(f"joint offsets (trunk lengths): {offsets}")
    calib = Calibration(hip=offsets["hip"], shoulder=offsets["shoulder"])
    raw_table = frame_table(train, facing, Calibration())
    cal_table = frame_table(train, facing, calib)
    report_landmarks(raw_table, cal_table)
    print("\npelvis models (leave-one-clip-out):")
    tilt = fit_pelvis(cal_table, "pelvic_tilt_deg")
    lumbar = fit_pelvis(cal_table, "lumbar_extension_deg")
    print("\nCalibration to paste into posecoach/calibration.py:")
    print(f"hip={offsets['hip']!r},\nshoulder={offsets['shoulder']!r},")
    print(f"pelvic_tilt={tilt!r},\nlumbar_extension={lumbar!r},")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
