"""A clip whose body is upside down or sideways in the picture, through the real CLI.

Three seconds of the kneeling sample's hold, turned with cv2 and written without any
rotation metadata (as a phone held sideways, or a clip whose metadata was lost): the
analysis must find the turn from the pose, say so in one line, turn the frames back and
recognise the kneeling stretch; a lying clip must be kept as it is. With the exercise
given, the check runs on the analysis' own frames, which start again turned.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import cv2
import pytest
from fixtures.cli import run_cli
from fixtures.paths import SAMPLE_VIDEOS

SECONDS = 3.0
START_FRAME = 240  # into the hold


def turned_clip(source: Path, path: Path, code: int | None) -> Path:
    """SECONDS of `source` from START_FRAME, each frame turned by cv2.rotate(code)."""
    capture = cv2.VideoCapture(str(source))
    fps = capture.get(cv2.CAP_PROP_FPS)
    capture.set(cv2.CAP_PROP_POS_FRAMES, START_FRAME)
    writer = None
    for _ in range(round(SECONDS * fps)):
        ok, image = capture.read()
        assert ok
        image = image if code is None else cv2.rotate(image, code)
        if writer is None:
            size = (image.shape[1], image.shape[0])
            writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
        writer.write(image)
    writer.release()
    capture.release()
    return path


def analyze(clip: Path, out: Path, *extra: str):
    done = run_cli("analyze", str(clip), "--out", str(out), "--quiet", "--no-video",
                   "--no-report", "--no-history", "--workers", "1", *extra)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    with (out / "frames.csv").open(newline="", encoding="utf-8") as f:
        postures = [row["posture"] for row in csv.DictReader(f)]
    return done, summary, postures


@pytest.mark.model
@pytest.mark.parametrize(
    ("code", "turned", "words"),
    [
        (cv2.ROTATE_180, 180, "upside down"),
        (cv2.ROTATE_90_CLOCKWISE, 270, "sideways"),
    ],
    ids=["upside_down", "sideways"],
)
def test_turned_kneeling_clip_is_turned_back_and_recognised(tmp_path, code, turned, words):
    clip = turned_clip(SAMPLE_VIDEOS / "kneeling_good_R.mp4", tmp_path / "turned.mp4", code)
    done, summary, postures = analyze(clip, tmp_path / "out")
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "turned" in lines[0], done.stderr
    assert summary["orientation"]["turned_deg"] == turned
    assert summary["clip"]["turned_deg"] == turned and summary["clip"]["rotation_deg"] == 0
    assert summary["clip"]["size"] == [960, 540]  # upright again
    assert summary["exercise"] == "kneeling_hip_flexor"
    assert postures.count("kneeling") >= 0.9 * len(postures)


@pytest.mark.model
def test_turned_clip_with_the_exercise_given_is_turned_back_too(tmp_path):
    clip = turned_clip(SAMPLE_VIDEOS / "kneeling_good_R.mp4", tmp_path / "turned.mp4",
                       cv2.ROTATE_90_COUNTERCLOCKWISE)
    done, summary, postures = analyze(clip, tmp_path / "out", "--exercise",
                                      "kneeling_hip_flexor")
    assert "sideways" in done.stderr and summary["orientation"]["turned_deg"] == 90
    assert postures.count("kneeling") >= 0.9 * len(postures)
    # The analysis began unturned and started again once its own check found the turn:
    # every frame once, from the first, upright.
    assert len(postures) == summary["clip"]["frames"] == summary["clip"]["frames_announced"]
    assert summary["clip"]["turned_deg"] == 90 and summary["clip"]["size"] == [960, 540]


@pytest.mark.model
def test_lying_clip_is_kept_as_it_is(tmp_path):
    clip = turned_clip(SAMPLE_VIDEOS / "bench_good_R.mp4", tmp_path / "bench.mp4", None)
    done, summary, _ = analyze(clip, tmp_path / "out")
    assert done.stderr == ""
    assert summary["orientation"]["turned_deg"] == 0
    assert summary["orientation"]["doubtful"] is False
    assert summary["exercise"] == "edge_of_bench_psoas"
