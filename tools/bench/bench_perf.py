"""posecoach analyze timed as a user times it: whole processes against a plain script.

    .venv/bin/python tools/bench/bench_perf.py [--repeat 3] [--lengths 15 120]
                                         [--only VARIANT...] [--clips DIR]

Every variant is one shell command, timed from starting it to its exit (interpreter
start-up, imports, model loading and writing every output included):

  plain      tools/bench/plain_loop.py CLIP OUT.mp4: the loop a user would write
             (cv2.VideoCapture, PoseLandmarker in VIDEO mode without masks or tracker,
             cv2.line/cv2.circle, cv2.VideoWriter mp4v).
  full       posecoach analyze CLIP --out DIR --no-history  (annotated video, report, CSVs;
             the exercise recognised, as a user runs it)
  metrics    the same with --no-video --no-report (frames.csv, landmarks.csv, summary)
  adaptive   metrics with --adaptive (fewer model runs while the body is still)
  given      metrics with --exercise kneeling_hip_flexor: the exercise named, not
             recognised (15 s clip only)

Per run: wall time (time.perf_counter around the subprocess), CPU time and peak RSS
(os.wait4's resource usage of the child, which includes the children it waited for:
ffmpeg's CPU counts, and peak RSS is the largest single process) and, for posecoach,
start-up: from the command to the first row of landmarks.csv (the first frame measured;
the file is flushed per row, so polling it every 5 ms sees what `tail -f` would).

Before the rounds, the posecoach package the commands import is compiled to bytecode
(as pip does when it installs it), in case PYTHONDONTWRITEBYTECODE kept it from being
cached: compiling every module at each start would be timed otherwise.

Clips: the kneeling sample clips, frame after frame and clip after clip, re-encoded with
posecoach's H.264 writer at 960x540 30 fps to each length in --lengths (seconds), in a
temporary folder (or --clips DIR, kept and reused).

Rounds are interleaved: per round and clip every variant runs once, plain next to
full, every other round in reverse order, so a machine that other people load slows
both sides of a ratio alike. The ratios (plain's wall time over the variant's) are
taken within each round and their median printed with the rounds.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
PLAIN = REPO / "tools" / "bench" / "plain_loop.py"
SIZE = (960, 540)
FPS = 30.0
EXERCISE = "kneeling_hip_flexor"
VARIANTS = ("plain", "full", "metrics", "adaptive", "given")
# (variant, target): its wall time's ratio to plain's, per round, on every clip.
RATIO_TARGETS = (("full", 1.3), ("metrics", 1.6))
REALTIME_TARGETS = (("adaptive", 3.0),)  # on the longest clip
STARTUP_TARGET_S = 1.0
MEMORY_TARGET_MB = 450.0
_POLL_S = 0.005


# --- clips ----------------------------------------------------------------------------


def make_clip(path: Path, seconds: float) -> Path:
    """The kneeling sample clips one after another (looped if needed), `seconds` long."""
    from posecoach.outputs.video_writer import VideoWriter

    sources = sorted((REPO / "sample_videos").glob("kneeling_*.mp4"))
    if not sources:
        sys.exit("bench_perf: no sample_videos/kneeling_*.mp4")
    wanted, written = round(seconds * FPS), 0
    tmp = path.with_name(path.stem + ".part.mp4")
    with VideoWriter(tmp, FPS, SIZE) as video:
        while written < wanted:
            for source in sources:
                capture = cv2.VideoCapture(str(source))
                while written < wanted:
                    ok, image = capture.read()
                    if not ok:
                        break
                    if image.shape[1::-1] != SIZE:
                        image = cv2.resize(image, SIZE, interpolation=cv2.INTER_AREA)
                    video.write(image)
                    written += 1
                capture.release()
    tmp.replace(path)
    return path


def clips(folder: Path, lengths: list[int]) -> dict[int, Path]:
    out = {}
    for seconds in lengths:
        path = folder / f"kneeling_{seconds}s_{SIZE[0]}x{SIZE[1]}.mp4"
        out[seconds] = path if path.exists() else make_clip(path, seconds)
    return out


def compile_posecoach() -> None:
    """Bytecode for the posecoach the commands import (see the module notes)."""
    code = ("import compileall, os, posecoach; "
            "compileall.compile_dir(os.path.dirname(posecoach.__file__), quiet=1)")
    subprocess.run([sys.executable, "-c", code], check=True)


# --- one run --------------------------------------------------------------------------


@dataclasses.dataclass
class Run:
    variant: str
    seconds: int  # clip length
    wall: float
    cpu: float
    peak_mb: float
    startup: float | None  # command to the first landmarks.csv row
    startup_cpu: float | None  # the process's CPU time by then


def command(variant: str, clip: Path, out: Path) -> list[str]:
    if variant == "plain":
        return [sys.executable, str(PLAIN), str(clip), str(out / "plain.mp4")]
    analyze = [str(Path(sys.executable).with_name("posecoach")), "analyze", str(clip),
               "--out", str(out), "--no-history"]
    extra = {
        "full": [],
        "metrics": ["--no-video", "--no-report"],
        "adaptive": ["--no-video", "--no-report", "--adaptive"],
        "given": ["--no-video", "--no-report", "--exercise", EXERCISE],
    }[variant]
    return analyze + extra


def _has_row(csv: Path) -> bool:
    try:
        with csv.open("rb") as handle:
            return handle.read(1 << 16).count(b"\n") >= 2
    except OSError:
        return False


def _cpu_of(pid: int) -> float | None:
    """CPU time (user + system) of a running process so far, from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(variant: str, clip: Path, seconds: int) -> Run:
    with tempfile.TemporaryDirectory(prefix="bench_perf_") as tmp:
        out = Path(tmp)
        cmd = command(variant, clip, out)
        log = (out / "stderr.txt").open("wb")
        start = time.perf_counter()
        process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log)
        startup = startup_cpu = None
        # landmarks.csv gets each frame's row as soon as it is measured; frames.csv waits
        # for the exercise to be recognised with `--exercise auto`.
        rows = out / "landmarks.csv"
        watch = variant != "plain"
        while True:
            pid, status, usage = os.wait4(process.pid, 0 if not watch else os.WNOHANG)
            if pid:
                break
            if _has_row(rows):
                startup, watch = time.perf_counter() - start, False
                startup_cpu = _cpu_of(process.pid)
                continue
            time.sleep(_POLL_S)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        log.close()
        if process.returncode != 0:
            lines = (out / "stderr.txt").read_text(errors="replace").strip().splitlines()
            sys.exit(f"bench_perf: {variant} failed ({process.returncode}): "
                     f"{lines[-1] if lines else 'no message'}\n  {' '.join(cmd)}")
    return Run(variant, seconds, wall, usage.ru_utime + usage.ru_stime,
               usage.ru_maxrss / 1024, startup, startup_cpu)


