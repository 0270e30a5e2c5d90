"""A skeleton the model finds upside down is asked again; the clip stays as decoded.

The real model on a rendered clip (tests/data/upside_down/README.md) whose first frames
BlazePose fits the wrong way up when it tracks.
"""

from __future__ import annotations

import csv
import json

import pytest
from fixtures.cli import run_cli
from fixtures.paths import DATA

from posecoach.pose.estimation import MediaPipePoseEstimator
from posecoach.pose.sources import VideoFileSource
from posecoach.pose.upright import UPSIDE_DOWN_DEG, trunk_from_up_deg

pytestmark = pytest.mark.model

CLIP = DATA / "upside_down" / "test_0008_kneel_arch.mp4"


def _trunk_angles(guard: bool) -> tuple[list[float], MediaPipePoseEstimator]:
    estimator = MediaPipePoseEstimator(segmentation=False, upright_guard=guard)
    try:
        with VideoFileSource(CLIP) as source:
            angles = [trunk_from_up_deg(pose) for frame in source
                      if (pose := estimator.estimate(frame)) is not None]
    finally:
        estimator.close()
    return angles, estimator


def test_frames_found_upside_down_are_asked_again_and_come_out_upright():
    unguarded, _ = _trunk_angles(guard=False)
    flipped = sum(a > UPSIDE_DOWN_DEG for a in unguarded)
    assert flipped >= 30, "the clip no longer provokes the model's upside-down fit"
    guarded, estimator = _trunk_angles(guard=True)
    assert len(guarded) >= len(unguarded) - 2
    assert max(guarded) < 30.0  # the body kneels upright in every frame
    assert 1 <= estimator.upright_fixes <= estimator.upright_retries <= flipped


def test_analyze_keeps_the_clip_as_decoded_and_recognises_the_kneeling_stretch(tmp_path):
    out = tmp_path / "out"
    done = run_cli("analyze", str(CLIP), "--out", str(out), "--quiet", "--no-video",
                   "--no-report", "--no-history")
    assert done.returncode == 0 and done.stderr == "", done.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["orientation"]["turned_deg"] == 0
    assert summary["exercise"] == "kneeling_hip_flexor"
    with (out / "frames.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    trunk = [abs(float(r["trunk_inclination_deg"])) for r in rows if r["trunk_inclination_deg"]]
    assert len(trunk) >= 0.9 * len(rows) and max(trunk) < 20.0
    assert sum(r["posture"] == "kneeling" for r in rows) >= 0.8 * len(rows)
