"""A bounded, dependency-free fuzz pass over every parser of user-supplied files.

Random mutations (bit flips, inserted/deleted/repeated bytes, spliced lines) of real
inputs - the content/*.toml exercises, a real history database, a frames.csv, typical
command lines - fed to the same targets as the atheris harnesses (tools/fuzz/targets.py),
which let through only the documented one-line errors. About half a second per target,
with a fixed seed, so a failure is reproducible; the long coverage-guided runs are
`python tools/fuzz/run_all.py --seconds N`.
"""

from __future__ import annotations

import random
import sys
import time

import pytest
from fixtures.paths import REPO

sys.path.insert(0, str(REPO / "tools" / "fuzz"))

import run_all  # noqa: E402
import targets  # noqa: E402

SECONDS_PER_TARGET = 0.6
MIN_RUNS = 25


@pytest.fixture(scope="module", autouse=True)
def _scratch():
    yield
    targets.cleanup()


def mutate(data: bytes, rng: random.Random, other: bytes = b"") -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(6)
        at = rng.randrange(len(buf) + 1)
        if op == 0 and buf:  # flip a bit
            i = min(at, len(buf) - 1)
            buf[i] ^= 1 << rng.randrange(8)
        elif op == 1:  # insert random bytes
            buf[at:at] = rng.randbytes(rng.randint(1, 8))
        elif op == 2:  # delete a range
            del buf[at:at + rng.randint(1, 64)]
        elif op == 3:  # repeat a range
            buf[at:at] = buf[at:at + rng.randint(1, 32)] * rng.randint(2, 4)
        elif op == 4 and other:  # splice in a piece of another input
            start = rng.randrange(len(other))
            buf[at:at] = other[start:start + rng.randint(1, 256)]
        elif op == 5:  # an interesting token
            buf[at:at] = rng.choice([b"=", b"[", b"]]", b'"', b"\n", b",", b"nan", b"-1",
                                     b"1e999", b"\xff\xfe", b"\x00", b"[[rules]]\n"])
    return bytes(buf)


def _fuzz(seeds: list[bytes], target, rng: random.Random) -> int:
    """Feed mutations to `target` for SECONDS_PER_TARGET, and at least MIN_RUNS of them
    whatever the machine's load (the first MIN_RUNS are the same on every machine)."""
    deadline = time.monotonic() + SECONDS_PER_TARGET
    runs = 0
    while runs < MIN_RUNS or time.monotonic() < deadline:
        data = mutate(rng.choice(seeds), rng, rng.choice(seeds))
        try:
            target(data)
        except Exception as error:
            raise AssertionError(f"{target.__name__} crashed on {data[:300]!r}: "
                                 f"{type(error).__name__}: {error}") from error
        runs += 1
    return runs


def test_exercise_definitions():
    seeds = [p.read_bytes() for p in sorted(targets.CONTENT.glob("*.toml"))]
    rng = random.Random(9)
    text_runs = _fuzz(seeds, lambda d: targets.exercise_text(d.decode("utf-8", "replace")),
                      rng)
    file_runs = _fuzz(seeds, targets.exercise_file, rng)
    assert text_runs > 20 and file_runs > 20


def test_history_database():
    targets.history_db(b"")
    real = (targets.scratch() / "history.sqlite").read_bytes()
    assert _fuzz([real], targets.history_db, random.Random(9)) > 5


def test_frames_csv_and_summary():
    csv_bytes = targets.SAMPLE_FRAMES_CSV.encode()
    seeds = [csv_bytes, csv_bytes + b"\x00JSON\x00" + targets.SAMPLE_SUMMARY.encode()]
    assert _fuzz(seeds, targets.frames_csv, random.Random(9)) > 20


def test_command_lines():
    seeds = ["\0".join(argv).encode() for argv in run_all.CLI_SEEDS]

    def target(data: bytes) -> None:
        argv = data.decode("utf-8", "replace").split("\0")[:12]
        targets.cli_args(argv if argv != [""] else [])

    assert _fuzz(seeds, target, random.Random(9)) > 20
