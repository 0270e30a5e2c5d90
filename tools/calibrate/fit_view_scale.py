"""Fit the view scale (models/view_scale.json): what the view estimate reads, as degrees
off side-on.

    python tools/calibrate/fit_view_scale.py --corpus CORPUS [--write]

The estimate (posecoach.measure.view) reads 8-9 deg on a body filmed exactly side-on,
because it is a magnitude of noisy cues, and too little on a turned body. The scale maps
it, after the tracker's smoothing, to the true angle:

- fitted on the validation bodies only (corpus splits `valsweep`, every 5 deg from 0 to
  60 deg, and `val`, within 20 deg of side-on), each frame with a pose a pair (smoothed
  estimate, the clip's true |yaw|), every clip weighing the same whatever its length;
- the pairs binned by the estimate (`--bin` deg), each bin's weighted mean true yaw
  fitted non-decreasing (isotonic, fit_view_gate.monotone), and one knot per pooled
  block at its weighted mean estimate, so the knots rise strictly and the map keeps the
  order of the estimates (the gate, set on the raw estimate, decides as before);
- checked, never tuned, on the test bodies (`sweep` and `test`): the view angle's mean
  absolute error per 5 deg band of true yaw, without the scale and with it.

With --write the knots, that check and how they were made go to models/view_scale.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from posecoach.measure.view import ViewScale  # noqa: E402
from tools.calibrate.fit_view_gate import monotone  # noqa: E402

SCALE = ROOT / "models" / "view_scale.json"
FIT_SPLITS = ("valsweep", "val")
CHECK_SPLITS = ("sweep", "test")
BAND_DEG = 5.0
TARGET_UP_TO_DEG = 35.0


def fit_scale(raw: np.ndarray, true: np.ndarray, weight: np.ndarray,
              bin_deg: float = 2.0) -> ViewScale:
    """The increasing piecewise-linear map from estimate to true angle (pure)."""
    ok = np.isfinite(raw) & np.isfinite(true) & (weight > 0)
    raw, true, weight = raw[ok], true[ok], weight[ok]
    if raw.size == 0:
        raise ValueError("no frames with a view estimate to fit on")
    bins = np.floor(raw / bin_deg).astype(int)
    keys = np.unique(bins)
    w = np.array([weight[bins == k].sum() for k in keys])
    x = np.array([np.average(raw[bins == k], weights=weight[bins == k]) for k in keys])
    y = np.array([np.average(true[bins == k], weights=weight[bins == k]) for k in keys])
    fitted = np.array(monotone(y.tolist(), w.tolist(), increasing=True))
    knots_raw, knots_true = [], []
    start = 0
    for end in range(1, len(fitted) + 1):  # one knot per run of equal fitted values
        if end == len(fitted) or fitted[end] != fitted[start]:
            block = slice(start, end)
            knots_raw.append(float(np.average(x[block], weights=w[block])))
            knots_true.append(float(fitted[start]))
            start = end
    return ViewScale(tuple(round(v, 2) for v in knots_raw),
                     tuple(round(v, 2) for v in knots_true))


def _errors(yaw: float, raw: np.ndarray, scale: ViewScale) -> np.ndarray:
    """Per frame, how far the scaled estimate is from the true |yaw|."""
    return np.abs(np.array([scale.degrees(float(v)) for v in raw]) - yaw)


def band_errors(pairs: list[tuple[float, np.ndarray]], scale: ViewScale) -> dict[float, float]:
    """Mean absolute error of the scaled estimate per 5 deg band of true |yaw|; pairs are
    (true |yaw|, the clip's per-frame raw estimates)."""
    errors: dict[float, list[float]] = defaultdict(list)
    for yaw, raw in pairs:
        errors[BAND_DEG * round(yaw / BAND_DEG)].extend(_errors(yaw, raw, scale).tolist())
    return {band: float(np.mean(e)) for band, e in sorted(errors.items())}


def pooled(pairs: list[tuple[float, np.ndarray]], scale: ViewScale,
           up_to: float = 90.0) -> float:
    """Mean absolute error over every frame of the clips up to `up_to` deg of true |yaw|."""
    errs = [_errors(yaw, raw, scale) for yaw, raw in pairs if yaw <= up_to + 1e-6]
    return float(np.mean(np.concatenate(errs))) if errs else float("nan")


def clip_pairs(clips) -> list[tuple[float, np.ndarray]]:
    """(true |yaw|, smoothed raw estimates of the frames with a pose) per clip, as the
    app's tracker reads them with the gate open."""
    from tools.bench import bench_accuracy as bench

    out = []
    for clip in clips:
        res = bench.run_clip(clip, False, bench.DEFAULT_CALIBRATION, bench.OPEN_GATE)
        raw = res["view_raw"][np.isfinite(res["view_raw"])]
        if raw.size:
            out.append((abs(bench.true_yaw(clip)), raw))
    return out


def check_table(pairs: list[tuple[float, np.ndarray]], scale: ViewScale) -> dict:
    before, after = band_errors(pairs, ViewScale()), band_errors(pairs, scale)
    return {
        "bands": {f"{b:g}": {"raw_mae_deg": round(before[b], 2),
                             "scaled_mae_deg": round(after[b], 2)} for b in before},
        f"up_to_{TARGET_UP_TO_DEG:g}_deg": {
            "raw_mae_deg": round(pooled(pairs, ViewScale(), TARGET_UP_TO_DEG), 2),
            "scaled_mae_deg": round(pooled(pairs, scale, TARGET_UP_TO_DEG), 2)},
        "all": {"raw_mae_deg": round(pooled(pairs, ViewScale()), 2),
                "scaled_mae_deg": round(pooled(pairs, scale), 2)},
    }


def _print(title: str, table: dict) -> None:
    print(f"\n{title}: view angle MAE per band of true |yaw|, estimate as read -> scaled")
    for band, e in table["bands"].items():
        print(f"  {float(band):4.0f} deg: {e['raw_mae_deg']:6.2f} -> {e['scaled_mae_deg']:6.2f}")
    up, every = table[f"up_to_{TARGET_UP_TO_DEG:g}_deg"], table["all"]
    print(f"  up to {TARGET_UP_TO_DEG:g} deg: {up['raw_mae_deg']:.2f} -> "
          f"{up['scaled_mae_deg']:.2f}; every band: {every['raw_mae_deg']:.2f} -> "
          f"{every['scaled_mae_deg']:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--bin", type=float, default=2.0, help="bin width of the estimate")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--write", action="store_true", help="write models/view_scale.json")
    args = parser.parse_args(argv)
    from tools.synth.gtclips import load_corpus

    fit_clips = load_corpus(args.corpus, list(FIT_SPLITS), jobs=args.jobs)
    check_clips = load_corpus(args.corpus, list(CHECK_SPLITS), jobs=args.jobs)
    if not fit_clips:
        print(f"fit_view_scale: no {'/'.join(FIT_SPLITS)} clips in {args.corpus}",
              file=sys.stderr)
        return 1
    fit_pairs = clip_pairs(fit_clips)
    raw = np.concatenate([r for _, r in fit_pairs])
    true = np.concatenate([np.full(r.size, y) for y, r in fit_pairs])
    weight = np.concatenate([np.full(r.size, 1.0 / r.size) for _, r in fit_pairs])
    scale = fit_scale(raw, true, weight, args.bin)
    print("knots (estimate -> degrees off side-on): " + ", ".join(
        f"{a:.1f}->{b:.1f}" for a, b in zip(scale.raw_deg, scale.true_deg, strict=True)))
    fit_table = check_table(fit_pairs, scale)
    _print(f"validation bodies ({'+'.join(FIT_SPLITS)}, fitted on)", fit_table)
    check_pairs = clip_pairs(check_clips)
    check = check_table(check_pairs, scale) if check_pairs else None
    if check:
        _print(f"test bodies ({'+'.join(CHECK_SPLITS)}, never fitted on)", check)
    if args.write:
        document = {
            "raw_deg": list(scale.raw_deg),
            "true_deg": list(scale.true_deg),
            "fit": fit_table,
            "test_check": check,
            "provenance": {
                "made_by": f"python tools/calibrate/fit_view_scale.py --corpus CORPUS "
                           f"--bin {args.bin:g} --write",
                "fitted_on": f"corpus splits {', '.join(FIT_SPLITS)} (validation bodies), "
                             f"{len(fit_pairs)} clips",
                "checked_on": f"corpus splits {', '.join(CHECK_SPLITS)} (test bodies), "
                              f"{len(check_pairs)} clips",
                "date": date.today().isoformat(),
            },
        }
        SCALE.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {SCALE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
