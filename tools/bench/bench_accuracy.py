"""Accuracy of the metrics against exact ground truth, beside the raw-landmark approach.

    python tools/bench/bench_accuracy.py                       # the sample clips
    python tools/bench/bench_accuracy.py --corpus DIR          # train / val / test splits
    python tools/bench/bench_accuracy.py --corpus DIR --yaw-sweep [--plot PNG]
    python tools/bench/bench_accuracy.py --corpus DIR --write  # docs/accuracy.{json,md}

"ours" is the app's per-frame path (run.stages): the leg labels kept across frames
(pose.legs), then MetricsTracker (calibration, thigh outline, side and facing
hysteresis, smoothing, the pelvis estimates). "raw" is what a straightforward
implementation does: BlazePose's landmarks as they come, plain 2-D joint geometry, no
calibration and no smoothing, given the true working side and the same facing decision
as ours, so the comparison isolates how the joints are measured. "true-joint 2-D" is the
same plain geometry on the true joint centres' pixels: the floor for any image-plane
method under that clip's camera (yaw, pitch, perspective). MAE is in degrees over
frames where the truth is defined and the joints are in frame; "det" is the fraction of
those frames with a number.

The arching flag is the exercise's own low-back rule (its fitted threshold, hysteresis
and confidence floor), stepped frame by frame as the session does.

Groups: the corpus's splits (train is what the calibration was fitted on, val what its
choices were made on, test what nothing saw) by clip class (kneeling, bench, lying),
and the sample clips as their own group. Arching: frame recall over the arch-fault
frames of the arch clips, false flags over every good-form frame, and the delay from an
arch episode's start to the cue (first flagged frame plus the cue's show delay).

--yaw-sweep scores the sweep clips per band of |yaw| (rendered 0-60 deg off side-on both
ways), including the view estimate against the true yaw: the validation bodies' sweep
(the view gate is chosen on it, tools/calibrate/fit_view_gate.py) and the test bodies'
(what it is reported on).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from posecoach.exercises.rules import step_rule  # noqa: E402
from posecoach.exercises.spec import SpecError, load_exercise  # noqa: E402
from posecoach.landmarks import Landmark, Side  # noqa: E402
from posecoach.measure.calibration import (  # noqa: E402
    DEFAULT_CALIBRATION,
    UNCALIBRATED,
    Calibration,
)
from posecoach.measure.frame import compute_metrics  # noqa: E402
from posecoach.measure.pelvis import is_arching  # noqa: E402
from posecoach.measure.sagittal import world_sagittal  # noqa: E402
from posecoach.measure.stream import MetricsTracker  # noqa: E402
from posecoach.measure.view import ViewGate, signed_view_angle  # noqa: E402
from posecoach.pose.adaptive import adaptive_poses  # noqa: E402
from posecoach.pose.legs import LegIdentity  # noqa: E402
from posecoach.registry import ESTIMATED_METRICS, METRIC_NAMES  # noqa: E402
from posecoach.types import Frame, Pose  # noqa: E402
from tools.synth.gtclips import VIDEOS, Clip, iter_frames, load_clips, load_corpus  # noqa: E402

GOOD_FORM_PHASES = ("hold", "contract", "relax")
CLASSES = ("kneeling", "bench", "lying")
CUE_SHOW_DELAY_S = 0.15  # exercises.cues: a cue appears once its condition held this long
SWEEP_BAND_DEG = 5.0
# The sweep measures what the tool would read if it coached at every yaw (the curve the
# gate is then set from), so no view counts as oblique there.
OPEN_GATE = ViewGate(bad_deg=90.0, good_deg=90.0)
# What posecoach.measure.sagittal.world_sagittal measures from the world landmarks alone.
SAGITTAL_METRICS = ("hip_extension_deg", "knee_flexion_deg")
DOCS = REPO / "docs"


def clip_class(clip: Clip) -> str:
    """kneeling / bench / lying from the clip's exercise."""
    exercise = str(clip.meta.get("exercise", ""))
    if exercise.startswith("kneeling"):
        return "kneeling"
    if exercise.startswith("edge_of_bench"):
        return "bench"
    return "lying"


def is_arch_clip(clip: Clip) -> bool:
    klass = str(clip.meta.get("scenario_class") or clip.name)
    return "arch" in klass


ARCH_CUES = ("back_arching", "back_lifting")


def arch_rule(clip: Clip):
    """The exercise's own low-back rule (what the app cues), or None."""
    try:
        spec = load_exercise(str(clip.meta.get("exercise", "")))
    except SpecError:
        return None
    return next((r for r in spec.rules if r.cue in ARCH_CUES), None)


def split_of(clip: Clip) -> str:
    return str(clip.meta.get("split") or "sample")


def true_yaw(clip: Clip) -> float:
    return float(clip.yaw_deg)


def gt_side(value: str) -> Side | None:
    return {"L": Side.LEFT, "R": Side.RIGHT}.get(str(value).strip().upper())


