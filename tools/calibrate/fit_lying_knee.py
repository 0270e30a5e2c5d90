"""Choose the knee visibility below which a lying body's working leg gets no angles.

    python tools/calibrate/fit_lying_knee.py --corpus CORPUS [--write]

Lying on a bench or the floor, BlazePose often marks the working knee as less visible
(the hanging leg against the bench) and then places it far off the joint: the working
leg's angles on those frames are off by tens of degrees. `Calibration.
lying_knee_min_visibility` drops them (posecoach.measure.frame.body_points), so the tool
shows no number where it would show a wrong one.

A dropped frame is not free: no number means no hold counted and no cue. So each
candidate is scored by a reject cost: the mean over every frame with a true value of
the absolute error where a number is given and REJECT_COST_DEG where none is (a missing
number counts as much as an error the exercise rules would already act on). The
candidates are the train frames' knee-visibility quantiles; the figures are printed for
train and val, the choice is made on val (bench and lying clips pooled), and the test
split is never read. --write stores the choice in models/calibration.json with its
provenance.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tools" / "bench")]

import bench_accuracy as ba  # noqa: E402

from posecoach.measure.calibration import (  # noqa: E402
    CALIBRATION_FILE,
    DEFAULT_CALIBRATION,
    save_calibration,
)
from tools.synth.gtclips import load_corpus  # noqa: E402

CLASSES = ("bench", "lying")
METRICS = ("hip_extension_deg", "thigh_to_horizontal_deg", "knee_flexion_deg")
REJECT_COST_DEG = 10.0
CANDIDATES = (None, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97)
SPLITS = ("train", "val")


def _clips(corpus: Path, split: str):
    return [c for c in load_corpus(corpus, [split], jobs=2) if ba.clip_class(c) in CLASSES]


def score(corpus: Path, split: str, least: float | None) -> dict:
    """Per metric: MAE of the numbers given, share of frames with one, and the reject
    cost; pooled over the split's bench and lying clips."""
    calibration = dataclasses.replace(DEFAULT_CALIBRATION, lying_knee_min_visibility=least)
    errors = {m: [] for m in METRICS}
    for clip in _clips(corpus, split):
        res = ba.run_clip(clip, calibration=calibration)
        valid = ba.valid_frames(clip, res["rows"])
        for m in METRICS:
            truth = ba.truth_of(clip, res["rows"], m)
            base = valid & np.isfinite(truth)
            errors[m].append(np.abs(res["ours"][m][base] - truth[base]))
    out = {}
    for m in METRICS:
        err = np.concatenate(errors[m])
        given = np.isfinite(err)
        out[m] = {
            "mae": float(err[given].mean()) if given.any() else None,
            "det": float(given.mean()) if err.size else None,
            "cost": float(np.where(given, np.minimum(err, 180.0), REJECT_COST_DEG).mean()),
        }
    return out


def _cell(figures: dict) -> str:
    mae = "-" if figures["mae"] is None else f"{figures['mae']:5.2f}"
    return f"MAE {mae} det {figures['det']:.2f} cost {figures['cost']:5.2f}"


def _job(args):
    corpus, split, least = args
    return split, least, score(corpus, split, least)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--write", action="store_true", help="store the val choice")
    args = parser.parse_args(argv)

    jobs = [(args.corpus, split, least) for split in SPLITS for least in CANDIDATES]
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = {(s, t): r for s, t, r in pool.map(_job, jobs)}

    print(f"reject cost: mean |error| with {REJECT_COST_DEG:g} deg for a frame without a "
          "number; bench + lying clips")
    print(f"{'least':>6s} {'split':5s} " + " ".join(f"{m.removesuffix('_deg'):>34s}"
                                                  for m in METRICS))
    for least in CANDIDATES:
        for split in SPLITS:
            r = results[(split, least)]
            cells = " ".join(
                f"{_cell(r[m]):>34s}" for m in METRICS)
            print(f"{'none' if least is None else least:>6} {split:5s} {cells}")

    def val_cost(least):
        return float(np.mean([results[("val", least)][m]["cost"] for m in METRICS]))

    chosen = min(CANDIDATES, key=val_cost)
    print(f"chosen on val (lowest mean reject cost over the three metrics): {chosen} "
          f"(cost {val_cost(chosen):.2f} against {val_cost(None):.2f} without)")
    if args.write:
        write(chosen, results, args.corpus)
    return 0


def write(chosen: float | None, results: dict, corpus: Path) -> None:
    path = REPO / "models" / CALIBRATION_FILE
    document = json.loads(path.read_text(encoding="utf-8"))
    provenance = document["provenance"]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                            capture_output=True, text=True).stdout.strip()
    provenance["lying_knee_min_visibility"] = {
        "fitted_by": "python tools/calibrate/fit_lying_knee.py --corpus corpus --write",
        "data": f"corpus {corpus.name}: candidates scored on the train and val bench and "
                "lying clips, chosen on val by the reject cost "
                f"({REJECT_COST_DEG:g} deg for a frame without a number)",
        "val_mean_reject_cost_deg": {
            ("none" if t is None else str(t)): round(float(np.mean(
                [results[("val", t)][m]["cost"] for m in METRICS])), 3)
            for t in CANDIDATES},
        "date": datetime.date.today().isoformat(),
        "git_commit": commit,
    }
    calibration = dataclasses.replace(DEFAULT_CALIBRATION, lying_knee_min_visibility=chosen)
    save_calibration(calibration, path, provenance)
    print(f"wrote {path}")


if __name__ == "__main__":
    raise SystemExit(main())
