"""Set the view gate (models/view_gate.json) from the measured error against yaw.

    python tools/bench/bench_accuracy.py --corpus CORPUS --yaw-sweep --write   # the curve
    python tools/calibrate/fit_view_gate.py [--write]                            # the gate

Reads the yaw sweep that bench_accuracy wrote to docs/accuracy.json (per band of true
|yaw|: hip extension error, arch recall, and the median of what the view estimate read)
and finds the widest band up to which every band passes:

  hip extension MAE  <= --hip-limit (3 deg)
  arch frame recall  >= --recall-floor (0.9)

Those are the product's aim. Where the side-on figure itself misses one, the gate could
never open under it, so for that criterion the limit becomes relative to side-on instead
(side-on MAE + --hip-rise, side-on recall - --recall-drop): what turning the camera costs
stays bounded. Which rule applied is written with the gate.

The gate is applied to the estimated view angle, not to the true yaw (which no user has),
so `bad_deg` is placed halfway between what the estimate reads in the last passing band
and in the first failing one; `good_deg` (side-on again) is --hysteresis below it.
With --write the gate and how it was found go to models/view_gate.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ACCURACY = ROOT / "docs" / "accuracy.json"
GATE = ROOT / "models" / "view_gate.json"


def band_passes(entry: dict, hip_limit: float, recall_floor: float) -> bool:
    hip = entry["metrics"]["hip_extension_deg"]["ours"]
    recall = entry["arch"].get("recall")
    if hip is None or hip > hip_limit:
        return False
    return recall is None or recall >= recall_floor


def fit_gate(sweep: dict, hip_limit: float = 3.0, hip_rise: float = 1.5,
             recall_floor: float = 0.9, recall_drop: float = 0.1,
             hysteresis: float = 5.0) -> dict:
    """The gate and the criteria it came from (pure: the sweep in, a document out)."""
    bands = sorted(sweep, key=float)
    if not bands or float(bands[0]) != 0.0:
        raise ValueError("the yaw sweep has no side-on (0 deg) band")
    side_on = sweep[bands[0]]
    base_hip = side_on["metrics"]["hip_extension_deg"]["ours"]
    base_recall = side_on["arch"].get("recall")
    if base_hip is None:
        raise ValueError("the side-on band has no hip extension figure")
    hip_cap = hip_limit if base_hip <= hip_limit else base_hip + hip_rise
    recall_min = (recall_floor if base_recall is None or base_recall >= recall_floor
                  else base_recall - recall_drop)
    last = 0
    for i, band in enumerate(bands):
        if not band_passes(sweep[band], hip_cap, recall_min):
            break
        last = i
    reads = [sweep[b].get("view_median_deg") for b in bands]
    if reads[last] is None:
        raise ValueError(f"no view estimate recorded for the {bands[last]} deg band")
    if last + 1 < len(bands) and reads[last + 1] is not None:
        bad = 0.5 * (reads[last] + reads[last + 1])
    else:
        bad = reads[last]
    return {
        "bad_deg": round(bad, 1),
        "good_deg": round(max(bad - hysteresis, 0.0), 1),
        "passing_true_yaw_deg": float(bands[last]),
        "criteria": {"hip_extension_mae_max_deg": round(hip_cap, 2),
                     "relative_to_side_on": {"hip": hip_cap != hip_limit,
                                             "recall": recall_min != recall_floor},
                     "arch_recall_min": None if recall_min is None else round(recall_min, 3),
                     "hip_limit_deg": hip_limit, "hip_rise_deg": hip_rise,
                     "recall_floor": recall_floor, "recall_drop": recall_drop},
        "bands": {b: {"hip_extension_mae_deg": sweep[b]["metrics"]["hip_extension_deg"]["ours"],
                      "arch_recall": sweep[b]["arch"].get("recall"),
                      "view_median_deg": sweep[b].get("view_median_deg"),
                      "passes": band_passes(sweep[b], hip_cap, recall_min)}
                  for b in bands},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accuracy", type=Path, default=ACCURACY)
    parser.add_argument("--hip-limit", type=float, default=3.0)
    parser.add_argument("--hip-rise", type=float, default=1.5)
    parser.add_argument("--recall-floor", type=float, default=0.9)
    parser.add_argument("--recall-drop", type=float, default=0.1)
    parser.add_argument("--hysteresis", type=float, default=5.0)
    parser.add_argument("--write", action="store_true", help="write models/view_gate.json")
    args = parser.parse_args(argv)
    try:
        sweep = json.loads(args.accuracy.read_text(encoding="utf-8")).get("yaw_sweep")
        if not sweep:
            raise ValueError("no yaw sweep in it (run bench_accuracy.py --yaw-sweep --write)")
        gate = fit_gate(sweep, args.hip_limit, args.hip_rise, args.recall_floor,
                        args.recall_drop, args.hysteresis)
    except (OSError, ValueError, KeyError) as exc:
        print(f"fit_view_gate: {args.accuracy}: {exc}", file=sys.stderr)
        return 1
    c = gate["criteria"]
    print(f"criteria: hip extension MAE <= {c['hip_extension_mae_max_deg']} deg, "
          f"arch recall >= {c['arch_recall_min']}")
    for band, b in gate["bands"].items():
        print(f"  |yaw| {float(band):4.0f}: hip {b['hip_extension_mae_deg']}, recall "
              f"{b['arch_recall']}, estimate reads {b['view_median_deg']}"
              f"  {'pass' if b['passes'] else 'FAIL'}")
    print(f"gate: coach up to a true |yaw| of {gate['passing_true_yaw_deg']:.0f} deg; "
          f"oblique above an estimated {gate['bad_deg']} deg, side-on again below "
          f"{gate['good_deg']} deg")
    if args.write:
        source = (args.accuracy.relative_to(ROOT) if args.accuracy.is_relative_to(ROOT)
                  else args.accuracy)
        gate["provenance"] = {
            "made_by": "python tools/calibrate/fit_view_gate.py --write",
            "from": f"{source} (bench_accuracy.py --corpus CORPUS --yaw-sweep --write: the sweep's "
                    "test-split bodies)",
            "date": date.today().isoformat()}
        GATE.write_text(json.dumps(gate, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {GATE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