def adaptive_frames(clip: Clip) -> Iterator[tuple[int, int, Pose | None]]:
    """iter_frames as `analyze --adaptive` sees them (a replay of the scheduler)."""
    rows = clip.gt_rows()
    frames = (Frame(i, float(clip.raw["time_s"][i]), None) for i in range(clip.n))
    for frame, pose, _ in adaptive_poses(frames, lambda f: clip.pose(f.index)):
        yield frame.index, int(rows[frame.index]), pose


# Frames with a segmentation mask, one in this many: as `posecoach analyze` runs on two
# cores by default (masks from the first of its two landmarkers, carried between;
# posecoach.measure.silhouette). --mask-every-frame sets 1.
MASK_EVERY = 2


def masks_as_analyze(frames, mask_every: int):
    """iter_frames' poses with the mask kept on every `mask_every`-th frame only."""
    for i, row, pose in frames:
        if pose is not None and i % mask_every:
            pose = dataclasses.replace(pose, mask=None)
        yield i, row, pose


def run_clip(
    clip: Clip, adaptive: bool = False, calibration: Calibration = DEFAULT_CALIBRATION,
    view_gate: ViewGate | None = None, sagittal: bool | None = None,
    leg_identity: bool = True,
) -> dict:
    """Per-frame values of ours and raw, aligned to ground-truth rows. `sagittal` sets
    the tracker's sagittal_correction (None: the app's default); `leg_identity` False
    scores ours without the leg-label check, to measure what that check is worth.
    Ours sees masks as analyze does (MASK_EVERY; adaptive: on every analysed frame)."""
    options = {} if sagittal is None else {"sagittal_correction": sagittal}
    tracker = MetricsTracker(calibration=calibration, view_gate=view_gate, **options)
    n = clip.n
    ours = {m: np.full(n, np.nan) for m in METRIC_NAMES}
    raw = {m: np.full(n, np.nan) for m in METRIC_NAMES}
    best2d = {m: np.full(n, np.nan) for m in METRIC_NAMES}
    rows = np.full(n, -1)
    sides: list[Side | None] = []
    world = {m: np.full(n, np.nan) for m in SAGITTAL_METRICS}
    view_ok, view_angle, signed = np.zeros(n, bool), np.full(n, np.nan), np.full(n, np.nan)
    view_raw = np.full(n, np.nan)
    flags = np.zeros(n, bool)
    rule, rule_state = arch_rule(clip), None
    legs = LegIdentity()
    frames = adaptive_frames(clip) if adaptive else masks_as_analyze(iter_frames(clip),
                                                                      MASK_EVERY)
    for i, row, pose in frames:
        rows[i] = row
        time_s = float(clip.raw["time_s"][i])
        fm = tracker.update(legs.update(pose, time_s) if leg_identity else pose, time_s)
        for m in METRIC_NAMES:
            ours[m][i] = fm.get(m)
        if rule is not None:
            rule_state = step_rule(rule, rule_state, fm)
            flags[i] = any(rule_state)
        else:
            flags[i] = is_arching(fm.values, calibration) is True
        sides.append(fm.side)
        view_ok[i], view_angle[i] = fm.view_ok, fm.view_angle_deg
        view_raw[i] = tracker.view_estimate_deg if pose is not None else np.nan
        side = gt_side(clip.gt["side"][row]) if row >= 0 else None
        facing = fm.facing or tracker._sides.provisional_facing
        if pose is not None:
            signed[i] = signed_view_angle(pose, facing)
        if pose is not None and side is not None:
            for m, v in world_sagittal(pose.world, side).items():
                world[m][i] = v
        if pose is not None and side is not None and facing:
            values = compute_metrics(pose, side, facing, UNCALIBRATED).values
            exact = compute_metrics(truth_pose(clip, row, pose), side, facing, UNCALIBRATED)
            for m in METRIC_NAMES:
                if m not in ESTIMATED_METRICS:
                    raw[m][i] = values[m]
                    best2d[m][i] = exact.values[m]
    return dict(ours=ours, raw=raw, best2d=best2d, world=world, rows=rows, sides=sides,
                view_ok=view_ok, view_angle=view_angle, view_raw=view_raw,
                signed_view=signed, flags=flags)


GT_JOINTS = ("shoulder", "hip", "knee", "ankle")


def truth_pose(clip: Clip, row: int, pose: Pose) -> Pose:
    """The true joint centres' pixels as a pose: plain 2-D geometry on them is the best any
    image-plane method can do (what is left is the projection of the body's sagittal
    plane by this camera: its yaw, its pitch and perspective)."""
    xy = np.full_like(pose.xy, np.nan)
    for s, side in (("l", "LEFT"), ("r", "RIGHT")):
        for joint in GT_JOINTS:
            xy[int(getattr(Landmark, f"{side}_{joint.upper()}"))] = (
                clip.gt[f"{s}_{joint}_x"][row], clip.gt[f"{s}_{joint}_y"][row])
    return Pose.from_pixels(xy, pose.image_size)


def truth_of(clip: Clip, rows: np.ndarray, name: str) -> np.ndarray:
    col = clip.gt.get(name)
    if col is None or col.dtype.kind not in "fi":
        return np.full(rows.shape, np.nan)
    return np.where(rows >= 0, col[np.clip(rows, 0, None)], np.nan)


