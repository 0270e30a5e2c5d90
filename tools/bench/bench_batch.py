"""Batch throughput: 8 clips with the in-process executor and with Ray on this machine.

    .venv/bin/python tools/bench/bench_batch.py [--seconds 5] [--clips 8] [--rounds 1]
                                          [--address ADDRESS] [--workers N]

The first `--clips` sample clips, cut to `--seconds` each (ffmpeg, into out/bench/batch/),
are analysed by the real command, as a user runs it (full outputs, --no-history), once
per executor and round, the executors alternating:

  in-process  posecoach analyze CLIPS --out DIR
  ray         posecoach analyze CLIPS --out DIR --executor ray[=ADDRESS] --force

Timed: the whole command, Python start-up, model loading and (for ray) starting the
local cluster included. Printed per run: wall time and clips per minute; for ray, each
task's seconds and node from batch.json, the sum of task seconds over the wall time (how
many clips ran at once, on average; the rest is the cluster's start-up and scheduling)
and what one task slot delivers (clips per minute from the mean task time): a cluster
with N slots (CPUs / CPUs per task, over its nodes) delivers about N times that.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WORK = REPO / "out" / "bench" / "batch"
POSECOACH = [sys.executable, "-m", "posecoach"]


def cut_clips(count: int, seconds: float) -> list[Path]:
    import imageio_ffmpeg

    sources = sorted((REPO / "sample_videos").glob("*.mp4"))[:count]
    if len(sources) < count:
        raise SystemExit(f"only {len(sources)} sample clips in sample_videos/")
    folder = WORK / f"clips_{seconds:g}s"
    folder.mkdir(parents=True, exist_ok=True)
    clips = []
    for source in sources:
        clip = folder / source.name
        if not clip.exists():
            subprocess.run(
                [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-i", str(source),
                 "-t", f"{seconds:g}", "-c:v", "libx264", "-preset", "veryfast", "-an",
                 str(clip)],
                check=True,
            )
        clips.append(clip)
    return clips


def run(name: str, clips: list[Path], args: argparse.Namespace) -> dict:
    out = WORK / f"out_{name}"
    command = [*POSECOACH, "analyze", *map(str, clips), "--out", str(out), "--no-history",
               "--quiet"]
    if args.workers:
        command += ["--workers", str(args.workers)]
    if name == "ray":
        command += ["--executor", f"ray={args.address}" if args.address else "ray", "--force"]
    start = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.monotonic() - start
    if done.returncode != 0:
        raise SystemExit(f"{name} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    result = {"executor": name, "wall_s": wall, "clips_per_min": 60 * len(clips) / wall}
    if name == "ray":
        tasks = json.loads((out / "batch.json").read_text())["clips"]
        result["tasks"] = [(Path(t["clip"]).name, t["seconds"], t["node"]) for t in tasks]
    return result


def show(result: dict, count: int) -> None:
    print(f"{result['executor']:>10}: {result['wall_s']:6.1f} s wall, "
          f"{result['clips_per_min']:5.2f} clips/min")
    tasks = result.get("tasks")
    if not tasks:
        return
    seconds = [s for _, s, _ in tasks]
    busy = sum(seconds) / result["wall_s"]
    print(f"{'':>12}tasks: mean {statistics.mean(seconds):.1f} s, min {min(seconds):.1f}, "
          f"max {max(seconds):.1f}; {busy:.2f} tasks at once on average; one task slot "
          f"gives {60 / statistics.mean(seconds):.2f} clips/min, N slots about N times that")
    for clip, secs, node in tasks:
        print(f"{'':>14}{clip:<28} {secs:6.1f} s  {node}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each clip")
    parser.add_argument("--clips", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--address", help="a running Ray cluster (default: a local one)")
    parser.add_argument("--workers", type=int, help="pose models per clip (default: analyze's)")
    args = parser.parse_args()
    clips = cut_clips(args.clips, args.seconds)
    print(f"{len(clips)} clips of {args.seconds:g} s, full outputs, --no-history")
    results: dict[str, list[dict]] = {"in-process": [], "ray": []}
    for round_no in range(args.rounds):
        order = ["in-process", "ray"] if round_no % 2 == 0 else ["ray", "in-process"]
        for name in order:
            results[name].append(run(name, clips, args))
            show(results[name][-1], len(clips))
    best = {name: min(r["wall_s"] for r in runs) for name, runs in results.items()}
    ratio = best["in-process"] / best["ray"]
    print(f"ray throughput / in-process throughput (best of {args.rounds}): {ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
