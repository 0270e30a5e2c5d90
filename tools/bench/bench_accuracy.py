"""Accuracy of the metrics on the ground-truth clips, beside the plain approach.

    python tools/bench/bench_accuracy.py [--jobs 2] [--adaptive] [--workers N]

"ours" is MetricsTracker as the app runs it (calibration, visibility rules, side and
facing hysteresis, smoothing). "plain" is what a straightforward implementation
does: raw BlazePose landmarks, plain 2-D joint geometry, no calibration, no
smoothing, facing from the nose being left or right of the shoulders, and (to be
generous) the true working side. Per metric and per clip it prints the MAE against
ground truth over frames where the truth is defined and the joints are in frame,
and the detection rate (fraction of those frames with a number). Then the arching
flag rates, working-side correctness and the oblique-view flag. With --workers N the
poses come from N landmarkers dealt the frames in turn, as `posecoach analyze` runs them
on an N-core machine (posecoach.pose.parallel); the default, 1, is one landmarker.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from posecoach.landmarks import Landmark, Side
from posecoach.measure.calibration import Calibration
from posecoach.measure.frame import compute_metrics
from posecoach.measure.pelvis import is_arching
from posecoach.measure.stream import MetricsTracker
from posecoach.measure.view import BAD_DEG
from posecoach.pose.adaptive import adaptive_poses
from posecoach.registry import METRIC_NAMES
from posecoach.types import Frame, Pose

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # run as a script: the repo's tools package
from tools.synth.gtclips import VIDEOS, Clip, iter_frames, load_clips  # noqa: E402

PLAIN = Calibration()


def plain_facing(pose) -> int:
    nose = pose.xy[int(Landmark.NOSE)]
    sh = (pose.xy[int(Landmark.LEFT_SHOULDER)] + pose.xy[int(Landmark.RIGHT_SHOULDER)]) / 2
    return 1 if nose[0] >= sh[0] else -1


def gt_side(value: str) -> Side | None:
    return {"L": Side.LEFT, "R": Side.RIGHT}.get(str(value).strip().upper())


def adaptive_frames(clip: Clip) -> Iterator[tuple[int, int, Pose | None]]:
    """iter_frames as `analyze --adaptive` sees them: the scheduler picks the frames
    whose cached pose is used, the others get interpolated poses. (A replay: the real
    run also shows MediaPipe's tracker fewer frames.)"""
    rows = clip.gt_rows()
    frames = (Frame(i, float(clip.raw["time_s"][i]), None) for i in range(clip.n))
    for frame, pose, _ in adaptive_poses(frames, lambda f: clip.pose(f.index)):
        yield frame.index, int(rows[frame.index]), pose


def run_clip(clip: Clip, adaptive: bool = False) -> dict[str, np.ndarray | list]:
    """Per-frame values of ours and plain, aligned to ground-truth rows."""
    tracker = MetricsTracker()
    n = clip.n
    ours = {m: np.full(n, np.nan) for m in METRIC_NAMES}
    plain = {m: np.full(n, np.nan) for m in METRIC_NAMES}
    rows = np.full(n, -1)
    sides, view_ok, view_angle = [], np.zeros(n, bool), np.full(n, np.nan)
    for i, row, pose in adaptive_frames(clip) if adaptive else iter_frames(clip):
        rows[i] = row
        fm = tracker.update(pose, float(clip.raw["time_s"][i]))
        for m in METRIC_NAMES:
            ours[m][i] = fm.get(m)
        sides.append(fm.side)
        view_ok[i], view_angle[i] = fm.view_ok, fm.view_angle_deg
        side = gt_side(clip.gt["side"][row]) if row >= 0 else None
        if pose is not None and side is not None:
            pv = compute_metrics(pose, side, plain_facing(pose), PLAIN).values
            for m in METRIC_NAMES:
                plain[m][i] = pv[m]
    return dict(
        ours=ours, plain=plain, rows=rows, sides=sides, view_ok=view_ok, view_angle=view_angle
    )


def score(est: np.ndarray, truth: np.ndarray, valid: np.ndarray) -> tuple[float, float]:
    """(MAE, detection rate) over `valid` frames with a finite truth."""
    base = valid & np.isfinite(truth)
    if not base.any():
        return np.nan, np.nan
    ok = base & np.isfinite(est)
    err = float(np.mean(np.abs(est[ok] - truth[ok]))) if ok.any() else np.nan
    return err, float(ok.sum() / base.sum())


def truth_of(clip: Clip, rows: np.ndarray, name: str) -> np.ndarray:
    col = clip.gt.get(name)
    if col is None or col.dtype.kind not in "fi":
        return np.full(rows.shape, np.nan)
    return np.where(rows >= 0, col[np.clip(rows, 0, None)], np.nan)


def clip_report(clip: Clip, res: dict, totals: dict) -> None:
    rows = res["rows"]
    in_frame = truth_of(clip, rows, "in_frame")
    valid = (rows >= 0) & (np.nan_to_num(in_frame, nan=1.0) > 0.5)
    print(f"\n{clip.name} (yaw {clip.yaw_deg:g} deg, {valid.sum()} frames)")
    print(f"  {'metric':26s} {'ours MAE':>9s} {'det':>5s}   {'plain MAE':>9s} {'det':>5s}")
    for m in METRIC_NAMES:
        truth = truth_of(clip, rows, m)
        a, da = score(res["ours"][m], truth, valid)
        b, db = score(res["plain"][m], truth, valid)
        if np.isnan(da) and np.isnan(db):
            continue
        print(f"  {m:26s} {a:9.2f} {da:5.2f}   {b:9.2f} {db:5.2f}")
        if abs(clip.yaw_deg) <= 10:
            for key, (e, d) in (("ours", (a, da)), ("plain", (b, db))):
                totals.setdefault((m, key), []).append((e, d, int(valid.sum())))
                if clip.name.startswith(BENCH_PREFIX) and m == BENCH_METRIC:
                    totals.setdefault(("bench", key), []).append((e, d, int(valid.sum())))
    truth_side = [gt_side(clip.gt["side"][r]) if r >= 0 else None for r in rows]
    decided = [(s, t) for s, t in zip(res["sides"], truth_side, strict=True) if s and t]
    right = sum(s == t for s, t in decided)
    final = res["sides"][-1].value if res["sides"][-1] else "-"
    print(f"  side: right on {right}/{len(decided)} decided frames, final {final}")
    angle = np.nanmedian(res["view_angle"]) if np.isfinite(res["view_angle"]).any() else np.nan
    oblique = float(np.mean(~res["view_ok"]))
    print(
        f"  view: median angle {angle:.1f} deg, view_ok false on {oblique:.0%} of frames"
        f" -> {'OBLIQUE' if angle > BAD_DEG else 'side-on'}"
    )
    arch_report(clip, res, valid, totals)


GOOD_FORM_PHASES = ("hold", "contract", "relax")
# The bench-only target: thigh_to_horizontal_deg over the edge-of-bench clips.
BENCH_PREFIX = "bench_"
BENCH_METRIC = "thigh_to_horizontal_deg"
BENCH_TARGET_DEG = 1.5


def arch_report(clip: Clip, res: dict, valid: np.ndarray, totals: dict) -> None:
    """Arching flag rates: over the fault frames of the arching clips (should be flagged)
    and over every good-form frame (should not be)."""
    phase = np.array([str(clip.gt["phase"][r]) if r >= 0 else "" for r in res["rows"]])
    arching = (phase == "fault") & ("arch" in clip.name)
    good = np.isin(phase, GOOD_FORM_PHASES)
    flags = np.array(
        [is_arching({"lumbar_extension_deg": v}) for v in res["ours"]["lumbar_extension_deg"]],
        dtype=object,
    )
    flagged = np.array([f is True for f in flags])
    totals.setdefault("arch_hits", []).extend(flagged[valid & arching].tolist())
    if abs(clip.yaw_deg) <= 10:
        totals.setdefault("arch_false", []).extend(flagged[valid & good].tolist())
    parts = []
    if (valid & arching).any():
        parts.append(f"{flagged[valid & arching].mean():.0%} of arching frames")
    if (valid & good).any():
        parts.append(f"{flagged[valid & good].mean():.0%} of good-form frames")
    if parts:
        print("  arching flag: " + ", ".join(parts))


def _weighted_cell(vals: list[tuple[float, float, int]]) -> str:
    """'MAE det' over clips: each clip's MAE weighted by its detected frames."""
    vals = [(e, d, n) for e, d, n in vals if np.isfinite(e)]
    if not vals:
        return "      -      "
    w = np.array([n * d for _, d, n in vals])
    e = np.sum([v[0] for v in vals] * w) / w.sum()
    d = np.sum([v[1] * v[2] for v in vals]) / np.sum([v[2] for v in vals])
    return f"{e:6.2f} {d:5.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--videos", type=Path, default=VIDEOS, help="folder of GT clips")
    parser.add_argument("--adaptive", action="store_true", help="ours as analyze --adaptive")
    parser.add_argument("--workers", type=int, default=1,
                        help="landmarkers dealt frames in turn, as analyze on N cores")
    args = parser.parse_args(argv)
    clips = load_clips(args.videos, jobs=args.jobs, workers=max(1, args.workers))
    if not clips:
        print("no ground-truth clips (NAME.mp4 + NAME.csv) in sample_videos/", file=sys.stderr)
        return 1
    totals: dict = {}
    for clip in clips:
        clip_report(clip, run_clip(clip, args.adaptive), totals)
    print("\nside-on clips, frame-weighted: metric, ours MAE/det, plain MAE/det")
    for m in METRIC_NAMES:
        cells = [_weighted_cell(totals.get((m, key), [])) for key in ("ours", "plain")]
        print(f"  {m:26s} {cells[0]}   {cells[1]}")
    bench = [_weighted_cell(totals.get(("bench", key), [])) for key in ("ours", "plain")]
    print(f"{BENCH_PREFIX}* clips: {BENCH_METRIC} {bench[0]}   plain {bench[1]}"
          f"   (target <= {BENCH_TARGET_DEG})")
    hits, false = totals.get("arch_hits", []), totals.get("arch_false", [])
    if hits:
        print(f"arching flag: {np.mean(hits):.1%} of {len(hits)} arching frames (target >= 90%)")
    if false:
        print(f"arching flag: {np.mean(false):.1%} of {len(false)} good-form frames (target <= 5%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
