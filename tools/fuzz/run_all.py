"""Run every fuzz harness for a bounded time and record the results.

    .venv/bin/pip install -e '.[fuzz]'        # atheris
    .venv/bin/python tools/fuzz/run_all.py --seconds 60

Each harness (tools/fuzz/fuzz_*.py) is a libFuzzer/atheris program over one parser of
user-supplied files; it starts from seeds made here from the real formats (content/*.toml,
a real history database, a real frames.csv, typical command lines). A crash is any
exception other than the documented one-line errors (see targets.py); its input is kept
in tools/fuzz/crashes/ and the run exits 1. The table of the last run is written to
tools/fuzz/RESULTS.md.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

HARNESSES = {  # name -> max input length (bytes)
    "exercise": 16384,
    "history": 65536,
    "frames": 16384,
    "cli": 512,
}
_STATS = re.compile(r"#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+)(?: corp: (\d+))?")


@dataclass
class Outcome:
    name: str
    runs: int = 0
    coverage: int = 0
    features: int = 0
    corpus: int = 0
    seconds: float = 0.0
    crash: str | None = None


def seeds(name: str, folder: Path) -> None:
    """Starting inputs for one harness, from the real formats."""
    import targets

    folder.mkdir(parents=True, exist_ok=True)
    if name == "exercise":
        for path in sorted(targets.CONTENT.glob("*.toml")):
            data = path.read_bytes()
            (folder / path.name).write_bytes(data)
            (folder / (path.name + ".file")).write_bytes(b"\x01" + data)
        for i, data in enumerate(targets.hostile_exercises()):
            (folder / f"hostile{i}.toml").write_bytes(data[:HARNESSES[name]])
    elif name == "history":
        targets.history_db(b"")  # a fresh database with one session
        db = targets.scratch() / "history.sqlite"
        targets.history_db(db.read_bytes())  # ... and a second one
        (folder / "history.sqlite").write_bytes(db.read_bytes())
    elif name == "frames":
        (folder / "frames.csv").write_text(targets.SAMPLE_FRAMES_CSV, encoding="utf-8")
        (folder / "with_summary").write_bytes(
            targets.SAMPLE_FRAMES_CSV.encode() + b"\x00JSON\x00" + targets.SAMPLE_SUMMARY.encode())
        for i, data in enumerate(targets.hostile_frames()):
            (folder / f"hostile{i}").write_bytes(data[:HARNESSES[name]])
    elif name == "cli":
        for i, argv in enumerate(CLI_SEEDS + targets.HOSTILE_ARGV):
            (folder / f"argv{i}").write_bytes("\0".join(argv).encode())


CLI_SEEDS = (
    ["analyze", "empty.mp4", "--out", "out"],
    ["analyze", "text.mp4", "photo.jpg", "--out", "o", "--exercise", "bad.toml", "--quiet"],
    ["analyze", ".", "--out", "o", "--db", "h.sqlite", "--client", "Ana", "--blur-faces"],
    ["history", "--client", "Ana"],
    ["compare", "1", "2", "--db", "history.sqlite"],
    ["exercises", "kneeling_hip_flexor"],
    ["exercises"],
    ["--version"],
)


def run_harness(name: str, seconds: float, work: Path, crashes: Path) -> Outcome:
    seed_dir, corpus = work / name / "seeds", work / name / "corpus"
    seeds(name, seed_dir)
    corpus.mkdir(parents=True, exist_ok=True)
    artifacts = work / name / "artifacts"
    artifacts.mkdir()
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(HERE / f"fuzz_{name}.py"), f"-max_total_time={int(seconds)}",
         f"-max_len={HARNESSES[name]}", "-rss_limit_mb=4096", "-timeout=30",
         f"-artifact_prefix={artifacts}/", "-print_final_stats=1", str(corpus), str(seed_dir)],
        capture_output=True, text=True, errors="replace", timeout=seconds + 300,
    )
    outcome = Outcome(name, seconds=time.monotonic() - started)
    for match in _STATS.finditer(done.stderr):
        outcome.runs, outcome.coverage, outcome.features = (int(g) for g in match.groups()[:3])
        outcome.corpus = int(match.group(4) or 0)
    found = sorted(artifacts.iterdir())
    if done.returncode != 0 or found:
        crashes.mkdir(exist_ok=True)
        for artifact in found:
            shutil.copy(artifact, crashes / f"{name}-{artifact.name}")
        outcome.crash = _crash_line(done.stderr) or f"exit code {done.returncode}"
        (crashes / f"{name}.log").write_text(done.stderr[-20000:], encoding="utf-8")
    return outcome


def _crash_line(log: str) -> str | None:
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if "Uncaught Python exception" in line:
            tail = [s for s in lines[i + 1:i + 60] if s and not s.startswith((" ", "Traceback"))]
            return tail[0] if tail else line
    return None


def table(outcomes: list[Outcome]) -> str:
    rows = ["| harness | seconds | runs | coverage (edges) | features | corpus | result |",
            "|---|---|---|---|---|---|---|"]
    for o in outcomes:
        rows.append(f"| {o.name} | {o.seconds:.0f} | {o.runs} | {o.coverage} | {o.features} | "
                    f"{o.corpus} | {o.crash or 'no crash'} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run every fuzz harness for N seconds.")
    parser.add_argument("--seconds", type=float, default=60.0, help="per harness (60)")
    parser.add_argument("--only", choices=sorted(HARNESSES), action="append")
    parser.add_argument("--no-record", action="store_true", help="do not write RESULTS.md")
    args = parser.parse_args(argv)
    try:
        import atheris  # noqa: F401
    except ImportError:
        print("run_all: atheris is not installed (pip install -e '.[fuzz]')", file=sys.stderr)
        return 2
    import targets

    outcomes = []
    with tempfile.TemporaryDirectory(prefix="posecoach-fuzz-run-") as work:
        for name in args.only or list(HARNESSES):
            outcome = run_harness(name, args.seconds, Path(work), HERE / "crashes")
            print(f"{name}: {outcome.runs} runs, cov {outcome.coverage}, "
                  f"{outcome.crash or 'no crash'}", flush=True)
            outcomes.append(outcome)
    targets.cleanup()
    text = table(outcomes)
    print(text)
    if not args.no_record:
        (HERE / "RESULTS.md").write_text(
            f"# Last fuzz run ({date.today().isoformat()}, {args.seconds:g} s per harness)\n\n"
            f"Command: `python tools/fuzz/run_all.py --seconds {args.seconds:g}`\n\n"
            + text + "\n", encoding="utf-8")
    return 1 if any(o.crash for o in outcomes) else 0


if __name__ == "__main__":
    raise SystemExit(main())