def run_order(variants: list[str], round_no: int) -> list[str]:
    """plain first, then the others; reversed every other round."""
    return variants[::-1] if round_no % 2 else list(variants)


# --- the tables -----------------------------------------------------------------------


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def print_table(runs: list[Run], lengths: list[int]) -> None:
    print(f"{'clip':>5} | {'variant':8} | {'wall s':>7} | {'min-max':>13} | {'x plain':>7} | "
          f"{'x realtime':>10} | {'CPU s':>6} | {'CPU/wall':>8} | {'CPU x plain':>11} | "
          f"{'peak MB':>7} | {'start-up s':>10}")
    for seconds in lengths:
        plain = _median(r.wall for r in runs if r.seconds == seconds and r.variant == "plain")
        plain_cpu = _median(r.cpu for r in runs if r.seconds == seconds and r.variant == "plain")
        for variant in VARIANTS:
            mine = [r for r in runs if r.seconds == seconds and r.variant == variant]
            if not mine:
                continue
            wall = _median(r.wall for r in mine)
            cpu = _median(r.cpu for r in mine)
            startup = _median(r.startup for r in mine)
            shown = "-" if startup != startup else f"{startup:.2f}"  # NaN: not watched
            print(f"{seconds:>4}s | {variant:8} | {wall:7.2f} | "
                  f"{min(r.wall for r in mine):5.2f} - {max(r.wall for r in mine):5.2f} | "
                  f"{plain / wall:7.2f} | {seconds / wall:10.2f} | {cpu:6.1f} | "
                  f"{cpu / wall:8.2f} | {plain_cpu / cpu:11.2f} | "
                  f"{max(r.peak_mb for r in mine):7.0f} | {shown:>10}")
    print("medians over the rounds; x plain: the plain script's median wall time over the "
          "variant's; CPU x plain: the same for CPU time (the work done, which a loaded "
          "machine changes far less than wall time); peak MB: the largest over the rounds")


