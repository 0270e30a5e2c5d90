"""Set the view gate (models/view_gate.json) from the measured error against yaw.

    python tools/bench/bench_accuracy.py --corpus CORPUS --yaw-sweep --write   # the curve
    python tools/calibrate/fit_view_gate.py [--write]                            # the gate

Reads the validation bodies' yaw sweep that bench_accuracy wrote to docs/accuracy.json
("yaw_sweep_val": per clip class and band of true |yaw|, hip extension error, arch
recall, and the median of what the view estimate read), takes the kneeling class
(--class: the upright stretches, where the person turns to the camera and the turn
advice is given), and:

1. Smooths the curve the only way physics allows: turning away from side-on cannot make
   a 2-D angle better, so the hip extension error is fitted non-decreasing and the arch
   recall non-increasing in |yaw| (isotonic regression, weighted by clips). A band holds
   a few clips of a few bodies; one bad body in the 5 deg band must not close the gate
   while 10-25 deg read better.
2. Sets the limits. The product's aim is hip extension MAE <= --hip-limit (3 deg) and
   arch recall >= --recall-floor (0.9). Where the tool misses that aim even side-on
   (the bands up to --reference-deg, the camera range the corpus covers and the README's
   figures are measured on), the aim would close the gate at every yaw; the limit then
   becomes that side-on reference plus --hip-rise deg (minus --recall-drop of recall):
   what turning the camera costs stays bounded. Which rule applied is written down.
3. Opens the gate up to the widest band whose smoothed figures pass, every narrower band
   passing too.

The gate is applied to the estimated view angle, not to the true yaw (which no user has),
so `bad_deg` is placed halfway between what the estimate reads in the last passing band
and in the first failing one; `good_deg` (side-on again) is --hysteresis below it.
The gate chosen there is then checked, never tuned, on the test bodies' sweep
("yaw_sweep"): the same smoothing and limits, band by band up to the gate (`check_gate`).
With --write the gate, how it was found and that check go to models/view_gate.json.
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


def monotone(values: list[float], weights: list[float], increasing: bool = True) -> list[float]:
    """Weighted isotonic regression (pool adjacent violators): the closest non-decreasing
    (or non-increasing) sequence to `values`."""
    sign = 1.0 if increasing else -1.0
    blocks: list[list[float]] = []  # [weighted mean, weight, count]
    for v, w in zip(values, weights, strict=True):
        blocks.append([sign * v, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, n2 = blocks.pop()
            m1, w1, n1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, n1 + n2])
    return [sign * m for m, _, n in blocks for _ in range(n)]


def _smoothed(sweep: dict, bands: list[str], read, increasing: bool) -> dict[str, float]:
    """The clip-weighted monotone fit of read(entry) over the bands that have a value."""
    have = [b for b in bands if read(sweep[b]) is not None]
    fit = monotone([read(sweep[b]) for b in have],
                   [float(sweep[b].get("clips") or 1) for b in have], increasing)
    return dict(zip(have, fit, strict=True))


def _pooled(sweep: dict, bands: list[str], read) -> float | None:
    have = [(read(sweep[b]), float(sweep[b].get("clips") or 1)) for b in bands
            if read(sweep[b]) is not None]
    return sum(v * w for v, w in have) / sum(w for _, w in have) if have else None


def _hip(entry: dict) -> float | None:
    return entry["metrics"]["hip_extension_deg"]["ours"]


def _recall(entry: dict) -> float | None:
    return entry["arch"].get("recall")


def fit_gate(sweep: dict, hip_limit: float = 3.0, hip_rise: float = 1.5,
             recall_floor: float = 0.9, recall_drop: float = 0.1,
             hysteresis: float = 5.0, reference_deg: float = 20.0) -> dict:
    """The gate and the criteria it came from (pure: the sweep in, a document out)."""
    bands = sorted(sweep, key=float)
    if not bands or float(bands[0]) != 0.0:
        raise ValueError("the yaw sweep has no side-on (0 deg) band")
    hip = _smoothed(sweep, bands, _hip, increasing=True)
    recall = _smoothed(sweep, bands, _recall, increasing=False)
    if bands[0] not in hip:
        raise ValueError("the side-on band has no hip extension figure")
    side_on = [b for b in bands if float(b) <= reference_deg]
    ref_hip = _pooled(sweep, side_on, _hip)
    ref_recall = _pooled(sweep, side_on, _recall)
    hip_cap = hip_limit if ref_hip <= hip_limit else ref_hip + hip_rise
    recall_min = (recall_floor if ref_recall is None or ref_recall >= recall_floor
                  else ref_recall - recall_drop)

    def passes(band: str) -> bool:
        if band not in hip or hip[band] > hip_cap:
            return False
        return band not in recall or recall[band] >= recall_min

    last = 0
    for i, band in enumerate(bands):
        if not passes(band):
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
                     "arch_recall_min": None if recall_min is None else round(recall_min, 3),
                     "relative_to_side_on": {"hip": hip_cap != hip_limit,
                                             "recall": recall_min != recall_floor},
                     "side_on_reference": {"up_to_deg": reference_deg,
                                           "hip_extension_mae_deg": _round(ref_hip),
                                           "arch_recall": _round(ref_recall)},
                     "hip_limit_deg": hip_limit, "hip_rise_deg": hip_rise,
                     "recall_floor": recall_floor, "recall_drop": recall_drop},
        "bands": {b: {"clips": sweep[b].get("clips"),
                      "hip_extension_mae_deg": _hip(sweep[b]),
                      "hip_extension_smoothed_deg": _round(hip.get(b)),
                      "arch_recall": _recall(sweep[b]),
                      "arch_recall_smoothed": _round(recall.get(b)),
                      "view_median_deg": sweep[b].get("view_median_deg"),
                      "passes": passes(b)}
                  for b in bands},
    }


def check_gate(gate: dict, sweep: dict) -> dict:
    """How the bands up to the gate's passing yaw fare on another sweep (the test
    bodies'), with the gate's own limits and the same smoothing."""
    bands = sorted(sweep, key=float)
    hip = _smoothed(sweep, bands, _hip, increasing=True)
    recall = _smoothed(sweep, bands, _recall, increasing=False)
    c = gate["criteria"]
    out = {}
    for b in bands:
        if float(b) > gate["passing_true_yaw_deg"]:
            break
        ok = b in hip and hip[b] <= c["hip_extension_mae_max_deg"] and (
            b not in recall or c["arch_recall_min"] is None
            or recall[b] >= c["arch_recall_min"])
        out[b] = {"clips": sweep[b].get("clips"), "hip_extension_mae_deg": _hip(sweep[b]),
                  "hip_extension_smoothed_deg": _round(hip.get(b)),
                  "arch_recall": _recall(sweep[b]),
                  "arch_recall_smoothed": _round(recall.get(b)), "passes": bool(ok)}
    return {"bands": out, "holds": all(b["passes"] for b in out.values())}


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}"


def _round(v: float | None, digits: int = 3) -> float | None:
    return None if v is None else round(v, digits)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accuracy", type=Path, default=ACCURACY)
    parser.add_argument("--class", dest="klass", default="kneeling",
                        help="the clip class whose curve sets the gate")
    parser.add_argument("--hip-limit", type=float, default=3.0)
    parser.add_argument("--hip-rise", type=float, default=1.5)
    parser.add_argument("--recall-floor", type=float, default=0.9)
    parser.add_argument("--recall-drop", type=float, default=0.1)
    parser.add_argument("--hysteresis", type=float, default=5.0)
    parser.add_argument("--reference-deg", type=float, default=20.0,
                        help="bands up to this |yaw| are the side-on reference")
    parser.add_argument("--write", action="store_true", help="write models/view_gate.json")
    args = parser.parse_args(argv)
    try:
        document = json.loads(args.accuracy.read_text(encoding="utf-8"))
        sweep = (document.get("yaw_sweep_val") or {}).get(args.klass)
        if not sweep:
            raise ValueError(f"no {args.klass} yaw sweep of the validation bodies in it "
                             "(run bench_accuracy.py --yaw-sweep --write on a corpus with "
                             "its valsweep split)")
        gate = fit_gate(sweep, args.hip_limit, args.hip_rise, args.recall_floor,
                        args.recall_drop, args.hysteresis, args.reference_deg)
        test = (document.get("yaw_sweep") or {}).get(args.klass)
        gate["test_check"] = check_gate(gate, test) if test else None
    except (OSError, ValueError, KeyError) as exc:
        print(f"fit_view_gate: {args.accuracy}: {exc}", file=sys.stderr)
        return 1
    c = gate["criteria"]
    print(f"criteria: hip extension MAE <= {c['hip_extension_mae_max_deg']} deg, "
          f"arch recall >= {c['arch_recall_min']}")
    ref = c["side_on_reference"]
    print(f"side-on reference (|yaw| <= {ref['up_to_deg']:g}): hip extension MAE "
          f"{ref['hip_extension_mae_deg']}, arch recall {ref['arch_recall']}")
    for band, b in gate["bands"].items():
        print(f"  |yaw| {float(band):4.0f} ({b['clips']} clips): hip "
              f"{_fmt(b['hip_extension_mae_deg'])} (smoothed "
              f"{_fmt(b['hip_extension_smoothed_deg'])}), recall {_fmt(b['arch_recall'])} "
              f"(smoothed {_fmt(b['arch_recall_smoothed'])}), estimate reads "
              f"{_fmt(b['view_median_deg'])}  {'pass' if b['passes'] else 'FAIL'}")
    print(f"gate (validation bodies): coach up to a true |yaw| of "
          f"{gate['passing_true_yaw_deg']:.0f} deg; oblique above an estimated "
          f"{gate['bad_deg']} deg, side-on again below {gate['good_deg']} deg")
    check = gate["test_check"]
    if check is None:
        print("test bodies: no sweep to check the gate on")
    else:
        for band, b in check["bands"].items():
            print(f"  test |yaw| {float(band):4.0f} ({b['clips']} clips): hip "
                  f"{_fmt(b['hip_extension_mae_deg'])} (smoothed "
                  f"{_fmt(b['hip_extension_smoothed_deg'])}), recall "
                  f"{_fmt(b['arch_recall'])}  {'pass' if b['passes'] else 'FAIL'}")
        print(f"test bodies: the gate {'holds' if check['holds'] else 'does NOT hold'} "
              "up to its passing yaw")
    if args.write:
        source = (args.accuracy.relative_to(ROOT) if args.accuracy.is_relative_to(ROOT)
                  else args.accuracy)
        gate["provenance"] = {
            "made_by": "python tools/calibrate/fit_view_gate.py --write",
            "from": f"{source}, {args.klass} clips (bench_accuracy.py --corpus CORPUS "
                    "--yaw-sweep --write): chosen on the validation bodies' sweep, "
                    "checked on the test bodies'",
            "date": date.today().isoformat()}
        GATE.write_text(json.dumps(gate, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {GATE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
