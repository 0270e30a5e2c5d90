"""Frame rate and end-to-end latency of the live loop at 640x480 and 1280x720.

Feeds a clip, resized to each size, through the real live loop (capture, worker and
display threads, paced in real time like a camera) with everything but the window:
pose model, metrics, session, overlay. Latency is capture time to display time.

    .venv/bin/python tools/bench/bench_live.py [--clip sample_videos/X.mp4] [--seconds 20]

Targets: >= 25 fps and < 100 ms median latency at 640x480 on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import cv2

from posecoach.outputs.video_writer import VideoWriter
from posecoach.pose.sources import VideoFileSource
from posecoach.run.live import LiveOptions, run_live

REPO = Path(__file__).resolve().parents[2]
SIZES = ((640, 480), (1280, 720))


def default_clip() -> Path:
    samples = sorted((REPO / "sample_videos").glob("*.mp4"))
    if not samples:
        sys.exit("bench_live: no clip in sample_videos/ (pass --clip)")
    return samples[0]


def resized_copy(clip: Path, size: tuple[int, int], out: Path, seconds: float) -> Path:
    """The clip's first `seconds` scaled (and padded to keep its aspect) to `size`."""
    with VideoFileSource(clip) as source, VideoWriter(out, source.info.fps, size) as video:
        for frame in source:
            if frame.time_s > seconds:
                break
            video.write(_letterbox(frame.image, size))
    return out


def _letterbox(image, size):
    w, h = size
    scale = min(w / image.shape[1], h / image.shape[0])
    inner = cv2.resize(image, (round(image.shape[1] * scale), round(image.shape[0] * scale)))
    top, left = (h - inner.shape[0]) // 2, (w - inner.shape[1]) // 2
    return cv2.copyMakeBorder(inner, top, h - inner.shape[0] - top, left,
                              w - inner.shape[1] - left, cv2.BORDER_CONSTANT)


def bench(clip: Path, exercise: str, record: Path | None) -> dict[str, float]:
    result = run_live(LiveOptions(source=clip, exercise=exercise, window=False, sound=False,
                                  record=record))
    return {
        "fps": result.stats.mean_fps,
        "p50": result.latency_percentile_ms(50),
        "p95": result.latency_percentile_ms(95),
        "captured": result.captured,
        "processed": result.processed,
        "dropped": result.dropped,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, default=None)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--exercise", default="kneeling_hip_flexor")
    parser.add_argument("--record", action="store_true", help="also record (video + CSV)")
    args = parser.parse_args(argv)
    clip = args.clip or default_clip()
    print(f"clip: {clip.name}, first {args.seconds:.0f} s, {os.cpu_count()} CPUs, "
          f"recording {'on' if args.record else 'off'}")
    print(f"{'size':>10} | {'fps':>5} | {'latency p50':>11} | {'p95':>6} | "
          f"{'frames in':>9} | {'processed':>9} | {'dropped':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in SIZES:
            sized = resized_copy(clip, size, Path(tmp) / f"{size[0]}x{size[1]}.mp4", args.seconds)
            record = Path(tmp) / f"rec{size[0]}" if args.record else None
            r = bench(sized, args.exercise, record)
            print(f"{size[0]:>4}x{size[1]:<5} | {r['fps']:5.1f} | {r['p50']:8.0f} ms | "
                  f"{r['p95']:3.0f} ms | {r['captured']:9d} | {r['processed']:9d} | "
                  f"{r['dropped']:7d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
