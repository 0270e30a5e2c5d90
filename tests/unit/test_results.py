"""Reading results back: sides not done, noise thresholds, peaks in good form only."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest

from posecoach.exercises.session import SessionState
from posecoach.landmarks import Side
from posecoach.results.history import Change
from posecoach.results.reading import load_clip, side_metrics
from posecoach.results.summary import ClipStats
from posecoach.types import FrameMetrics, FrameRecord, Pose

HOLD = {"rep": 0, "start_s": 3.0, "end_s": 20.0, "good_s": 13.7, "target_s": 30.0,
        "complete": False}


def test_a_side_with_no_holds_is_not_done_not_zero(tmp_path):
    summary = {"exercise": "kneeling_hip_flexor", "sides": {
        "L": {"holds": [], "good_s": 0, "fault_time_s": {}},
        "R": {"holds": [HOLD], "good_s": 13.7, "fault_time_s": {"back_arching": 2.0}},
    }}
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    res = load_clip(tmp_path)
    assert not res.sides["L"].done and res.sides["R"].done
    left = side_metrics(res.sides["L"])
    assert all(math.isnan(v) for v in left.values())
    assert side_metrics(res.sides["R"])["good_form_hold_s"] == pytest.approx(13.7)


@pytest.mark.parametrize("metric, a, b, verdict", [
    ("good_form_hold_s", 13.7, 14.0, "same"),  # +0.3 s is noise (threshold 1 s)
    ("good_form_hold_s", 13.7, 15.0, "better"),
    ("peak_hip_extension_deg", 20.0, 21.5, "same"),  # threshold 2 deg
    ("peak_hip_extension_deg", 20.0, 17.0, "worse"),
    ("time_in_fault_s", 3.0, 1.0, "better"),
    ("good_form_hold_s", 13.7, math.nan, "n/a"),
])
def test_verdicts_respect_the_noise_threshold(metric, a, b, verdict):
    assert Change("R", metric, a, b).verdict == verdict


def test_different_exercises_are_not_better_or_worse():
    assert Change("R", "good_form_hold_s", 13.7, 0.5, comparable=False).verdict == (
        "different exercise")


def _state(phase: str, t: float) -> SessionState:
    return SessionState(
        time_s=t, phase=phase, paused_phase=None, side=Side.RIGHT, rep=0, reps_target=3,
        reps_done={}, hold_s=0.0, hold_target_s=30.0, seconds_left=None, cycle=None,
        cycles_target=0, in_position=True, good_form=phase == "hold", cues=(), events=(),
        prompt="", camera_blind=False, camera_note="",
    )


def test_peak_leaves_out_frames_in_fault():
    stats = ClipStats()
    pose = Pose.from_pixels(np.full((33, 2), np.nan), (10, 10))
    # a fault, and a fault cue still within its grace time (phase hold, form not good)
    frames = [("hold", 15.0, True), ("fault", 30.0, False), ("hold", 25.0, False),
              ("hold", 18.0, True)]
    for i, (phase, hip, good) in enumerate(frames):
        m = FrameMetrics(time_s=i, pose_detected=True, side=Side.RIGHT, facing=1,
                         view_ok=True, values={"hip_extension_deg": hip})
        st = dataclasses.replace(_state(phase, float(i)), good_form=good)
        stats.add(FrameRecord(i, float(i), pose, m, st))
    right = stats.angle_summary()["R"]
    assert right["peak_hip_extension_deg"] == 18.0 and right["peak_hip_extension_time_s"] == 3
    assert right["median_hip_extension_deg"] == pytest.approx(16.5)
