"""The view estimate on real people: a true side-on real clip must read side-on.

    python tools/bench/bench_view_real.py [VIDEO ...]

For each clip (default: ../shared/realmedia/nowva_reverse_lunge_side_CC0.mp4, a true side
view) it runs MetricsTracker as the app does and prints the smoothed view angle's median
and 90th percentile over frames with a pose, the three cues (image widths, relative depth,
world landmarks) that make it, the share of frames the view gate accepts, and the
estimate before the view scale (models/view_scale.json) mapped it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from posecoach.measure.stream import MetricsTracker  # noqa: E402
from posecoach.measure.view import estimate_view  # noqa: E402
from posecoach.pose.estimation import MediaPipePoseEstimator  # noqa: E402
from posecoach.pose.sources import open_source  # noqa: E402

REAL_SIDE_ON = REPO.parent / "shared" / "realmedia" / "nowva_reverse_lunge_side_CC0.mp4"


def measure(video: Path) -> dict[str, np.ndarray]:
    tracker = MetricsTracker()
    keys = ("angle", "raw", "widths", "depth", "world", "ok")
    out: dict[str, list[float]] = {k: [] for k in keys}
    with open_source(video) as source, MediaPipePoseEstimator() as estimator:
        for frame in source:
            pose = estimator.estimate(frame)
            metrics = tracker.update(pose, frame.time_s)
            if pose is None:
                continue
            cues = estimate_view(pose)
            out["angle"].append(metrics.view_angle_deg)
            out["raw"].append(tracker.view_estimate_deg)
            out["widths"].append(cues.from_widths_deg)
            out["depth"].append(cues.from_depth_deg)
            out["world"].append(cues.from_world_deg)
            out["ok"].append(float(metrics.view_ok))
    return {k: np.array(v) for k, v in out.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("videos", nargs="*", type=Path, default=[REAL_SIDE_ON])
    args = parser.parse_args(argv)
    for video in args.videos:
        if not video.exists():
            print(f"{video}: not found", file=sys.stderr)
            return 1
        r = measure(video)
        line = [f"{video.name}: {len(r['angle'])} frames with a pose",
                f"view angle median {np.nanmedian(r['angle']):.1f} deg,"
                f" P90 {np.nanpercentile(r['angle'], 90):.1f} (the estimate before the view"
                f" scale: {np.nanmedian(r['raw']):.1f})"]
        for cue in ("widths", "depth", "world"):
            line.append(f"{cue} {np.nanmedian(r[cue]):.1f}")
        line.append(f"view_ok on {np.mean(r['ok']):.0%} of frames")
        print("; ".join(line))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
