"""The hostile structures of tools/fuzz/targets.py, unmutated: deep nesting, huge
integers and long strings reach each parser and end in its one-line error, or parse."""

from __future__ import annotations

import sys

import pytest
from fixtures.paths import REPO

sys.path.insert(0, str(REPO / "tools" / "fuzz"))

import targets  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def _scratch():
    yield
    targets.cleanup()


@pytest.mark.parametrize("index", range(len(targets.hostile_exercises())))
def test_hostile_exercise(index):
    data = targets.hostile_exercises()[index]
    targets.exercise_text(data.decode("utf-8", "replace"))
    targets.exercise_file(data)


@pytest.mark.parametrize("index", range(len(targets.hostile_frames())))
def test_hostile_frames_csv(index):
    targets.frames_csv(targets.hostile_frames()[index])


@pytest.mark.parametrize("argv", targets.HOSTILE_ARGV, ids=lambda a: a[0])
def test_hostile_command_line(argv):
    targets.cli_args(list(argv))