def phases(clip: Clip, rows: np.ndarray) -> np.ndarray:
    return np.array([str(clip.gt["phase"][r]) if r >= 0 else "" for r in rows])


def valid_frames(clip: Clip, rows: np.ndarray) -> np.ndarray:
    in_frame = truth_of(clip, rows, "in_frame")
    return (rows >= 0) & (np.nan_to_num(in_frame, nan=1.0) > 0.5)


class Tally:
    """Absolute errors and counts, pooled over clips (frame-weighted)."""

    def __init__(self) -> None:
        self.err: dict[str, list[np.ndarray]] = defaultdict(list)
        self.base: dict[str, int] = defaultdict(int)
        self.arch_hits: list[bool] = []
        self.false_flags: list[bool] = []
        self.cue_delays: list[float] = []
        self.missed_episodes = 0
        self.clips = 0

    def add_metric(self, key: str, est: np.ndarray, truth: np.ndarray, valid: np.ndarray):
        base = valid & np.isfinite(truth)
        ok = base & np.isfinite(est)
        self.base[key] += int(base.sum())
        self.err[key].append(np.abs(est[ok] - truth[ok]))

    def mae(self, key: str) -> tuple[float, float]:
        errs = np.concatenate(self.err[key]) if self.err.get(key) else np.zeros(0)
        base = self.base.get(key, 0)
        if base == 0:
            return np.nan, np.nan
        return (float(errs.mean()) if errs.size else np.nan), errs.size / base

    def arch(self) -> dict:
        return {
            "recall": float(np.mean(self.arch_hits)) if self.arch_hits else None,
            "arch_frames": len(self.arch_hits),
            "false_flag_rate": float(np.mean(self.false_flags)) if self.false_flags else None,
            "good_frames": len(self.false_flags),
            "cue_delay_median_s": float(np.median(self.cue_delays)) if self.cue_delays else None,
            "cue_delay_max_s": float(np.max(self.cue_delays)) if self.cue_delays else None,
            "episodes_missed": self.missed_episodes,
            "episodes": len(self.cue_delays) + self.missed_episodes,
        }


def score_clip(clip: Clip, res: dict, tally: Tally, within: np.ndarray | None = None) -> None:
    """Adds the clip's errors and arch flags to `tally`; with `within` (a frame mask), only
    those frames count, and no cue delays are taken (a mask cuts episodes apart)."""
    rows = res["rows"]
    valid = valid_frames(clip, rows)
    if within is not None:
        valid &= within
        if not valid.any():
            return
    tally.clips += 1
    for m in METRIC_NAMES:
        truth = truth_of(clip, rows, m)
        tally.add_metric(("ours", m), res["ours"][m], truth, valid)
        if m not in ESTIMATED_METRICS:
            tally.add_metric(("raw", m), res["raw"][m], truth, valid)
            tally.add_metric(("best2d", m), res["best2d"][m], truth, valid)
            # Ours and raw on the frames both read: each reads some frames the other
            # leaves empty, and those are the hard ones.
            both = valid & np.isfinite(res["ours"][m]) & np.isfinite(res["raw"][m])
            tally.add_metric(("ours_shared", m), res["ours"][m], truth, both)
            tally.add_metric(("raw_shared", m), res["raw"][m], truth, both)
    phase = phases(clip, rows)
    good = valid & np.isin(phase, GOOD_FORM_PHASES)
    tally.false_flags.extend(res["flags"][good].tolist())
    if is_arch_clip(clip):
        arching = valid & (phase == "fault")
        tally.arch_hits.extend(res["flags"][arching].tolist())
        if within is None:
            _cue_delays(clip, res, arching, tally)


def _cue_delays(clip: Clip, res: dict, arching: np.ndarray, tally: Tally) -> None:
    """Per arch episode: seconds from its first frame to the cue, or a miss."""
    times = clip.raw["time_s"]
    idx = np.flatnonzero(arching)
    if not idx.size:
        return
    starts = [idx[0], *idx[1:][np.diff(idx) > 1]]
    ends = [*idx[:-1][np.diff(idx) > 1], idx[-1]]
    for a, b in zip(starts, ends, strict=True):
        hit = np.flatnonzero(res["flags"][a:b + 1])
        if hit.size:
            tally.cue_delays.append(float(times[a + hit[0]] - times[a]) + CUE_SHOW_DELAY_S)
        else:
            tally.missed_episodes += 1


def _cell(value: float, det: float | None = None) -> str:
    if value is None or not np.isfinite(value):
        return "-"
    return f"{value:.2f}" if det is None else f"{value:.2f} ({det:.2f})"


