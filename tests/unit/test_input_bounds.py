"""Hostile numbers and nesting in user input: one clear line, never a traceback."""

from __future__ import annotations

import pytest

from posecoach.cli.app import main
from posecoach.exercises import SpecError
from posecoach.exercises.spec import parse_exercise
from posecoach.results import history


@pytest.mark.parametrize("argv", [
    ["compare", "9" * 30, "1"],
    ["compare", "9" * 5000, "1"],
    ["compare", "0", "1"],
    ["analyze", "x.mp4", "--out", "o", "--workers", "9" * 30],
    # OpenCV crashes on a negative camera index and raises a TypeError beyond a C long.
    ["live", "--camera", "-1"],
    ["live", "--camera", "64"],
    ["live", "--camera", "9" * 30],
    ["live", "--camera", "one"],
])
def test_out_of_range_numbers_are_usage_errors(argv, capsys):
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "error: argument" in err and len(err) < 200


def test_session_id_beyond_sqlite_is_no_session(tmp_path):
    db = tmp_path / "h.sqlite"
    with history.connect(db):
        pass
    with pytest.raises(history.HistoryError, match="no session"):
        history.compare(db, 10**30, 1)


@pytest.mark.parametrize(("text", "expected"), [
    ("x = " + "[" * 5000 + "]" * 5000, "nested too deeply"),
    ("x = " + "{a = " * 3000 + "1" + "}" * 3000, "nested too deeply"),
    ("x = " + "9" * 5000, "number too long"),
    ("#" * 300_000, "too large"),
])
def test_hostile_exercise_text(text, expected):
    with pytest.raises(SpecError, match=expected) as caught:
        parse_exercise(text, "hostile.toml")
    assert "\n" not in str(caught.value) and str(caught.value).startswith("hostile.toml")


@pytest.mark.parametrize("index", [-1, 64, 10**30])
def test_camera_index_out_of_range_never_reaches_opencv(index):
    from posecoach.pose.sources import CameraSource, SourceError

    with pytest.raises(SourceError, match="no such camera index"):
        CameraSource(index)
