"""The live loop without a window: newest-frame mailbox, pausing, camera loss, recording."""

from __future__ import annotations

import csv
import json
import math
import time

import cv2
import numpy as np
import pytest
from fixtures.poses import Figure, make_pose

from posecoach.pose.sources import SourceInfo
from posecoach.run import live
from posecoach.run.coach import LiveCoach
from posecoach.run.latest import Latest
from posecoach.run.live import LiveError, LiveOptions, run_live, summary_lines
from posecoach.types import Frame


class SamePose:
    """An estimator that sees the same person in every frame."""

    model_name = "same-pose"

    def __init__(self, pose):
        self.pose = pose

    def estimate(self, frame):
        return self.pose

    def close(self):
        pass


def test_latest_hands_over_only_the_newest_item():
    box = Latest[int]()
    for i in range(3):
        box.put(i)
    assert box.get(timeout=0) == 2 and box.dropped == 2
    assert box.get(timeout=0.01) is None and not box.finished
    box.close()
    assert box.finished


def test_a_pause_is_never_credited_as_hold_time():
    coach = LiveCoach(SamePose(make_pose(Figure(thigh_deg=20.0))), "kneeling_hip_flexor")
    image = np.zeros((4, 4, 3), np.uint8)
    frames = iter(Frame(i, i / 30.0, image) for i in range(10_000))

    def run_until(t_end):
        for frame in frames:
            record = coach.process(frame)
            if frame.time_s >= t_end:
                return record

    before = run_until(12.0).state
    assert before.phase == "hold" and before.hold_s > 2.0
    coach.toggle_pause(12.0)
    during = run_until(20.0).state
    assert during is before  # frozen while paused
    assert coach.notice is not None
    coach.toggle_pause(20.0)
    after = run_until(21.0).state
    assert after.hold_s == pytest.approx(before.hold_s + 1.0, abs=0.1)


def test_switching_exercise_and_side():
    coach = LiveCoach(SamePose(make_pose(Figure(thigh_deg=20.0))), "kneeling_hip_flexor")
    first = coach.spec.id
    coach.select_exercise(1)
    assert coach.spec.id != first and coach.session is not None
    coach.select_exercise(-1)
    assert coach.spec.id == first
    image = np.zeros((4, 4, 3), np.uint8)
    for i in range(30):
        record = coach.process(Frame(i, i / 30, image))
    side = record.metrics.side
    coach.switch_side()
    record = coach.process(Frame(30, 1.0, image))
    assert side is not None and record.metrics.side is side.other


class LosingCamera:
    """A camera that delivers some frames, then stops (as CameraSource flags it)."""

    def __init__(self, frames: int):
        self.frames = frames
        self.disconnected = False
        self.info = SourceInfo("camera 0", 30.0, 0, (320, 240))

    def __iter__(self):
        for i in range(self.frames):
            time.sleep(1 / 30.0)  # a camera delivers frames at its own pace
            image = np.full((240, 320, 3), (i * 3) % 255, np.uint8)
            yield Frame(i, i / 30.0, image)
        self.disconnected = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


@pytest.mark.model
def test_losing_the_camera_is_one_error_and_keeps_the_recording(tmp_path, monkeypatch):
    monkeypatch.setattr(live, "open_source", lambda options: LosingCamera(45))
    out = tmp_path / "rec"
    options = LiveOptions(exercise="kneeling_hip_flexor", record=out, window=False, sound=False)
    with pytest.raises(LiveError, match="camera 0 disconnected.*recorded"):
        run_live(options)
    with (out / "frames.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert 0 < len(rows) <= 45
    summary = json.loads((out / "summary.json").read_text())
    assert summary["exercise"] == "kneeling_hip_flexor" and summary["clip"]["live"] is True
    video = cv2.VideoCapture(str(out / "annotated.mp4"))
    assert video.isOpened() and video.read()[0]
    # Written on the video's own clock: about as long as the camera ran.
    duration = video.get(cv2.CAP_PROP_FRAME_COUNT) / video.get(cv2.CAP_PROP_FPS)
    assert math.isclose(duration, 45 / 30.0, abs_tol=0.2)


def test_summary_lines():
    assert "No exercise" in summary_lines(None)[0]
    lines = summary_lines({
        "exercise": "x", "name": "Stretch", "protocol": {"reps_per_side": 3},
        "sides": {"L": {"holds_complete": 2, "good_s": 61.2}},
    })
    assert lines == ["Stretch:", "  left leg: 2 of 3 holds complete, 61 s in good form"]