def group_table(name: str, tally: Tally) -> dict:
    """Print one group's table; return its figures."""
    print(f"\n{name}: {tally.clips} clips")
    print(f"  {'metric':26s} {'ours MAE (det)':>16s} {'raw MAE (det)':>16s} "
          f"{'true-joint 2-D':>14s} {'both read: ours/raw':>20s}")
    figures: dict = {"clips": tally.clips, "metrics": {}}
    for m in METRIC_NAMES:
        a, da = tally.mae(("ours", m))
        b, db = tally.mae(("raw", m))
        c, _ = tally.mae(("best2d", m))
        if np.isnan(da) and np.isnan(db):
            continue
        sa, _ = tally.mae(("ours_shared", m))
        sb, _ = tally.mae(("raw_shared", m))
        shared = "-" if np.isnan(sa) else f"{_cell(sa)}/{_cell(sb)}"
        print(f"  {m:26s} {_cell(a, da):>16s} {_cell(b, db):>16s} {_cell(c):>14s} "
              f"{shared:>20s}")
        figures["metrics"][m] = {"ours": _num(a), "ours_det": _num(da),
                                 "raw": _num(b), "raw_det": _num(db), "true_joint_2d": _num(c),
                                 "ours_shared": _num(sa), "raw_shared": _num(sb)}
    arch = tally.arch()
    figures["arch"] = arch
    if arch["arch_frames"] or arch["good_frames"]:
        recall = "-" if arch["recall"] is None else f"{arch['recall']:.1%}"
        false = "-" if arch["false_flag_rate"] is None else f"{arch['false_flag_rate']:.1%}"
        delay = "-" if arch["cue_delay_median_s"] is None else (
            f"{arch['cue_delay_median_s']:.2f} s median, {arch['cue_delay_max_s']:.2f} s max")
        print(f"  arching flag: recall {recall} of {arch['arch_frames']} frames, false flags "
              f"{false} of {arch['good_frames']} good-form frames; cue delay {delay}, "
              f"{arch['episodes_missed']} of {arch['episodes']} episodes missed")
    return figures


def _num(value) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 3)


PER_CLIP_METRICS = ("hip_extension_deg", "knee_flexion_deg", "trunk_inclination_deg",
                    "lumbar_extension_deg")


def clip_line(clip: Clip, res: dict) -> str:
    """One clip's MAE (ours / raw) of the main metrics and its arch flag, for --per-clip."""
    tally = Tally()
    score_clip(clip, res, tally)
    cells = []
    for m in PER_CLIP_METRICS:
        ours, det = tally.mae(("ours", m))
        raw, _ = tally.mae(("raw", m)) if m not in ESTIMATED_METRICS else (np.nan, None)
        short = m.removesuffix("_deg").replace("_extension", "_ext").replace("_flexion", "")
        cells.append(f"{short} {_cell(ours)}/{_cell(raw)} ({_cell(det)})")
    arch = tally.arch()
    if arch["recall"] is not None:
        cells.append(f"arch {arch['recall']:.0%}")
    if arch["false_flag_rate"] is not None:
        cells.append(f"false {arch['false_flag_rate']:.0%}")
    return f"  {clip.name:34s} " + ", ".join(cells)


def score_groups(clips: list[Clip], adaptive: bool, calibration: Calibration,
                 leg_identity: bool = True, per_clip: bool = False) -> dict:
    """Tallies keyed (split, class), plus (split, 'all'); with `per_clip`, each clip's
    line is printed as it is scored (ours/raw MAE, det)."""
    tallies: dict[tuple[str, str], Tally] = defaultdict(Tally)
    for clip in clips:
        res = run_clip(clip, adaptive, calibration, leg_identity=leg_identity)
        if per_clip:
            print(clip_line(clip, res), flush=True)
        for key in ((split_of(clip), clip_class(clip)), (split_of(clip), "all")):
            score_clip(clip, res, tallies[key])
    return tallies


def report(clips: list[Clip], adaptive: bool, calibration: Calibration,
           leg_identity: bool = True, per_clip: bool = False) -> dict:
    tallies = score_groups(clips, adaptive, calibration, leg_identity, per_clip)
    order = {"train": 0, "val": 1, "test": 2, "sample": 3}
    figures: dict = {}
    for split, klass in sorted(tallies, key=lambda k: (order.get(k[0], 9), k[1] == "all", k[1])):
        figures.setdefault(split, {})[klass] = group_table(f"{split} / {klass}",
                                                           tallies[(split, klass)])
    overfit_report(figures)
    return figures


def overfit_report(figures: dict) -> None:
    """Test against training figure per metric and class (the issue's 1.5x rule)."""
    if "train" not in figures or "test" not in figures:
        return
    print("\ntest / train MAE per class (over 1.5: overfit)")
    for klass, test in figures["test"].items():
        train = figures["train"].get(klass)
        if not train:
            continue
        cells = []
        for m, t in test["metrics"].items():
            tr = train["metrics"].get(m, {}).get("ours")
            if t["ours"] is not None and tr:
                ratio = t["ours"] / tr
                flag = " OVERFIT" if ratio > 1.5 else ""
                cells.append(f"{m.removesuffix('_deg')} {ratio:.2f}{flag}")
        print(f"  {klass}: " + ", ".join(cells))


# ---------------------------------------------------------------------- yaw sweep


