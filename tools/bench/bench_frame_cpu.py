"""CPU per frame of the metrics and of the overlay, on one thread, on fixed poses.

    .venv/bin/python tools/bench/bench_frame_cpu.py [CLIP ...] [--repeat 3]

profile_stages.py times the stages inside a real run, beside the pose models, where the
other threads move its figures by 10% or more. This one takes each clip's poses once (an
analyze run with the exercise recognised, the poses caught on their way to the metrics)
and then times only `FrameStages.measure` and `Overlay.annotate` over them, one thread,
`--repeat` times (the best pass is printed): the figure to compare two commits by (run
it in a worktree of each).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import posecoach.run.offline as pipeline  # noqa: E402
from posecoach.render.overlay import Overlay  # noqa: E402
from posecoach.run.stages import FrameStages  # noqa: E402

DEFAULT_CLIPS = tuple(REPO / "sample_videos" / f"{n}.mp4"
                      for n in ("kneeling_arch", "bench_arch", "lying_level1"))


def caught_poses(clip: Path):
    """(the ClipResult, [(frame index, time, pose)], the first image) of an analyze run
    of `clip`."""
    caught, first = [], {}
    original = FrameStages.metrics_of

    def catch(self, frame, pose):
        caught.append((frame.index, frame.time_s, pose))
        first.setdefault("image", frame.image.copy())
        return original(self, frame, pose)

    FrameStages.metrics_of = catch
    try:
        options = pipeline.AnalysisOptions(progress=False, history=False, video=False,
                                           report=False)
        with tempfile.TemporaryDirectory(prefix="bench_frame_cpu_") as tmp:
            result = pipeline.analyze_clip(clip, Path(tmp), options)
    finally:
        FrameStages.metrics_of = original
    return result, caught, first["image"]


def one_pass(spec, caught, image) -> tuple[float, float]:
    """(measure, overlay) CPU seconds over the clip's frames."""
    from posecoach.types import Frame

    stages, overlay = FrameStages(spec), Overlay()
    measure = draw = 0.0
    for index, time_s, pose in caught:
        frame = Frame(index, time_s, image)
        t0 = time.thread_time()
        record = stages.measure(frame, pose)
        t1 = time.thread_time()
        overlay.annotate(image, record, 30.0, title=spec.name if spec else None)
        draw += time.thread_time() - t1
        measure += t1 - t0
    return measure, draw


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="*", type=Path, default=list(DEFAULT_CLIPS))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    from posecoach.exercises import load_exercise

    total = [0.0, 0.0, 0]
    print("CPU ms per frame, one thread, best of", args.repeat, "passes")
    for clip in args.clips:
        result, caught, image = caught_poses(clip)
        spec = load_exercise(result.exercise) if result.exercise else None
        best = min((one_pass(spec, caught, image) for _ in range(args.repeat)),
                   key=lambda pair: pair[0] + pair[1])
        n = len(caught)
        print(f"  {clip.name:24s} {n:5d} frames  measure {1000 * best[0] / n:5.2f}  "
              f"overlay {1000 * best[1] / n:5.2f}")
        total = [total[0] + best[0], total[1] + best[1], total[2] + n]
    print(f"  {'all':24s} {total[2]:5d} frames  measure {1000 * total[0] / total[2]:5.2f}  "
          f"overlay {1000 * total[1] / total[2]:5.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
