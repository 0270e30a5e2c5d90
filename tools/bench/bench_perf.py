"""Throughput and peak memory of posecoach analyze beside its limit and a plain baseline.

    .venv/bin/python tools/bench/bench_perf.py [--clip PATH] [--repeat 2] [--max-frames N]
                                         [--long] [--skip-adaptive] [--only VARIANT...]

Every variant runs on the same clip, in its own subprocess (so each peak RSS is its
own), and the variants are interleaved round by round (each target pair back to back,
every other round in reverse order), so a machine that other people load at the same
time slows them all alike. Timed: from creating the pose model to the last output file
(Python start-up and imports excluded, model loading included).

  limit      decode (OpenCV) + pose inference only, serially, with the estimator exactly
             as analyze creates it (same model, num_poses, segmentation masks on: the
             pelvis metrics need them). Nothing else. One landmarker uses about one core.
  limit-par  the same with one landmarker per core, frames dealt out in turn
             (posecoach.pose.parallel, as analyze does it): the ceiling of the hardware.
  baseline   what a user would write: read frames with OpenCV, the same pose model,
             draw the landmarks with cv2, write an annotated video with cv2.VideoWriter.
  metrics    posecoach analyze --no-video --no-report --no-history, explicit --exercise
             (so the `auto` prescan is not timed: it is measured on its own as `prescan`).
  metrics-1  the same with --workers 1 (one landmarker: what parallel inference adds).
  full       posecoach analyze with the annotated video and the report (--no-history).
  adaptive   metrics, with --adaptive (fewer model runs while the body is still).

With --long, 1-minute and 10-minute clips are made by looping the clip (ffmpeg
-stream_loop, into out/bench/, not committed) and the peak memory of `metrics` and
`full` on each is printed.

The default clip is the first of sample_videos/*.mp4; without one, a 960x540 copy of
../shared/realmedia/nowva_reverse_lunge_side_CC0.mp4 made in out/bench/.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / "out" / "bench"
REAL_CLIP = REPO.parent / "shared" / "realmedia" / "nowva_reverse_lunge_side_CC0.mp4"
SIZE = (960, 540)
EXERCISE = "kneeling_hip_flexor"
CLIP_FPS = 30.0
# The ratio targets: (variant, reference, target).
PAIRED_TARGETS = (("metrics", "limit", 0.95), ("full", "baseline", 1.3))
VARIANTS = ("limit", "limit-par", "baseline", "metrics", "metrics-1", "full", "adaptive",
            "prescan")


# --- preparing clips ----------------------------------------------------------------


def ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _encode(args: list[str], out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.stem + ".part.mp4")
    cmd = [ffmpeg(), "-v", "error", "-y", *args, "-an", str(tmp)]
    subprocess.run(cmd, check=True)
    tmp.replace(out)
    return out


def default_clip() -> Path:
    # Clips still being generated (or Git LFS pointers) are a few bytes: skip them.
    samples = [p for p in sorted((REPO / "sample_videos").glob("*.mp4"))
               if p.stat().st_size > 10_000]
    if samples:
        return samples[0]
    out = CACHE / f"nowva_{SIZE[0]}x{SIZE[1]}.mp4"
    if not out.exists():
        if not REAL_CLIP.exists():
            sys.exit("bench_perf: no sample clip and no ../shared/realmedia clip; pass --clip")
        scale = f"scale={SIZE[0]}:{SIZE[1]}"
        _encode(["-i", str(REAL_CLIP), "-vf", scale, "-c:v", "libx264", "-preset", "veryfast",
                 "-crf", "20", "-pix_fmt", "yuv420p"], out)
    return out


def first_frames(clip: Path, frames: int) -> Path:
    out = CACHE / f"{clip.stem}_first{frames}.mp4"
    if not out.exists() or out.stat().st_mtime < clip.stat().st_mtime:
        _encode(["-i", str(clip), "-frames:v", str(frames), "-c:v", "libx264",
                 "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"], out)
    return out


def looped(clip: Path, seconds: int) -> Path:
    """The clip looped to `seconds` (stream copy: no re-encoding)."""
    out = CACHE / f"{clip.stem}_loop{seconds}s.mp4"
    if not out.exists() or out.stat().st_mtime < clip.stat().st_mtime:
        _encode(["-stream_loop", "-1", "-i", str(clip), "-t", str(seconds), "-c", "copy"], out)
    return out


# --- the variants (each in its own process) -------------------------------------------


def peak_rss_mb() -> float:
    """High-water mark of this process's resident memory (VmHWM), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _frames(clip: Path):
    import cv2

    from posecoach.types import Frame

    capture = cv2.VideoCapture(str(clip), cv2.CAP_FFMPEG)
    index = 0
    while True:
        ok, image = capture.read()
        if not ok:
            break
        yield Frame(index, capture.get(cv2.CAP_PROP_POS_MSEC) / 1000.0, image)
        index += 1
    capture.release()