def band_key(clip: Clip) -> tuple[str, float]:
    """(clip class, |true yaw| rounded to its SWEEP_BAND_DEG band)."""
    return clip_class(clip), SWEEP_BAND_DEG * round(abs(true_yaw(clip)) / SWEEP_BAND_DEG)


def bands_by_class(keys) -> Iterator[tuple[str, list[tuple[str, float]]]]:
    """(clip class, its band keys in yaw order) for each class that has any."""
    for klass in CLASSES:
        mine = sorted(k for k in keys if k[0] == klass)
        if mine:
            yield klass, mine


SWEEPS = {"valsweep": "validation bodies", "sweep": "test bodies"}
ESTIMATE_BIN_DEG = 5.0
READ_QUANTILES = tuple(range(5, 100, 5))


def estimate_bins(angle: np.ndarray) -> np.ndarray:
    """Each frame's bin of the view estimate, named by its upper edge (5 for 0-5 deg)."""
    return ESTIMATE_BIN_DEG * np.maximum(np.ceil(angle / ESTIMATE_BIN_DEG), 1.0)


def _entry(t: Tally, names: tuple[str, ...]) -> dict:
    return {"clips": t.clips, "frames": t.base.get(("ours", "hip_extension_deg"), 0),
            "metrics": {n: {"ours": _num(t.mae(("ours", n))[0]),
                            "raw": _num(t.mae(("raw", n))[0])} for n in names},
            "arch": t.arch()}


def sweep_report(clips: list[Clip], calibration: Calibration, bodies: str = "test bodies"
                 ) -> tuple[dict, dict]:
    """Per clip class, error per |yaw| band, ours and raw, the arch flag and the view
    estimate: {class: {band: entry}}; and the same error per bin of what the view estimate
    reads ({class: {bin's upper edge: entry}}): the gate acts on the estimate, so that is
    the curve it is set from (fit_view_gate.py)."""
    bands: dict[tuple[str, float], Tally] = defaultdict(Tally)
    by_read: dict[tuple[str, float], Tally] = defaultdict(Tally)
    view_err: dict[tuple[str, float], list[float]] = defaultdict(list)
    view_read: dict[tuple[str, float], list[float]] = defaultdict(list)
    signed_err: dict[tuple[str, float], list[float]] = defaultdict(list)
    for clip in clips:
        yaw, key = true_yaw(clip), band_key(clip)
        res = run_clip(clip, False, calibration, OPEN_GATE)
        score_clip(clip, res, bands[key])
        ok = np.isfinite(res["view_angle"])
        view_err[key].extend(np.abs(res["view_angle"][ok] - abs(yaw)).tolist())
        raw = np.isfinite(res["view_raw"])
        view_read[key].extend(res["view_raw"][raw].tolist())
        read_bin = estimate_bins(np.where(raw, res["view_raw"], 0.0))
        for edge in np.unique(read_bin[raw]):
            score_clip(clip, res, by_read[(key[0], float(edge))], raw & (read_bin == edge))
        sv = np.isfinite(res["signed_view"])
        signed_err[key].extend(np.abs(res["signed_view"][sv] - yaw).tolist())
    names = ("hip_extension_deg", "knee_flexion_deg", "thigh_to_vertical_deg",
             "trunk_inclination_deg", "pelvic_tilt_deg", "lumbar_extension_deg")
    out: dict[str, dict] = {}
    for klass, keys in bands_by_class(bands):
        print(f"\nyaw sweep, {klass} ({bodies}): |yaw| band, MAE ours/raw, arch recall / "
              "false flags, view angle MAE (unsigned, signed), what the estimate reads")
        print("  yaw  clips " + " ".join(f"{n.removesuffix('_deg')[:14]:>15s}" for n in names)
              + "   arch rec/false   view  signed  reads")
        out[klass] = {}
        for key in keys:
            t, band = bands[key], key[1]
            cells, entry = [], {"clips": t.clips, "metrics": {}}
            for n in names:
                a, _ = t.mae(("ours", n))
                b, _ = t.mae(("raw", n))
                cells.append(f"{_cell(a)}/{_cell(b)}".rjust(15))
                entry["metrics"][n] = {"ours": _num(a), "raw": _num(b)}
            arch = t.arch()
            entry["arch"] = arch
            v = float(np.mean(view_err[key])) if view_err[key] else np.nan
            s = float(np.mean(signed_err[key])) if signed_err[key] else np.nan
            # What the view estimate reads at this true yaw, before the view scale: the
            # gate (fit_view_gate.py) is applied to it, so it is placed where it stands.
            r = float(np.median(view_read[key])) if view_read[key] else np.nan
            entry["view_mae_deg"], entry["signed_view_mae_deg"] = _num(v), _num(s)
            entry["view_median_deg"] = _num(r)
            entry["view_read_quantiles_deg"] = (
                {f"p{q}": round(float(np.percentile(view_read[key], q)), 2)
                 for q in READ_QUANTILES} if view_read[key] else None)
            rec = "-" if arch["recall"] is None else f"{arch['recall']:.2f}"
            fal = "-" if arch["false_flag_rate"] is None else f"{arch['false_flag_rate']:.2f}"
            print(f"  {band:4.0f} {t.clips:5d} " + " ".join(cells)
                  + f"   {rec:>6s}/{fal:<6s}  {_cell(v):>5s} {_cell(s):>6s} {_cell(r):>6s}")
            out[klass][f"{band:g}"] = entry
    by_estimate: dict[str, dict] = {}
    for klass, keys in bands_by_class(by_read):
        print(f"\nthe same, {klass} ({bodies}), per bin of what the view estimate reads: "
              "frames, hip extension and knee MAE ours/raw, arch recall / false flags")
        by_estimate[klass] = {}
        for key in keys:
            t, edge = by_read[key], key[1]
            entry = _entry(t, ("hip_extension_deg", "knee_flexion_deg"))
            hip, knee = (entry["metrics"][n] for n in ("hip_extension_deg", "knee_flexion_deg"))
            arch = entry["arch"]
            rec = "-" if arch["recall"] is None else f"{arch['recall']:.2f}"
            fal = "-" if arch["false_flag_rate"] is None else f"{arch['false_flag_rate']:.2f}"
            print(f"  reads {edge - ESTIMATE_BIN_DEG:4.0f}-{edge:<4.0f} {entry['frames']:6d} "
                  f"{_cell(hip['ours'])}/{_cell(hip['raw'])} "
                  f"{_cell(knee['ours'])}/{_cell(knee['raw'])}   {rec}/{fal}")
            by_estimate[klass][f"{edge:g}"] = entry
    return out, by_estimate


