"""What the fuzzers call: each target feeds one user-supplied input to the code that parses
it and lets through only the error types that code documents (one line for the user).
Anything else escaping a target is a bug.

Shared by the atheris harnesses (tools/fuzz/fuzz_*.py) and by the bounded random-mutation
smoke test in the test suite (tests/tools/test_fuzz_smoke.py), so both check the same contract.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tempfile
from pathlib import Path

from posecoach.cli.app import build_parser, main
from posecoach.exercises import SpecError
from posecoach.exercises.spec import load_exercise, parse_exercise
from posecoach.outputs.mot import ExportError, write_mot
from posecoach.results import history
from posecoach.results.reading import ResultsError, load_clip, read_frames

REPO = Path(__file__).resolve().parents[2]
CONTENT = REPO / "content"
_SHM = Path("/dev/shm")  # in memory: the targets write a file per input
_scratch: list[Path] = []


def scratch() -> Path:
    """A private folder for the files the targets write (removed by cleanup())."""
    if not _scratch:
        where = _SHM if _SHM.is_dir() else None
        _scratch.append(Path(tempfile.mkdtemp(prefix="posecoach-fuzz-", dir=where)))
    return _scratch[0]


def cleanup() -> None:
    while _scratch:
        shutil.rmtree(_scratch.pop(), ignore_errors=True)


# --------------------------------------------------------------------------- exercises


def exercise_text(text: str) -> None:
    """An exercise definition as text: a spec, or SpecError."""
    try:
        parse_exercise(text, "fuzz.toml")
    except SpecError as error:
        _one_line(error)


def exercise_file(data: bytes) -> None:
    """An exercise file as raw bytes (any encoding), given by path: a spec, or SpecError."""
    path = scratch() / "fuzz exercise.toml"
    path.write_bytes(data)
    try:
        load_exercise(path)
    except SpecError as error:
        _one_line(error)


# --------------------------------------------------------------------------- history


def history_db(data: bytes) -> None:
    """Arbitrary bytes as the history database: read and written, or HistoryError."""
    db = scratch() / "history.sqlite"
    for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        stale.unlink(missing_ok=True)
    db.write_bytes(data)
    try:
        sessions = history.list_sessions(db)
        if sessions:
            with history.connect(db) as conn:
                history.session_results(conn, sessions[0].id)
            history.compare(db, sessions[0].id, sessions[-1].id)
        history.record_session(db, _summary(), _output_folder())
    except history.HistoryError as error:
        _one_line(error)


def _summary() -> dict:
    return {"exercise": "kneeling_hip_flexor", "clip": {"source": "fuzz.mp4", "frames": 2},
            "sides": {}}


def _output_folder() -> Path:
    out = scratch() / "out"
    if not (out / "frames.csv").is_file():
        out.mkdir(exist_ok=True)
        (out / "frames.csv").write_text(SAMPLE_FRAMES_CSV, encoding="utf-8")
    return out


# --------------------------------------------------------------------------- output files


def frames_csv(data: bytes) -> None:
    """Bytes as an output folder's frames.csv (and, split, summary.json): read back,
    exported to .mot and loaded as results - or ResultsError / ExportError."""
    out = scratch() / "frames"
    out.mkdir(exist_ok=True)
    csv_bytes, _, json_bytes = data.partition(b"\x00JSON\x00")
    (out / "frames.csv").write_bytes(csv_bytes)
    summary = out / "summary.json"
    summary.unlink(missing_ok=True)
    if json_bytes:
        summary.write_bytes(json_bytes)
    try:
        read_frames(out / "frames.csv")
        write_mot(out / "frames.csv", out / "angles.mot")
        load_clip(out)
    except (ResultsError, ExportError) as error:
        _one_line(error)


# --------------------------------------------------------------------------- command line

# Commands the CLI fuzzer may reach through main(): everything but `live` (a window and a
# camera) and a real analysis (minutes of model time) - `analyze` only ever sees the
# sandbox's broken files, so it fails fast on them.
SANDBOX_FILES = {
    "empty.mp4": b"",
    "text.mp4": b"not a video\n",
    "bad.toml": b"id = 1\n",
    "photo.jpg": b"\xff\xd8\xff\xe0 not really",
}


def cli_args(argv: list[str]) -> None:
    """Fuzzed argv: the parser exits (SystemExit) or parses; main() returns an exit code or
    raises SystemExit - nothing else."""
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        with contextlib.suppress(SystemExit):
            build_parser().parse_args(argv)
        if "live" in argv:
            return
        cwd = os.getcwd()
        os.chdir(_sandbox())
        try:
            code = main(argv)
            assert isinstance(code, int), f"main() returned {code!r}"
        except SystemExit:
            pass
        finally:
            os.chdir(cwd)


def _sandbox() -> Path:
    box = scratch() / "cli"
    if not box.is_dir():
        box.mkdir()
        for name, data in SANDBOX_FILES.items():
            (box / name).write_bytes(data)
        os.environ["POSECOACH_DB"] = str(box / "history.sqlite")
    return box


def _one_line(error: Exception) -> None:
    message = str(error)
    assert message and "\n" not in message, f"not one line: {message!r}"


# --------------------------------------------------------------------------- hostile seeds
# The structures that broke the parsers once (issue 19): deep nesting, integers beyond
# every range, very long strings. Fed as seeds to the harnesses and, unmutated, to the
# test suite (tests/tools/test_fuzz_hostile.py).


def hostile_exercises() -> list[bytes]:
    valid = (CONTENT / "kneeling_hip_flexor.toml").read_bytes()
    return [
        b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n",
        b"name = " + b"[" * 400 + b"]" * 400 + b"\n" + valid,
        b"x = " + b"{a = " * 3000 + b"1" + b"}" * 3000 + b"\n",
        b"[" + b"a." * 5000 + b"b]\n",
        valid.replace(b"hold_s = ", b"hold_s = " + b"9" * 5000 + b" #", 1),
        valid.replace(b"hold_s = ", b"hold_s = 1" + b"0" * 400 + b" #", 1),
        valid.replace(b"hold_s = ", b"hold_s = inf #", 1),
        valid.replace(b"hold_s = ", b"hold_s = -9223372036854775809 #", 1),
        b"k" * 100_000 + b" = 1\n" + valid,
        b'name = "' + b"n" * 300_000 + b'"\n',
    ]


def hostile_frames() -> list[bytes]:
    header, _, rows = SAMPLE_FRAMES_CSV.encode().partition(b"\n")
    return [
        header + b"\n" + b"9" * 5000 + rows[rows.index(b","):],
        header + b"\n" + rows.replace(b"10.00", b"1" + b"0" * 400, 1),
        header + b"\n" + rows.replace(b"hold", b"h" * 200_000, 1),
        SAMPLE_FRAMES_CSV.encode() + b"\x00JSON\x00" + b"[" * 100_000,
        SAMPLE_FRAMES_CSV.encode() + b'\x00JSON\x00{"clip": {"frames": ' + b"9" * 5000 + b"}}",
    ]


HOSTILE_ARGV = (
    ["compare", "9" * 30, "1", "--db", "history.sqlite"],
    ["compare", "9" * 5000, "-1"],
    ["analyze", "empty.mp4", "--out", "o", "--workers", "9" * 30],
    ["exercises", "x" * 10_000],
    ["history", "--client", "c" * 100_000],
)


# A small real frames.csv (header and two rows), as the analysis writes it.
def _sample_frames_csv() -> str:
    from posecoach.outputs.sinks import FRAME_EXTRA_COLUMNS, frame_columns

    columns = frame_columns(FRAME_EXTRA_COLUMNS)
    rows = []
    for i in range(2):
        cells = {c: "" for c in columns}
        cells.update(frame=str(i), time_s=f"{i / 30:.4f}", pose_detected="1", side="L",
                     view_ok="1", hip_extension_deg=f"{10 + i}.00", phase="hold", hold_s="1.0")
        rows.append(",".join(cells[c] for c in columns))
    return ",".join(columns) + "\n" + "\n".join(rows) + "\n"


SAMPLE_FRAMES_CSV = _sample_frames_csv()
SAMPLE_SUMMARY = json.dumps({"exercise": "kneeling_hip_flexor", "clip": {"frames": 2}})