def print_rounds(runs: list[Run], lengths: list[int]) -> None:
    """The target ratios round by round (each round's variants ran back to back)."""
    for seconds in lengths:
        plain = [r.wall for r in runs if r.seconds == seconds and r.variant == "plain"]
        for variant, target in RATIO_TARGETS:
            walls = [r.wall for r in runs if r.seconds == seconds and r.variant == variant]
            if not (plain and walls):
                continue
            ratios = [p / w for p, w in zip(plain, walls, strict=True)]
            print(f"{seconds:>4}s {variant} x plain per round: "
                  f"{' '.join(f'{r:.2f}' for r in ratios)} | median "
                  f"{statistics.median(ratios):.2f} (target {target})")
    longest = max(lengths)
    for variant, target in REALTIME_TARGETS:
        walls = [r.wall for r in runs if r.seconds == longest and r.variant == variant]
        if walls:
            factors = [longest / w for w in walls]
            print(f"{longest:>4}s {variant} x realtime per round: "
                  f"{' '.join(f'{f:.2f}' for f in factors)} | median "
                  f"{statistics.median(factors):.2f} (target {target})")


def print_startup(runs: list[Run]) -> None:
    shortest = min(r.seconds for r in runs)
    for variant, what in (
        ("given", "--exercise given"),
        ("full", "--exercise auto: recognised on the analysis' own poses"),
    ):
        mine = [r for r in runs if r.variant == variant and r.seconds == shortest]
        if mine and all(r.startup is not None for r in mine):
            target = f" (target {STARTUP_TARGET_S})"
            print(f"start-up, command to first frame measured ({variant}, {what}), "
                  f"{shortest} s clip: {' '.join(f'{r.startup:.2f}' for r in mine)} s | median "
                  f"{statistics.median(r.startup for r in mine):.2f} s{target} | CPU by then "
                  f"{_median(r.startup_cpu for r in mine):.2f} s")
    longest = max(r.seconds for r in runs)
    peaks = [r.peak_mb for r in runs if r.seconds == longest and r.variant != "plain"]
    if peaks:
        print(f"peak memory of posecoach on the {longest} s clip: {max(peaks):.0f} MB "
              f"(largest of every variant and round; target {MEMORY_TARGET_MB:.0f})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--lengths", type=int, nargs="+", default=[15, 120], metavar="S",
                        help="clip lengths in seconds (default: 15 120)")
    parser.add_argument("--only", nargs="+", choices=VARIANTS, metavar="VARIANT",
                        help="run these variants only (the ratios need plain)")
    parser.add_argument("--clips", type=Path, metavar="DIR",
                        help="make the clips here and keep them (default: a temporary folder)")
    args = parser.parse_args(argv)
    variants = [v for v in VARIANTS if not args.only or v in args.only]
    compile_posecoach()
    with tempfile.TemporaryDirectory(prefix="bench_clips_") as tmp:
        folder = args.clips or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        paths = clips(folder, args.lengths)
        print(f"clips: {', '.join(f'{s} s' for s in paths)} of sample_videos/kneeling_*.mp4, "
              f"{SIZE[0]}x{SIZE[1]} {FPS:.0f} fps | {os.cpu_count()} CPUs | load avg "
              f"{os.getloadavg()[0]:.1f} | {args.repeat} interleaved rounds", flush=True)
        runs: list[Run] = []
        for round_no in range(args.repeat):
            for seconds, clip in paths.items():
                for variant in run_order(variants, round_no):
                    if variant == "given" and seconds != min(paths):
                        continue
                    runs.append(measure(variant, clip, seconds))
            print(f"round {round_no + 1} done, load avg {os.getloadavg()[0]:.1f}", flush=True)
    print_table(runs, args.lengths)
    print_rounds(runs, args.lengths)
    print_startup(runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