def sagittal_report(clips: list[Clip], calibration: Calibration, title: str) -> dict:
    """The three ways of measuring in the sagittal plane side by side, per class and
    |yaw| band: the image plane as it is ("2-D"), the image stretched back by the view
    angle (sagittal_correction), the world landmarks alone, and raw landmarks;
    {class: {band: {metric: {variant: MAE}}}}."""
    variants = ("2-D", "stretched", "world", "raw")
    names = ("hip_extension_deg", "knee_flexion_deg", "thigh_to_vertical_deg")
    bands: dict[tuple[str, float], Tally] = defaultdict(Tally)
    for clip in clips:
        flat, stretched = (run_clip(clip, False, calibration, OPEN_GATE, sagittal=s)
                           for s in (False, True))
        rows = flat["rows"]
        valid = valid_frames(clip, rows)
        t = bands[band_key(clip)]
        t.clips += 1
        for m in names:
            truth = truth_of(clip, rows, m)
            t.add_metric(("2-D", m), flat["ours"][m], truth, valid)
            t.add_metric(("stretched", m), stretched["ours"][m], truth, valid)
            t.add_metric(("raw", m), flat["raw"][m], truth, valid)
            if m in SAGITTAL_METRICS:
                t.add_metric(("world", m), flat["world"][m], truth, valid)
    out: dict[str, dict] = {}
    for klass, keys in bands_by_class(bands):
        print(f"\nsagittal plane, {klass} ({title}): MAE per |yaw| band, "
              + " / ".join(variants))
        print("  yaw  clips " + " ".join(f"{n.removesuffix('_deg')[:22]:>25s}" for n in names))
        out[klass] = {}
        for key in keys:
            t = bands[key]
            entry, cells = {}, []
            for m in names:
                maes = {v: t.mae((v, m))[0] for v in variants}
                entry[m] = {v: _num(x) for v, x in maes.items()}
                cells.append("/".join(_cell(maes[v]) for v in variants).rjust(25))
            print(f"  {key[1]:4.0f} {t.clips:5d} " + " ".join(cells))
            out[klass][f"{key[1]:g}"] = entry
    return out


def plot_sweep(sweep_by_class: dict, path: Path, klass: str = "kneeling") -> None:
    """Hip extension and knee flexion error against |yaw| for one clip class, ours and raw
    (a PNG)."""
    import cv2

    sweep = sweep_by_class.get(klass) or {}
    if not sweep:
        return

    w, h, pad = 900, 520, 70
    img = np.full((h, w, 3), 255, np.uint8)
    yaws = sorted(float(k) for k in sweep)
    ymax = 15.0

    def xy(yaw: float, err: float) -> tuple[int, int]:
        return (int(pad + (w - 2 * pad) * yaw / 60.0),
                int(h - pad - (h - 2 * pad) * min(err, ymax) / ymax))

    for e in range(0, int(ymax) + 1, 3):
        cv2.line(img, xy(0, e), xy(60, e), (225, 225, 225), 1)
        cv2.putText(img, f"{e}", (pad - 30, xy(0, e)[1] + 5), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                    (60, 60, 60), 1, cv2.LINE_AA)
    for y in range(0, 61, 10):
        cv2.putText(img, f"{y}", (xy(y, 0)[0] - 8, h - pad + 22), cv2.FONT_HERSHEY_SIMPLEX,
                    0.5, (60, 60, 60), 1, cv2.LINE_AA)
    series = (("hip_extension_deg", "ours", (200, 80, 20), "hip extension, posecoach"),
              ("hip_extension_deg", "raw", (200, 80, 20), "hip extension, raw landmarks"),
              ("knee_flexion_deg", "ours", (40, 40, 200), "knee flexion, posecoach"),
              ("knee_flexion_deg", "raw", (40, 40, 200), "knee flexion, raw landmarks"))
    for k, (metric, who, colour, label) in enumerate(series):
        pts = [xy(y, sweep[f"{y:g}"]["metrics"][metric][who]) for y in yaws
               if sweep[f"{y:g}"]["metrics"][metric][who] is not None]
        for a, b in zip(pts, pts[1:], strict=False):
            if who == "ours":
                cv2.line(img, a, b, colour, 3, cv2.LINE_AA)
            else:
                cv2.line(img, a, b, colour, 1, cv2.LINE_AA)
        cv2.putText(img, label, (pad + 10, pad - 40 + 18 * k), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                    colour, 2 if who == "ours" else 1, cv2.LINE_AA)
    cv2.line(img, xy(0, 3), xy(60, 3), (0, 150, 0), 1)
    cv2.putText(img, f"{klass}: degrees off side-on (|yaw|)", (w // 2 - 150, h - 15),
                cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(img, "MAE, deg", (5, pad - 50), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 1,
                cv2.LINE_AA)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), img)