def run_limit(clip: Path, out: Path) -> int:
    from posecoach.pose.tracking import tracked_estimator

    count = 0
    with tracked_estimator() as estimator:
        for frame in _frames(clip):
            estimator.estimate(frame)
            count += 1
    return count


def run_limit_par(clip: Path, out: Path) -> int:
    from posecoach.pose.parallel import default_workers, parallel_poses
    from posecoach.pose.tracking import tracked_estimator

    count = 0
    with tracked_estimator() as estimator:
        twins = [estimator.estimator.twin() for _ in range(default_workers() - 1)]
        landmarkers = [estimator.estimator, *twins]
        for _ in parallel_poses(_frames(clip), landmarkers, estimator.follow):
            count += 1
        for twin in twins:
            twin.close()
    return count


def run_baseline(clip: Path, out: Path) -> int:
    import cv2

    from posecoach.landmarks import SKELETON_EDGES
    from posecoach.pose.tracking import tracked_estimator

    capture = cv2.VideoCapture(str(clip))
    fps = capture.get(cv2.CAP_PROP_FPS) or CLIP_FPS
    size = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    writer = cv2.VideoWriter(str(out / "annotated.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    count = 0
    with tracked_estimator() as estimator:
        for frame in _frames(clip):
            pose = estimator.estimate(frame)
            image = frame.image
            if pose is not None:
                xy = pose.xy.astype(int)
                for a, b in SKELETON_EDGES:
                    cv2.line(image, tuple(xy[a]), tuple(xy[b]), (0, 255, 0), 2)
                for x, y in xy:
                    cv2.circle(image, (x, y), 4, (0, 0, 255), -1)
            writer.write(image)
            count += 1
    writer.release()
    capture.release()
    return count


def _analyze(clip: Path, out: Path, *extra: str) -> int:
    from posecoach.cli.app import main

    args = ["analyze", str(clip), "--out", str(out), "--exercise", EXERCISE, "--quiet",
            "--no-history", *extra]
    if main(args) != 0:
        raise SystemExit("bench_perf: posecoach analyze failed")
    return int(json.loads((out / "summary.json").read_text())["clip"]["frames"])


def run_metrics(clip: Path, out: Path) -> int:
    return _analyze(clip, out, "--no-video", "--no-report")


def run_metrics_1(clip: Path, out: Path) -> int:
    return _analyze(clip, out, "--no-video", "--no-report", "--workers", "1")


def run_full(clip: Path, out: Path) -> int:
    return _analyze(clip, out)


def run_adaptive(clip: Path, out: Path) -> int:
    return _analyze(clip, out, "--no-video", "--no-report", "--adaptive")


def run_prescan(clip: Path, out: Path) -> int:
    from posecoach.run.offline import prescan_metrics

    return len(prescan_metrics(clip, None))


def child(variant: str, clip: Path) -> None:
    # Import what every variant needs before the clock starts.
    import cv2  # noqa: F401

    import posecoach.cli.app  # noqa: F401
    import posecoach.pose.tracking  # noqa: F401

    run = globals()[f"run_{variant.replace('-', '_')}"]
    with tempfile.TemporaryDirectory(prefix="bench_perf_") as tmp:
        cpu_start = _cpu_seconds()
        start = time.perf_counter()
        frames = run(clip, Path(tmp))
        seconds = time.perf_counter() - start
        cpu = _cpu_seconds() - cpu_start
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"variant": variant, "frames": frames, "seconds": seconds, "cpu": cpu,
                      "peak_mb": peak_rss_mb(), "child_peak_mb": children}))


