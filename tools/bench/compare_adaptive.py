"""Adaptive analysis against full-rate analysis of the same clip: metrics and hold times.

    .venv/bin/python tools/bench/compare_adaptive.py CLIP [CLIP...] [--exercise ID] [--workers N]
                                               [--floor] [--masks]

Runs `posecoach analyze` (no video, report or history) on each clip twice, at full
rate and with --adaptive, and prints per metric the mean absolute difference over the
frames where both have a value (target: <= 0.5 deg) and the mean signed difference
(adaptive minus full rate: a bias, not noise, when it is near the mean |diff|), the
frames where only one has a value, and for every hold the start, end and good-form
seconds of both (target: within 0.2 s). Exit code 1 when a target is missed.

With --floor it also compares two full-rate runs that differ only in how many
landmarkers shared the frames (one, and the --workers default): the model's own
run-to-run spread, which no adaptive schedule can get under.

With --masks it compares, against the same targets, the default full-rate run (masks from
one landmarker, carried to the frames between: posecoach.measure.silhouette) with
--mask-every-frame, and the two runs that differ only in that (exit code 1 on a miss).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from posecoach.cli.app import main as posecoach_main
from posecoach.registry import METRIC_NAMES

MAX_MEAN_DIFF_DEG = 0.5
MAX_HOLD_DIFF_S = 0.2
HOLD_FIELDS = ("start_s", "end_s", "good_s")


def analyze(clip: Path, out: Path, exercise: str, adaptive: bool, workers: int | None,
            extra: tuple[str, ...] = ()) -> Path:
    args = ["analyze", str(clip), "--out", str(out), "--exercise", exercise, "--quiet",
            "--no-video", "--no-report", "--no-history", *extra]
    if workers is not None:
        args += ["--workers", str(workers)]
    if posecoach_main(args + (["--adaptive"] if adaptive else [])) != 0:
        raise SystemExit(f"compare_adaptive: analyze failed on {clip}")
    return out


def read_metrics(out: Path) -> dict[str, np.ndarray]:
    with (out / "frames.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {m: np.array([float(r[m]) if r[m] else np.nan for r in rows]) for m in METRIC_NAMES}


def holds(out: Path) -> list[tuple[str, dict]]:
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    found = []
    for side, block in sorted((summary.get("sides") or {}).items()):
        found += [(side, hold) for hold in block.get("holds", [])]
    return found


def compare_metrics(full: dict, fast: dict, other: str = "adaptive") -> bool:
    ok = True
    print(f"  {'metric':26s} {'mean |diff|':>11s} {'mean diff':>9s} {'max |diff|':>10s} "
          f"{'frames':>6s} {'only full':>9s} {'only ' + other:>13s}")
    for m in METRIC_NAMES:
        a, b = full[m], fast[m]
        both = np.isfinite(a) & np.isfinite(b)
        only_a = int((np.isfinite(a) & ~np.isfinite(b)).sum())
        only_b = int((~np.isfinite(a) & np.isfinite(b)).sum())
        if not both.any():
            print(f"  {m:26s} {'-':>11s} {'-':>9s} {'-':>10s} {0:6d} {only_a:9d} {only_b:13d}")
            continue
        signed = b[both] - a[both]
        diff = np.abs(signed)
        mean = float(diff.mean())
        flag = "" if mean <= MAX_MEAN_DIFF_DEG else "  <-- over 0.5"
        ok &= mean <= MAX_MEAN_DIFF_DEG
        print(f"  {m:26s} {mean:11.3f} {float(signed.mean()):+9.3f} {float(diff.max()):10.2f} "
              f"{int(both.sum()):6d} {only_a:9d} {only_b:13d}{flag}")
    return ok


def compare_holds(full: list, fast: list, other: str = "adaptive") -> bool:
    if len(full) != len(fast):
        print(f"  holds: {len(full)} at full rate, {len(fast)} {other}  <-- differ")
        return False
    ok = True
    for (side, a), (_, b) in zip(full, fast, strict=True):
        diffs = {k: abs(float(a[k]) - float(b[k])) for k in HOLD_FIELDS if k in a and k in b}
        worst = max(diffs.values(), default=0.0)
        ok &= worst <= MAX_HOLD_DIFF_S
        cells = ", ".join(f"{k} {float(a[k]):.2f}/{float(b[k]):.2f}" for k in diffs)
        print(f"  hold {side}{a.get('rep', '')}: {cells} (full/{other}), worst {worst:.2f} s"
              + ("" if worst <= MAX_HOLD_DIFF_S else "  <-- over 0.2 s"))
    if not full:
        print("  holds: none in this clip")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="+", type=Path)
    parser.add_argument("--exercise", default="kneeling_hip_flexor")
    parser.add_argument(
        "--workers", type=int, default=None,
        help="landmarkers of both runs (default: analyze's own, one per core)",
    )
    parser.add_argument(
        "--floor", action="store_true",
        help="also compare full rate with one landmarker against the full-rate run",
    )
    parser.add_argument(
        "--masks", action="store_true",
        help="also compare the default run against --mask-every-frame (a target)",
    )
    args = parser.parse_args(argv)
    all_ok = True
    for clip in args.clips:
        with tempfile.TemporaryDirectory(prefix="compare_adaptive_") as tmp:
            full = analyze(clip, Path(tmp) / "full", args.exercise, False, args.workers)
            fast = analyze(clip, Path(tmp) / "adaptive", args.exercise, True, args.workers)
            info = json.loads((fast / "summary.json").read_text())["analysis"]
            print(f"\n{clip.name}: model ran on {info['model_frames']} of "
                  f"{info['model_frames'] + info['interpolated_frames']} frames")
            ok = compare_metrics(read_metrics(full), read_metrics(fast))
            ok &= compare_holds(holds(full), holds(fast))
            if args.floor:
                one = analyze(clip, Path(tmp) / "one", args.exercise, False, 1)
                print("  floor: full rate with one landmarker against the run above "
                      "(for reference, not a target)")
                compare_metrics(read_metrics(full), read_metrics(one), "one")
                compare_holds(holds(full), holds(one), "one")
            if args.masks:
                every = analyze(clip, Path(tmp) / "every", args.exercise, False, args.workers,
                                ("--mask-every-frame",))
                print("  masks: --mask-every-frame (as full) against the default run")
                ok &= compare_metrics(read_metrics(every), read_metrics(full), "default")
                ok &= compare_holds(holds(every), holds(full), "default")
        print(f"  -> {'within targets' if ok else 'TARGET MISSED'}")
        all_ok &= ok
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
