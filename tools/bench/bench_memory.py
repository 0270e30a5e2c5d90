"""Peak memory of a whole `posecoach analyze` on large clips (issue 19: at most 600 MB).

    .venv/bin/python tools/bench/bench_memory.py [--only 4k 1080p-long 540p]
                                           [--minutes 10] [--clips DIR] [-- EXTRA ARGS]

Clips, made in a temporary folder (or --clips DIR, kept and reused) from the frames of
sample_videos/kneeling_good_R.mp4 scaled up with cv2.resize and encoded with H.264 by
the ffmpeg that imageio-ffmpeg ships:

  4k          2 s at 4096x2160
  1080p-long  --minutes (default 10) at 1920x1080: a 20 s segment encoded once, then
              looped into the long clip by ffmpeg without re-encoding
  540p        the sample clip itself (960x540, 20 s), for reference

Each is analysed by `posecoach analyze CLIP --out DIR --no-history --quiet` (plus any
arguments after --), started from a fresh wrapper process so that the wrapper's
resource.getrusage(RUSAGE_CHILDREN).ru_maxrss is that one command's peak resident set:
the largest single process of its tree (posecoach itself, or the ffmpeg encoder it
pipes the annotated video to, if that were larger). Beside it, the peak of the whole
tree's summed RSS (posecoach + ffmpeg at the same moment), sampled from /proc every
0.1 s, which is what the machine has to hold.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2

REPO = Path(__file__).resolve().parents[2]
SOURCE = REPO / "sample_videos" / "kneeling_good_R.mp4"
POSECOACH = Path(sys.executable).parent / "posecoach"
TARGET_MB = 600.0
FPS = 30.0
SEGMENT_S = 20.0
CLIPS = ("4k", "1080p-long", "540p")

# Runs one command and prints its peak RSS (kB): getrusage of the children it waited for.
_WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def encode(path: Path, size: tuple[int, int], seconds: float) -> Path:
    """`seconds` of SOURCE's frames (looped) resized to `size`, H.264 at FPS."""
    width, height = size
    cmd = [ffmpeg_exe(), "-y", "-v", "error", "-f", "rawvideo", "-pix_fmt", "bgr24",
           "-s", f"{width}x{height}", "-r", str(FPS), "-i", "-", "-c:v", "libx264",
           "-preset", "ultrafast", "-crf", "26", "-pix_fmt", "yuv420p", str(path)]
    encoder = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    wanted, written = round(seconds * FPS), 0
    while written < wanted:
        capture = cv2.VideoCapture(str(SOURCE))
        while written < wanted:
            ok, image = capture.read()
            if not ok:
                break
            big = cv2.resize(image, size, interpolation=cv2.INTER_LINEAR)
            encoder.stdin.write(big.tobytes())
            written += 1
        capture.release()
    encoder.stdin.close()
    if encoder.wait() != 0:
        sys.exit(f"bench_memory: ffmpeg could not write {path}")
    return path


def loop(segment: Path, path: Path, seconds: float) -> Path:
    """`segment` repeated (stream copy, no re-encoding) to `seconds`."""
    repeats = max(0, int(seconds // SEGMENT_S) - 1)
    cmd = [ffmpeg_exe(), "-y", "-v", "error", "-stream_loop", str(repeats), "-i",
           str(segment), "-t", f"{seconds:.3f}", "-c", "copy", str(path)]
    subprocess.run(cmd, check=True)
    return path


def make_clip(name: str, folder: Path, minutes: float) -> Path:
    if name == "540p":
        return SOURCE
    if name == "4k":
        path = folder / "kneeling_4096x2160_2s.mp4"
        return path if path.exists() else encode(path, (4096, 2160), 2.0)
    path = folder / f"kneeling_1920x1080_{minutes:g}min.mp4"
    if not path.exists():
        segment = folder / "kneeling_1920x1080_segment.mp4"
        if not segment.exists():
            encode(segment, (1920, 1080), SEGMENT_S)
        loop(segment, path, minutes * 60.0)
    return path


def tree_rss_kb(pid: int) -> int:
    """Summed VmRSS of `pid` and all its descendants (0 once gone)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
        todo += [int(c) for c in children]
    return total


def measure(clip: Path, out: Path, extra: list[str]) -> dict:
    """Run analyze on `clip` in a fresh wrapper; its peak RSS, the tree's, and wall time."""
    command = [str(POSECOACH), "analyze", str(clip), "--out", str(out), "--no-history",
               "--quiet", *extra]
    start = time.perf_counter()
    wrapper = subprocess.Popen([sys.executable, "-c", _WRAPPER, *command],
                               stdout=subprocess.PIPE, text=True)
    tree_peak = 0
    while wrapper.poll() is None:
        tree_peak = max(tree_peak, tree_rss_kb(wrapper.pid) - _own_rss_kb(wrapper.pid))
        time.sleep(0.1)
    wall = time.perf_counter() - start
    code, maxrss = (int(v) for v in wrapper.stdout.read().split())
    frames = json.loads((out / "summary.json").read_text())["clip"]["frames"] if code == 0 else 0
    return {"exit": code, "peak_mb": maxrss / 1024, "tree_peak_mb": tree_peak / 1024,
            "wall_s": wall, "frames": frames}


def _own_rss_kb(pid: int) -> int:
    """The wrapper's own RSS (not part of the analysis)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    extra: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1:]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=CLIPS, default=list(CLIPS))
    parser.add_argument("--minutes", type=float, default=10.0, help="1080p-long's length")
    parser.add_argument("--clips", type=Path, help="keep the generated clips here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="posecoach-mem-") as tmp:
        folder = args.clips or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        print(f"{'clip':<34} {'frames':>7} {'peak MB':>8} {'tree MB':>8} {'wall s':>7}  "
              f"target {TARGET_MB:.0f} MB")
        failed = False
        for name in args.only:
            clip = make_clip(name, folder, args.minutes)
            found = measure(clip, Path(tmp) / f"out-{name}", extra)
            verdict = "ok" if found["exit"] == 0 and found["peak_mb"] <= TARGET_MB else "OVER"
            if found["exit"] != 0:
                verdict = f"exit {found['exit']}"
            failed |= verdict != "ok"
            print(f"{clip.name:<34} {found['frames']:>7} {found['peak_mb']:>8.0f} "
                  f"{found['tree_peak_mb']:>8.0f} {found['wall_s']:>7.1f}  {verdict}",
                  flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