def _cpu_seconds() -> float:
    """CPU time of this process (all threads) and of its finished children (the encoder)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run_order(variants: list[str], round_no: int) -> list[str]:
    """The order of one round: each target pair back to back (metrics right after limit,
    full right after baseline), and every other round reversed, so a machine that speeds
    up or slows down during a round favours neither side of a pair."""
    order = [v for pair in PAIRED_TARGETS for v in pair[1::-1] if v in variants]
    order = list(dict.fromkeys(order + list(variants)))
    return order[::-1] if round_no % 2 else order


def measure(variant: str, clip: Path) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", variant, "--clip", str(clip)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise SystemExit(f"bench_perf: {variant} failed: {tail}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the table --------------------------------------------------------------------------


def _fps(run: dict) -> float:
    return run["frames"] / run["seconds"]


def summarize(runs: dict[str, list[dict]]) -> dict[str, dict]:
    out = {}
    for variant, items in runs.items():
        rates = [_fps(r) for r in items]
        out[variant] = {
            "fps": statistics.median(rates),
            "lo": min(rates),
            "hi": max(rates),
            "seconds": statistics.median(r["seconds"] for r in items),
            "cpu_ms": statistics.median(1000 * r["cpu"] / r["frames"] for r in items),
            "peak_mb": max(r["peak_mb"] for r in items),
            "child_peak_mb": max(r["child_peak_mb"] for r in items),
            "frames": items[0]["frames"],
        }
    return out


def print_table(stats: dict[str, dict], repeat: int) -> None:
    nan = float("nan")  # a ratio whose reference was not run (--only)
    limit = stats.get("limit", {}).get("fps", nan)
    par = stats.get("limit-par", {}).get("fps", nan)
    base = stats.get("baseline", {}).get("fps", nan)
    print(f"{'variant':9} | {'fps':>6} | {'min-max (n=' + str(repeat) + ')':>15} | "
          f"{'x limit':>7} | {'x lim-par':>9} | {'x base':>6} | {'x realtime':>10} | "
          f"{'peak RSS MB':>11} | {'child MB':>8} | {'CPU ms/frame':>12}")
    for variant in VARIANTS:
        if variant not in stats or variant == "prescan":
            continue
        s = stats[variant]
        enc = f"{s['child_peak_mb']:8.0f}"
        print(f"{variant:9} | {s['fps']:6.1f} | {s['lo']:6.1f} - {s['hi']:6.1f} | "
              f"{s['fps'] / limit:7.2f} | {s['fps'] / par:9.2f} | {s['fps'] / base:6.2f} | "
              f"{s['fps'] / CLIP_FPS:10.2f} | {s['peak_mb']:11.0f} | {enc} | "
              f"{s['cpu_ms']:12.1f}")
    print("x limit: against one landmarker decoding and inferring serially (the model's own "
          "limit); x lim-par: against one landmarker per core, inference only")
    print("peak RSS: VmHWM of the variant's own process; child MB: the largest child process "
          "(the ffmpeg encoder for `full`; a start-up probe otherwise)")
    print("CPU ms/frame: CPU time of all threads and the encoder over the timed part, per "
          "frame: the work done, which a busy shared machine changes far less than fps")
    if "prescan" in stats:
        s = stats["prescan"]
        print(f"prescan (--exercise auto, first 60 s at ~3 frames/s, no masks): "
              f"{s['seconds']:.2f} s for {s['frames']} sampled frames, not in the rows above")


def print_paired(runs: dict[str, list[dict]]) -> None:
    """Each target ratio round by round. A round's variants run back to back, so a ratio
    within one round is not skewed by the machine getting slower or faster between
    rounds (on a shared VM the same variant can differ by a third from round to round)."""
    for variant, reference, target in PAIRED_TARGETS:
        if not (runs.get(variant) and runs.get(reference)):
            continue
        ratios = [_fps(a) / _fps(b) for a, b in zip(runs[variant], runs[reference], strict=True)]
        rounds = " ".join(f"{r:.2f}" for r in ratios)
        print(f"{variant} / {reference} per round: {rounds} | median "
              f"{statistics.median(ratios):.2f} (target {target})")


def long_clip_memory(clip: Path) -> None:
    print("\npeak memory on long clips (looped sample; one run each)")
    print(f"{'clip':>8} | {'variant':8} | {'frames':>6} | {'fps':>5} | {'peak RSS MB':>11}")
    for seconds in (60, 600):
        path = looped(clip, seconds)
        for variant in ("metrics", "full"):
            r = measure(variant, path)
            print(f"{seconds // 60:>5}min | {variant:8} | {r['frames']:6d} | {_fps(r):5.1f} | "
                  f"{r['peak_mb']:11.0f}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=2, help="rounds (0 with --long: memory only)")
    parser.add_argument("--max-frames", type=int, default=None, metavar="N",
                        help="use only the first N frames (a cut copy in out/bench/)")
    parser.add_argument("--long", action="store_true", help="also peak memory on 1/10 min clips")
    parser.add_argument("--skip-adaptive", action="store_true")
    parser.add_argument("--only", nargs="+", choices=VARIANTS, metavar="VARIANT",
                        help="run these variants only (ratios need limit and baseline)")
    parser.add_argument("--child", choices=VARIANTS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    clip = args.clip or default_clip()
    if args.child:
        child(args.child, clip)
        return 0
    if args.max_frames:
        clip = first_frames(clip, args.max_frames)
    variants = [v for v in VARIANTS if not (args.skip_adaptive and v == "adaptive")
                and (not args.only or v in args.only)]
    print(f"clip: {clip} | {os.cpu_count()} CPUs | load avg {os.getloadavg()[0]:.1f} | "
          f"{args.repeat} interleaved rounds")
    print("model: as analyze creates it (tracked_estimator: same .task, num_poses, "
          "segmentation masks ON - the pelvis metrics need them); baseline and limit too")
    runs: dict[str, list[dict]] = {v: [] for v in variants}
    for round_no in range(args.repeat):
        for variant in run_order(variants, round_no):
            runs[variant].append(measure(variant, clip))
    if args.repeat > 0:
        print_table(summarize(runs), args.repeat)
        print_paired(runs)
        print(f"load avg after: {os.getloadavg()[0]:.1f}")
    if args.long:
        long_clip_memory(args.clip or default_clip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
