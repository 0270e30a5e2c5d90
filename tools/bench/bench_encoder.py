"""CPU and file size of the annotated video's H.264 encoding under other x264 settings.

    .venv/bin/python tools/bench/bench_encoder.py VIDEO [--rounds 2]

VIDEO is best an annotated.mp4 (what the encoder really gets). Its frames are decoded
once to raw yuv420p, then encoded by the same ffmpeg and the same command shape as
posecoach/outputs/video_writer.py (one x264 thread, CRF 23) with each setting in turn,
`--rounds` times; it prints the encoder's CPU per frame (its rusage) and the file size.
The encoder runs beside the pose models on a 2-core machine, so each millisecond here is
one they do not get.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from posecoach.outputs.video_writer import ffmpeg_exe  # noqa: E402

SETTINGS = {
    "superfast (posecoach's)": ["-preset", "superfast"],
    "superfast, no B-frames": ["-preset", "superfast", "-bf", "0"],
    "superfast, no deblock, no AQ": ["-preset", "superfast",
                                     "-x264-params", "no-deblock=1:aq-mode=0"],
    "ultrafast": ["-preset", "ultrafast"],
}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", type=Path)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    exe = ffmpeg_exe()
    if exe is None:
        sys.exit("bench_encoder: no ffmpeg (imageio-ffmpeg) here")
    capture = cv2.VideoCapture(str(args.video))
    width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)) // 2 * 2
    height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)) // 2 * 2
    capture.release()
    with tempfile.TemporaryDirectory(prefix="bench_encoder_") as tmp:
        raw = Path(tmp) / "frames.yuv"
        subprocess.run([exe, "-v", "error", "-y", "-i", str(args.video), "-vf",
                        f"crop={width}:{height}:0:0", "-f", "rawvideo", "-pix_fmt",
                        "yuv420p", str(raw)], check=True)
        frames = raw.stat().st_size / (width * height * 1.5)
        print(f"{args.video.name}: {frames:.0f} frames {width}x{height}")
        for round_no in range(args.rounds):
            for name, options in SETTINGS.items():
                out = Path(tmp) / "out.mp4"
                before = _children_cpu()
                subprocess.run([exe, "-y", "-v", "error", "-f", "rawvideo", "-pix_fmt",
                                "yuv420p", "-s", f"{width}x{height}", "-r", "30", "-i",
                                str(raw), "-c:v", "libx264", *options, "-crf", "23",
                                "-threads", "1", "-pix_fmt", "yuv420p", str(out)],
                               check=True)
                cpu = _children_cpu() - before
                print(f"  round {round_no + 1}  {name:32s} {1000 * cpu / frames:5.2f} ms/frame"
                      f"  {os.path.getsize(out) / 1e3:7.0f} kB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