# ---------------------------------------------------------------------- output


def write_docs(figures: dict, sweeps: dict[str, tuple[dict, dict]], source: str) -> None:
    """docs/accuracy.json (what the stored-results test compares) and docs/ACCURACY.md.
    `sweeps`: per sweep split (SWEEPS), its sweep_report; the test bodies' one is
    "yaw_sweep", the validation bodies' "yaw_sweep_val", and each one's curve against
    what the estimate reads (the view gate is set from the validation one) is
    "yaw_sweep[_val]_by_estimate"."""
    DOCS.mkdir(exist_ok=True)
    document = {"source": source, "calibration": "models/calibration.json",
                "groups": figures}
    for split, key in (("sweep", "yaw_sweep"), ("valsweep", "yaw_sweep_val")):
        bands, by_estimate = sweeps.get(split) or (None, None)
        document[key], document[f"{key}_by_estimate"] = bands, by_estimate
    (DOCS / "accuracy.json").write_text(json.dumps(document, indent=2) + "\n")
    lines = ["# Accuracy (generated by `python tools/bench/bench_accuracy.py --write`; do not "
             "edit)", "", f"Data: {source}.", ""]
    for split, groups in figures.items():
        for klass, g in groups.items():
            lines += [f"## {split} / {klass} ({g['clips']} clips)", "",
                      "| metric | posecoach MAE | det | raw landmarks MAE | det | "
                      "2-D from the true joints | frames both read: posecoach / raw |",
                      "|---|---|---|---|---|---|---|"]
            for m, v in g["metrics"].items():
                shared = ("-" if v.get("ours_shared") is None
                          else f"{_md(v['ours_shared'])} / {_md(v['raw_shared'])}")
                lines.append(f"| {m} | {_md(v['ours'])} | {_md(v['ours_det'])} | "
                             f"{_md(v['raw'])} | {_md(v['raw_det'])} | "
                             f"{_md(v.get('true_joint_2d'))} | {shared} |")
            a = g["arch"]
            if a["arch_frames"] or a["good_frames"]:
                lines += ["", f"Arching flag: recall {_pct(a['recall'])} of {a['arch_frames']} "
                          f"arch frames, false flags {_pct(a['false_flag_rate'])} of "
                          f"{a['good_frames']} good-form frames, cue delay median "
                          f"{_md(a['cue_delay_median_s'])} s / max {_md(a['cue_delay_max_s'])} "
                          f"s, {a['episodes_missed']} of {a['episodes']} episodes missed."]
            lines.append("")
    sections = [(SWEEPS[split], klass, bands) for split in ("sweep", "valsweep")
                for klass, bands in (sweeps.get(split) or ({}, {}))[0].items()]
    for bodies, klass, bands in sections:
        lines += [f"## Yaw sweep, {klass} ({bodies})", "",
                  "| abs yaw | clips | hip ext ours / raw | knee ours / raw | arch recall | "
                  "false flags | view MAE | signed view MAE | estimate reads |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for band, e in bands.items():
            hip, knee = e["metrics"]["hip_extension_deg"], e["metrics"]["knee_flexion_deg"]
            lines.append(f"| {band} | {e['clips']} | {_md(hip['ours'])} / {_md(hip['raw'])} | "
                         f"{_md(knee['ours'])} / {_md(knee['raw'])} | "
                         f"{_md(e['arch']['recall'])} | {_md(e['arch']['false_flag_rate'])} | "
                         f"{_md(e['view_mae_deg'])} | {_md(e['signed_view_mae_deg'])} | "
                         f"{_md(e.get('view_median_deg'))} |")
        lines.append("")
    reads = [(SWEEPS[split], klass, bins) for split in ("valsweep", "sweep")
             for klass, bins in (sweeps.get(split) or ({}, {}))[1].items()]
    for bodies, klass, bins in reads:
        lines += [f"## Yaw sweep by what the view estimate reads, {klass} ({bodies})", "",
                  "| estimate reads | clips | frames | hip ext ours / raw | knee ours / raw | "
                  "arch recall | false flags |", "|---|---|---|---|---|---|---|"]
        for edge, e in bins.items():
            hip, knee = e["metrics"]["hip_extension_deg"], e["metrics"]["knee_flexion_deg"]
            lines.append(f"| {float(edge) - ESTIMATE_BIN_DEG:g}-{edge} | {e['clips']} | "
                         f"{e['frames']} | {_md(hip['ours'])} / {_md(hip['raw'])} | "
                         f"{_md(knee['ours'])} / {_md(knee['raw'])} | "
                         f"{_md(e['arch']['recall'])} | {_md(e['arch']['false_flag_rate'])} |")
        lines.append("")
    (DOCS / "ACCURACY.md").write_text("\n".join(lines) + "\n")


def _md(v) -> str:
    return "-" if v is None else f"{v:.2f}"


def _pct(v) -> str:
    return "-" if v is None else f"{100 * v:.1f}%"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="parallel pose extraction")
    parser.add_argument("--videos", type=Path, default=VIDEOS, help="folder of GT clips")
    parser.add_argument("--corpus", type=Path, default=None,
                        help="a rendered corpus (tools/clipgen/corpus.py): score its splits")
    parser.add_argument("--splits", default="train,val,test",
                        help="corpus splits to score (comma-separated)")
    parser.add_argument("--samples", action="store_true",
                        help="with --corpus: score the sample clips too, as their own group")
    parser.add_argument("--yaw-sweep", action="store_true", help="score the corpus's sweep")
    parser.add_argument("--plot", type=Path, default=None, help="with --yaw-sweep: a PNG")
    parser.add_argument("--sagittal", action="store_true",
                        help="compare the ways of measuring in the sagittal plane (image, "
                        "stretched by the view angle, world landmarks) on the sweep and splits")
    parser.add_argument("--adaptive", action="store_true", help="ours as analyze --adaptive")
    parser.add_argument("--no-leg-identity", action="store_true",
                        help="ours without the leg-label check (pose.legs), for comparison")
    parser.add_argument("--per-clip", action="store_true",
                        help="print each clip's main errors (ours/raw MAE, det) as scored")
    parser.add_argument("--workers", type=int, default=1,
                        help="landmarkers dealt frames in turn, as analyze on N cores")
    parser.add_argument("--model", type=Path, default=None, help="pose model bundle")
    parser.add_argument("--mask-every-frame", action="store_true",
                        help="ours with a mask on every frame (analyze --mask-every-frame); "
                        "default: every other frame, as analyze on two cores")
    parser.add_argument("--write", action="store_true",
                        help="write docs/accuracy.json and docs/ACCURACY.md")
    args = parser.parse_args(argv)
    workers = max(1, args.workers)
    global MASK_EVERY
    MASK_EVERY = 1 if args.mask_every_frame else 2
    clips: list[Clip] = []
    if args.corpus is not None:
        splits = [s for s in args.splits.split(",") if s]
        clips = load_corpus(args.corpus, splits, jobs=args.jobs, workers=workers,
                            model=args.model)
    if args.corpus is None or args.samples:
        clips += load_clips(args.videos, jobs=args.jobs, workers=workers, model=args.model)
    if not clips:
        print("no ground-truth clips found", file=sys.stderr)
        return 1
    if args.sagittal:
        return sagittal_main(args, clips, workers)
    if args.no_leg_identity and args.write:
        print("--no-leg-identity is a comparison: it does not --write", file=sys.stderr)
        return 2
    figures = report(clips, args.adaptive, DEFAULT_CALIBRATION, not args.no_leg_identity,
                     args.per_clip)
    sweeps: dict[str, dict] = {}
    if args.yaw_sweep and args.corpus is not None:
        for split, bodies in SWEEPS.items():
            sweep_clips = load_corpus(args.corpus, [split], jobs=args.jobs, workers=workers,
                                      model=args.model)
            if not sweep_clips:
                print(f"\nno {split} clips in {args.corpus} ({bodies}'s yaw sweep)")
                continue
            sweeps[split] = sweep_report(sweep_clips, DEFAULT_CALIBRATION, bodies)
        if args.plot and "sweep" in sweeps:
            plot_sweep(sweeps["sweep"][0], args.plot)
    if args.write:
        source = f"corpus {args.corpus.name}" if args.corpus else "sample_videos"
        write_docs(figures, sweeps, source)
    return 0


def sagittal_main(args: argparse.Namespace, clips: list[Clip], workers: int) -> int:
    """--sagittal: the comparison on the loaded splits and, with a corpus, its sweep."""
    for split in sorted({split_of(c) for c in clips}):
        sagittal_report([c for c in clips if split_of(c) == split], DEFAULT_CALIBRATION, split)
    if args.corpus is not None and args.yaw_sweep:
        sweep_clips = load_corpus(args.corpus, ["sweep"], jobs=args.jobs, workers=workers,
                                  model=args.model)
        sagittal_report(sweep_clips, DEFAULT_CALIBRATION, "sweep, test bodies")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
