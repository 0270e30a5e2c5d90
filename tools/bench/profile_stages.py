"""CPU time per frame of each stage after the pose model, as analyze runs them.

    .venv/bin/python tools/bench/profile_stages.py [CLIP] [--exercise ID]

Runs the full analysis (video and report, no history) in this process with per-thread
CPU timers around each stage, and prints milliseconds of CPU per frame for: the metrics
and session (`measure`), the overlay and each of its annotators, the video writer's own
work (colour conversion and the pipe), the two CSV sinks, and the ffmpeg encoder (its
CPU from the children's rusage, with the one-off H.264 probe). The stages run in the
writer thread, beside the pose models on the other threads, so on a 2-core machine every
millisecond here is one the models do not get. Figures move by 10% or so between runs on
a shared VM; compare runs made back to back.
"""

from __future__ import annotations

import argparse
import collections
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import posecoach.run.offline as pipeline  # noqa: E402
from posecoach.outputs.sinks import FramesCsvSink, LandmarksCsvSink  # noqa: E402
from posecoach.outputs.video_writer import VideoWriter  # noqa: E402
from posecoach.render import angle, banner, counters, skeleton, timer  # noqa: E402
from posecoach.render.overlay import Overlay  # noqa: E402
from posecoach.run.stages import FrameStages  # noqa: E402

DEFAULT_CLIP = REPO / "sample_videos" / "kneeling_good_R.mp4"

# (class, method, label): each call's thread CPU time is added to its label.
TIMED = (
    (FrameStages, "measure", "measure (metrics + session)"),
    (Overlay, "annotate", "overlay (all annotators)"),
    (skeleton.SkeletonAnnotator, "annotate", "  skeleton"),
    (angle.HipAngleAnnotator, "annotate", "  hip angle"),
    (timer.HoldTimerAnnotator, "annotate", "  hold timer"),
    (timer.CountdownAnnotator, "annotate", "  countdown"),
    (counters.CountersAnnotator, "annotate", "  counters"),
    (banner.CueBannerAnnotator, "annotate", "  cue banner"),
    (banner.MessageAnnotator, "annotate", "  messages"),
    (banner.SafetyAnnotator, "annotate", "  safety note"),
    (VideoWriter, "write", "video writer (yuv + pipe)"),
    (LandmarksCsvSink, "write", "landmarks.csv"),
    (FramesCsvSink, "write", "frames.csv"),
)


def _timed(method, label: str, totals: collections.Counter):
    def wrapper(*args, **kwargs):
        start = time.thread_time()
        try:
            return method(*args, **kwargs)
        finally:
            totals[label] += time.thread_time() - start

    return wrapper


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip", nargs="?", type=Path, default=DEFAULT_CLIP)
    parser.add_argument("--exercise", default="kneeling_hip_flexor")
    args = parser.parse_args(argv)
    totals: collections.Counter = collections.Counter()
    for cls, name, label in TIMED:
        setattr(cls, name, _timed(getattr(cls, name), label, totals))
    options = pipeline.AnalysisOptions(exercise=args.exercise, progress=False, history=False)
    with tempfile.TemporaryDirectory(prefix="profile_stages_") as tmp:
        result = pipeline.analyze_clip(args.clip, Path(tmp), options)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    totals["ffmpeg encoder (child process)"] = kids.ru_utime + kids.ru_stime
    frames = result.frames
    print(f"{args.clip.name}: {frames} frames; CPU ms per frame")
    for _, _, label in TIMED:
        print(f"  {label:32s} {1000 * totals[label] / frames:6.2f}")
    label = "ffmpeg encoder (child process)"
    print(f"  {label:32s} {1000 * totals[label] / frames:6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
