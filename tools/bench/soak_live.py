"""Long-run stability of `posecoach live`: memory and frame rate over N minutes.

Plays a clip, looped to N minutes, as the camera (`posecoach live --source`, paced in
real time) in the real window - under a private Xvfb display when $DISPLAY is not set -
with --record, and samples every minute:
  rss_mb        resident memory of the posecoach process (/proc/PID/status VmRSS)
  fps           frames processed per second during that minute (rows added to the
                recorded frames.csv, which is flushed row by row)
  ffmpeg_rss_mb resident memory of the recording's encoder child, for information

Minute 1's frame rate is taken from the first frame measured (start-up is not counted
as running time). Pass: every sample's RSS within 10% of the sample after the first
minute, and every minute's frame rate within 15% of the median minute.

    .venv/bin/python tools/bench/soak_live.py [--minutes 30] [--clip sample_videos/X.mp4]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RSS_TOLERANCE = 0.10
FPS_TOLERANCE = 0.15


def default_clip() -> Path:
    samples = sorted((REPO / "sample_videos").glob("*kneel*.mp4")) or sorted(
        (REPO / "sample_videos").glob("*.mp4"))
    if not samples:
        sys.exit("soak_live: no clip in sample_videos/ (pass --clip)")
    return samples[0]


def looped(clip: Path, seconds: float, out: Path) -> Path:
    """The clip repeated (stream copy, no re-encoding) to last `seconds`."""
    import imageio_ffmpeg

    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-stream_loop", "-1",
         "-i", str(clip), "-t", f"{seconds:.1f}", "-an", "-c", "copy", str(out)],
        check=True,
    )
    return out


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


def children(pid: int) -> list[int]:
    """Child processes started by any thread of `pid` (the encoder runs from a worker)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def rows(csv_path: Path) -> int:
    try:
        with csv_path.open("rb") as f:
            return max(sum(1 for _ in f) - 1, 0)
    except OSError:
        return 0


def start_display() -> tuple[subprocess.Popen | None, dict[str, str]]:
    env = dict(os.environ)
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None, env
    if shutil.which("Xvfb") is None:
        sys.exit("soak_live: no $DISPLAY and no Xvfb to make one")
    number = 90 + os.getpid() % 100
    xvfb = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "1280x800x24", "-nolisten",
                             "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if Path(f"/tmp/.X11-unix/X{number}").exists():
            break
        time.sleep(0.05)
    env["DISPLAY"] = f":{number}"
    return xvfb, env


def soak(clip: Path, minutes: float, exercise: str, work: Path) -> list[dict[str, float]]:
    source = looped(clip, minutes * 60.0 + 10.0, work / "looped.mp4")
    record = work / "record"
    xvfb, env = start_display()
    live = subprocess.Popen(
        [sys.executable, "-m", "posecoach", "live", "--source", str(source), "--exercise",
         exercise, "--no-sound", "--record", str(record)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    samples: list[dict[str, float]] = []
    try:
        started = time.monotonic()
        # Minute 1's frame rate counts from the first frame measured, not from the
        # command: start-up (imports, model, window) is not a frame rate.
        first = _first_row_time(record / "frames.csv", live, started + 60.0)
        last_rows, last_time = rows(record / "frames.csv"), first
        for minute in range(1, int(minutes) + 1):
            deadline = started + 60.0 * minute
            while time.monotonic() < deadline and live.poll() is None:
                time.sleep(min(1.0, max(deadline - time.monotonic(), 0.0)))
            if live.poll() is not None:
                break
            now, count = time.monotonic(), rows(record / "frames.csv")
            encoder = [rss_mb(c) for c in children(live.pid)]
            samples.append({
                "minute": minute,
                "rss_mb": rss_mb(live.pid),
                "fps": (count - last_rows) / (now - last_time),
                "ffmpeg_rss_mb": sum(encoder) if encoder else float("nan"),
                "frames": count,
            })
            last_rows, last_time = count, now
            print(_row(samples[-1]), flush=True)
    finally:
        if live.poll() is None:
            live.terminate()
        _, err = live.communicate(timeout=60)
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(timeout=10)
    if err.strip():
        print(err.strip(), file=sys.stderr)
    return samples


def _first_row_time(csv_path: Path, live: subprocess.Popen, give_up: float) -> float:
    """When the first frame row appeared in the recording's frames.csv (polled)."""
    while time.monotonic() < give_up and live.poll() is None and rows(csv_path) == 0:
        time.sleep(0.02)
    return time.monotonic()


HEADER = f"{'minute':>6} {'rss_mb':>8} {'fps':>6} {'ffmpeg_rss_mb':>13} {'frames':>8}"


def _row(s: dict[str, float]) -> str:
    return (f"{s['minute']:>6} {s['rss_mb']:>8.1f} {s['fps']:>6.1f} {s['ffmpeg_rss_mb']:>13.1f} "
            f"{s['frames']:>8}")


def verdict(samples: list[dict[str, float]]) -> tuple[bool, list[str]]:
    if len(samples) < 2:
        return False, ["fewer than two samples: the session ended early"]
    base = samples[0]["rss_mb"]
    notes = []
    worst = max(abs(s["rss_mb"] - base) / base for s in samples)
    notes.append(f"memory: at most {worst:.1%} from {base:.0f} MB after minute 1 "
                 f"(limit {RSS_TOLERANCE:.0%})")
    median = statistics.median(s["fps"] for s in samples)
    spread = max(abs(s["fps"] - median) / median for s in samples) if median > 0 else 1.0
    notes.append(f"frame rate: median {median:.1f} fps, every minute within {spread:.1%} "
                 f"(limit {FPS_TOLERANCE:.0%})")
    return worst <= RSS_TOLERANCE and spread <= FPS_TOLERANCE, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--clip", type=Path, default=None)
    parser.add_argument("--exercise", default="kneeling_hip_flexor")
    args = parser.parse_args(argv)
    clip = args.clip or default_clip()
    print(f"soak: {clip.name} looped for {args.minutes:g} min, live --source --record")
    print(HEADER, flush=True)
    with tempfile.TemporaryDirectory(prefix="posecoach-soak-") as work:
        samples = soak(clip, args.minutes, args.exercise, Path(work))
    ok, notes = verdict(samples)
    for note in notes:
        print(note)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
