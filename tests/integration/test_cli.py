"""The command line as a user runs it: one clear error line and a non-zero exit on bad input."""

from __future__ import annotations

import csv

import pytest
from fixtures.cli import run_cli
from fixtures.clips import write_clip

from posecoach import __version__
from posecoach.registry import METRIC_NAMES


def _one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    assert lines[0].startswith("posecoach: error: ")
    return lines[0]


def test_help_and_version():
    result = run_cli("--help")
    assert result.returncode == 0
    assert "analyze" in result.stdout
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"posecoach {__version__}"


def test_missing_file(tmp_path):
    result = run_cli("analyze", str(tmp_path / "nope.mp4"), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "no such file" in _one_error_line(result.stderr)


def test_file_that_is_not_a_video(tmp_path):
    fake = tmp_path / "notes.mp4"
    fake.write_text("shopping list\n")
    result = run_cli("analyze", str(fake), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "not a readable video" in _one_error_line(result.stderr)


@pytest.mark.model
def test_video_with_no_person(tmp_path):
    clip = write_clip(tmp_path / "empty room.mp4", frames=20, size=(320, 240), value=120)
    result = run_cli("analyze", str(clip), "--out", str(tmp_path / "out"), "--quiet")
    assert result.returncode == 1
    assert "no person detected in 20 frames" in _one_error_line(result.stderr)
    # What was measured is still written: 20 rows saying nobody was there.
    with (tmp_path / "out" / "frames.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [row["pose_detected"] for row in rows] == ["0"] * 20


def test_usage_error_exit_code(tmp_path):
    result = run_cli("analyze", str(tmp_path / "x.mp4"))  # --out missing
    assert result.returncode == 2


@pytest.mark.parametrize("workers", ["0", "two"])
def test_workers_must_be_a_positive_whole_number(tmp_path, workers):
    result = run_cli("analyze", str(tmp_path / "x.mp4"), "--out", str(tmp_path), "--workers",
                     workers)
    assert result.returncode == 2
    assert "--workers: expected a whole number of at least 1" in result.stderr


@pytest.mark.model
def test_analyze_sample_clip_writes_landmarks_and_metrics(tmp_path, sample_videos):
    clip = sorted(sample_videos.glob("kneeling_good_*.mp4"))[0]
    out = tmp_path / "out"
    result = run_cli("analyze", str(clip), "--out", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    with (out / "frames.csv").open() as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    columns = reader.fieldnames
    assert columns[:5] == ["frame", "time_s", "pose_detected", "side", "view_ok"]
    assert columns[5 : 5 + len(METRIC_NAMES)] == list(METRIC_NAMES)
    assert {"phase", "hold_s", "cues"} <= set(columns)
    assert sum(row["pose_detected"] == "1" for row in rows) > 0.9 * len(rows)
    assert (out / "landmarks.csv").stat().st_size > 0


@pytest.mark.model
def test_folder_with_a_broken_file_processes_the_others(tmp_path, sample_videos):
    folder = tmp_path / "clips ä"  # spaces and non-ASCII in paths
    folder.mkdir()
    clip = sorted(sample_videos.glob("kneeling_good_*.mp4"))[0]
    (folder / "good.mp4").write_bytes(clip.read_bytes())
    (folder / "broken.mp4").write_bytes(b"\x00" * 1000)
    out = tmp_path / "out"
    result = run_cli("analyze", str(folder), "--out", str(out), "--quiet")
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("posecoach: error")]
    assert any("broken.mp4" in line and "not a readable video" in line for line in errors)
    assert (out / "good" / "frames.csv").exists()
    assert "good.mp4" in result.stdout


def test_native_stderr_is_routed_away_but_python_errors_still_show(tmp_path):
    """MediaPipe's glog writes straight to fd 2 mid-run; the CLI sends fd 2 to /dev/null
    and keeps Python's own stderr (errors, progress) on the real stream."""
    import subprocess
    import sys

    script = (
        "import os, sys\n"
        "from posecoach.pose.quiet import route_native_stderr_away\n"
        "assert route_native_stderr_away()\n"
        "os.write(2, b'native chatter\\n')\n"
        "print('python error line', file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert done.stderr == "python error line\n"
