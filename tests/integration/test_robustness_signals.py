"""A real `posecoach analyze` stopped by SIGINT, SIGTERM or SIGHUP: nothing measured is lost.

Each signal is sent to the command while it is measuring a sample clip (once frames.csv
has rows); it must keep every frame measured so far, write summary.json marked
interrupted, print one line and exit with 128 + the signal's number.
"""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import time
from pathlib import Path

import pytest
from fixtures.cli import posecoach_command
from fixtures.paths import REPO

CLIP = REPO / "sample_videos" / "kneeling_good_R.mp4"
ROWS_BEFORE_SIGNAL = 15


def _rows(path: Path) -> int:
    if not path.is_file():
        return 0
    with path.open(newline="", encoding="utf-8") as f:
        return max(0, sum(1 for _ in csv.reader(f)) - 1)


def _wait_for_rows(proc: subprocess.Popen, frames_csv: Path, rows: int) -> None:
    deadline = time.monotonic() + 300
    while _rows(frames_csv) < rows:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no frames measured in 300 s"
        time.sleep(0.05)


@pytest.mark.model
@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_signal_keeps_what_was_measured(tmp_path, signum):
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [*posecoach_command(), "analyze", str(CLIP), "--out", str(out), "--quiet",
         "--exercise", "kneeling_hip_flexor", "--workers", "1", "--no-report",
         "--db", str(tmp_path / "h.sqlite")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # a suite run under nohup would hand SIGHUP down ignored (which posecoach keeps)
        preexec_fn=lambda: signal.signal(signum, signal.SIG_DFL),
    )
    try:
        _wait_for_rows(proc, out / "frames.csv", ROWS_BEFORE_SIGNAL)
        proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    name = signal.Signals(signum).name
    assert proc.returncode == 128 + signum, stderr
    assert stdout == "" and stderr.count("\n") == 1 and "Traceback" not in stderr, stderr
    assert f"interrupted by {name}" in stderr and str(out) in stderr

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    rows = _rows(out / "frames.csv")
    assert summary["interrupted"] == {"signal": name, "frames": rows}
    assert summary["clip"]["frames"] == rows >= ROWS_BEFORE_SIGNAL
    assert summary["clip"]["frames"] < summary["clip"]["frames_announced"]
    assert summary["clip"]["ended_early"] is False  # stopped, not a truncated file
    assert (out / "annotated.mp4").stat().st_size > 0
    assert not (tmp_path / "h.sqlite").exists()  # an interrupted session is not recorded


@pytest.mark.model
@pytest.mark.slow
def test_signal_before_the_exercise_is_recognised_keeps_every_frame(tmp_path):
    # `--exercise auto` holds frames.csv back until it recognises the exercise (from the
    # analysis' own poses, about 10 s into a plain clip): stopped before that, the held
    # frames are still written, coached as recognised on what was sampled.
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [*posecoach_command(), "analyze", str(CLIP), "--out", str(out), "--quiet",
         "--workers", "1", "--no-report", "--db", str(tmp_path / "h.sqlite")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        _wait_for_rows(proc, out / "landmarks.csv", ROWS_BEFORE_SIGNAL)
        assert _rows(out / "frames.csv") == 0  # held back, not lost
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signal.SIGINT, stderr
    assert "Traceback" not in stderr and stderr.count("\n") == 1, stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    rows = _rows(out / "frames.csv")
    assert summary["interrupted"]["frames"] == rows == _rows(out / "landmarks.csv")
    assert rows >= ROWS_BEFORE_SIGNAL
    assert summary["recognition"]["decided_early"] is False
    assert summary["recognition"]["sampled_frames"] >= 1
