"""Run the session engine again over metrics already measured, and score it.

    .venv/bin/python tools/bench/replay_session.py [--measure] [--exercise-dir content]

Tuning an exercise file (thresholds, hysteresis, enter_after_s, grace) should not need
the pose model every time. This reads each sample clip's frames.csv from a measured
analysis in out/replay/NAME/ (made with --measure: `posecoach analyze --no-video
--no-report --no-history`, once), rebuilds the FrameMetrics of every frame, feeds them
to a fresh Session with the current content/ files, and prints per clip and side the
credited good-form seconds against the ground truth (same definition as
tests/integration/test_ground_truth_pipeline.py: frames whose truth phase is hold/contract/relax),
the peak hip extension of the measured analysis (its summary.json) against the
truth's (as the test: over good-form and fault frames), and how late each fault cue
comes after its ground-truth episode starts.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from posecoach.exercises import Session, load_exercise  # noqa: E402
from posecoach.landmarks import Side  # noqa: E402
from posecoach.registry import METRIC_NAMES  # noqa: E402
from posecoach.types import FrameMetrics  # noqa: E402

VIDEOS = REPO / "sample_videos"
OUT = REPO / "out" / "replay"
CLIPS = ("kneeling_good_R", "kneeling_good_L", "kneeling_arch", "kneeling_lean",
         "kneeling_pnf", "bench_good_R", "bench_good_L", "bench_arch")
FAULT_CUES = {"kneeling_arch": "back_arching", "kneeling_lean": "leaning_forward",
              "bench_arch": "back_lifting"}
GOOD_FORM = ("hold", "contract", "relax")
SIDES = {"L": Side.LEFT, "R": Side.RIGHT, "left": Side.LEFT, "right": Side.RIGHT}


def _num(text: str) -> float:
    return float(text) if text not in ("", None) else math.nan


def frame_metrics(row: dict[str, str]) -> FrameMetrics:
    values = {name: _num(row.get(name, "")) for name in METRIC_NAMES}
    confidence = {
        name: _num(row.get(name.removesuffix("_deg") + "_conf", "")) for name in METRIC_NAMES
    }
    confidence = {k: (0.0 if math.isnan(v) else v) for k, v in confidence.items()}
    return FrameMetrics(
        time_s=float(row["time_s"]),
        pose_detected=row["pose_detected"] in ("1", "True", "true"),
        side=SIDES.get(row["side"]),
        facing=int(float(row["facing"] or 0)),
        view_ok=row["view_ok"] in ("1", "True", "true"),
        view_angle_deg=_num(row["view_angle_deg"]),
        posture=row["posture"] or "unknown",
        motion=_num(row["motion"]),
        values=values,
        confidence=confidence,
    )


def measure(name: str, exercise: str) -> None:
    folder = OUT / name
    if (folder / "frames.csv").exists():
        return
    cmd = [str(Path(sys.executable).with_name("posecoach")), "analyze",
           str(VIDEOS / f"{name}.mp4"), "--out", str(folder), "--exercise", exercise,
           "--no-video", "--no-report", "--no-history", "--quiet"]
    subprocess.run(cmd, check=True)


def replay(name: str, exercise: str) -> tuple[dict, list[dict]]:
    session = Session(load_exercise(exercise))
    with (OUT / name / "frames.csv").open() as f:
        rows = list(csv.DictReader(f))
    states = [(float(r["time_s"]), session.update(frame_metrics(r))) for r in rows]
    return session.finish(), states


def truth_rows(name: str) -> list[dict[str, str]]:
    with (VIDEOS / f"{name}.csv").open() as f:
        return list(csv.DictReader(f))


def peak_truth(rows: list[dict[str, str]], side: str) -> float:
    """Largest true hip extension of a side while in position (the test's definition:
    good-form and fault frames)."""
    return max(float(r["hip_extension_deg"]) for r in rows
               if r["side"] == side and r["phase"] in (*GOOD_FORM, "fault"))


def cue_delays(rows: list[dict[str, str]], states, cue: str) -> list[float]:
    starts, previous = [], ""
    for r in rows:
        if r["phase"] == "fault" and previous != "fault":
            starts.append(float(r["time_s"]))
        previous = r["phase"]
    delays = []
    for start in starts:
        shown = [t for t, s in states if t >= start - 1e-6 and cue in s.cue_ids]
        delays.append(shown[0] - start if shown else math.inf)
    return delays


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measure", action="store_true", help="analyse clips not yet measured")
    parser.add_argument("clips", nargs="*", default=list(CLIPS))
    args = parser.parse_args(argv)
    worst = worst_peak = 0.0
    print(f"{'clip':16} {'side':5} {'credited':>8} {'truth':>6} {'error':>6}  "
          f"{'peak':>6} {'truth':>6} {'error':>6}  cue delays (s)")
    for name in args.clips:
        exercise = json.loads((VIDEOS / f"{name}.json").read_text())["exercise"]
        if args.measure:
            measure(name, exercise)
        if not (OUT / name / "frames.csv").exists():
            print(f"{name}: not measured (run with --measure)")
            continue
        summary, states = replay(name, exercise)
        # The peak comes from the measured analysis itself (the session does not keep it).
        measured = json.loads((OUT / name / "summary.json").read_text())
        rows = truth_rows(name)
        delays = cue_delays(rows, states, FAULT_CUES[name]) if name in FAULT_CUES else []
        for side in sorted({r["side"] for r in rows}):
            truth = sum(r["phase"] in GOOD_FORM and r["side"] == side for r in rows) / 30.0
            done = side in summary.sides and summary.sides[side].done
            credited = summary.sides[side].good_s if done else 0.0  # not done: none credited
            worst = max(worst, abs(credited - truth))
            peak = measured["sides"].get(side, {}).get("peak_hip_extension_deg", math.nan)
            true_peak = peak_truth(rows, side)
            error = abs(peak - true_peak) if math.isfinite(peak) else math.inf
            worst_peak = max(worst_peak, error)
            shown = " ".join(f"{d:.2f}" for d in delays)
            print(f"{name:16} {side:5} {credited:8.2f} {truth:6.2f} {credited - truth:+6.2f}  "
                  f"{peak:6.2f} {true_peak:6.2f} {peak - true_peak:+6.2f}  {shown}")
    print(f"largest hold-time error: {worst:.2f} s (target 0.5)")
    print(f"largest peak hip extension error: {worst_peak:.2f} deg (target 3)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
