"""Which way the body is turned, what the person is told, and references dropped when
the camera view changes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from posecoach.exercises.guidance import TURN, setup_message, turn_instruction
from posecoach.landmarks import NUM_LANDMARKS, Landmark, Side
from posecoach.measure.view import ViewChecker, ViewGate, near_side, signed_view_angle
from posecoach.types import FrameMetrics, Pose


def turned_pose(yaw_deg: float, facing: int = 1, near: Side = Side.LEFT) -> Pose:
    """World landmarks of shoulders and hips of a body turned `yaw_deg` chest-towards the
    camera (camera looks along +z), facing image-right (+1) or image-left (-1)."""
    a = math.radians(yaw_deg)
    world = np.zeros((NUM_LANDMARKS, 3))
    half = 0.18
    # the far joint sits forward (along the facing) by sin(a) and deeper by cos(a)
    far_offset = np.array([facing * math.sin(a), 0.0, math.cos(a)]) * half
    near_name, far_name = ("LEFT", "RIGHT") if near is Side.LEFT else ("RIGHT", "LEFT")
    for joint, y in (("SHOULDER", -0.5), ("HIP", 0.0)):
        world[int(getattr(Landmark, f"{near_name}_{joint}"))] = -far_offset + [0, y, 0]
        world[int(getattr(Landmark, f"{far_name}_{joint}"))] = far_offset + [0, y, 0]
    xy = np.full((NUM_LANDMARKS, 2), 500.0)
    pose = Pose.from_pixels(xy, (960, 540))
    return Pose(pose.xy, pose.z, pose.visibility, pose.presence, pose.image_size, world=world)


@pytest.mark.parametrize("yaw", [-40.0, -15.0, 0.0, 10.0, 35.0])
@pytest.mark.parametrize("facing", [1, -1])
@pytest.mark.parametrize("near", [Side.LEFT, Side.RIGHT])
def test_signed_view_angle_reads_the_turn_with_its_sign(yaw, facing, near):
    pose = turned_pose(yaw, facing, near)
    assert near_side(pose) is near
    assert signed_view_angle(pose, facing) == pytest.approx(yaw, abs=1e-6)


def test_signed_view_angle_needs_a_facing():
    assert math.isnan(signed_view_angle(turned_pose(20.0), 0))


def _metrics(yaw: float, posture: str = "kneeling", near: Side | None = Side.LEFT):
    return FrameMetrics(time_s=0.0, pose_detected=True, view_ok=False,
                        view_angle_deg=abs(yaw), view_yaw_deg=yaw, near_side=near,
                        posture=posture)


def test_turn_instruction_names_the_direction_and_the_amount():
    assert turn_instruction(_metrics(32.0)) == (
        "Turn your chest about 30 deg away from the camera, so your left side faces it")
    assert turn_instruction(_metrics(-41.0, near=Side.RIGHT)) == (
        "Turn your chest about 40 deg towards the camera, so your right side faces it")
    assert "Move the camera about 25 deg" in turn_instruction(_metrics(-26.0, "supine"))
    assert turn_instruction(_metrics(float("nan"))) is None


def test_setup_message_falls_back_to_the_plain_turn_without_a_direction():
    pose = turned_pose(35.0)
    metrics = _metrics(float("nan"))
    # every needed joint in frame, so only the view is wrong
    for name in ("KNEE", "ANKLE"):
        for s in ("LEFT", "RIGHT"):
            pose.xy[int(getattr(Landmark, f"{s}_{name}"))] = (480.0, 400.0)
    assert setup_message(pose, metrics) == TURN
    assert setup_message(pose, _metrics(35.0)).startswith("Turn your chest about 35 deg away")


def test_view_gate_sets_where_the_view_stops_being_side_on():
    strict = ViewChecker(gate=ViewGate(bad_deg=10.0, good_deg=5.0))
    loose = ViewChecker(gate=ViewGate(bad_deg=40.0, good_deg=35.0))
    pose = turned_pose(25.0)
    for checker in (strict, loose):
        checker.angle_deg = 25.0
        checker._last_time = 0.0
    strict.update(pose, None, 0.1, facing=1)
    loose.update(pose, None, 0.1, facing=1)
    assert not strict.side_on and loose.side_on
    assert strict.yaw_deg == pytest.approx(25.0, abs=1e-6)


def test_references_are_learned_again_when_the_view_changes():
    from posecoach.measure.stream import MetricsTracker

    tracker = MetricsTracker()
    for i in range(30):
        tracker.update(turned_pose(0.0), i / 30)
    assert tracker.view_changes == 0
    for i in range(30, 60):
        tracker.update(turned_pose(40.0), i / 30)
    assert tracker.view_changes == 1
    for i in range(60, 90):  # the new view is now the learned one
        tracker.update(turned_pose(40.0), i / 30)
    assert tracker.view_changes == 1


def _oblique_record(i: int, yaw: float, near: Side = Side.RIGHT, view_ok: bool = False):
    from posecoach.types import FrameRecord

    pose = Pose.from_pixels(np.full((NUM_LANDMARKS, 2), 100.0), (320, 240))
    metrics = FrameMetrics(time_s=i / 10, pose_detected=True, view_ok=view_ok,
                           view_angle_deg=abs(yaw), view_yaw_deg=yaw, near_side=near,
                           posture="kneeling")
    return FrameRecord(i, i / 10, pose, metrics)


def test_the_summary_says_how_to_turn_for_the_frames_too_oblique_to_count():
    from posecoach.results.summary import ClipStats

    stats = ClipStats()
    for i in range(30):  # a side-on third, then two thirds turned about 40 deg back-on
        stats.add(_oblique_record(i, 5.0, view_ok=True) if i < 10
                  else _oblique_record(i, -38.0 - (i % 3)))
    view = stats.view_summary()
    assert view["oblique_fraction"] == pytest.approx(20 / 30, abs=1e-3)
    assert view["turn_advice"] == (
        "Turn your chest about 40 deg towards the camera, so your right side faces it")


def test_no_turn_advice_when_every_frame_counted():
    from posecoach.results.summary import ClipStats

    stats = ClipStats()
    for i in range(10):
        stats.add(_oblique_record(i, 8.0, view_ok=True))
    assert stats.view_summary()["turn_advice"] is None
    assert stats.view_summary()["oblique_fraction"] == 0.0


def test_the_report_says_how_to_turn_only_when_enough_of_the_clip_was_oblique():
    from types import SimpleNamespace

    from posecoach.report.sections import _turn_note

    advice = "Turn your chest about 40 deg towards the camera, so your right side faces it"
    note = _turn_note(SimpleNamespace(oblique_fraction=0.4, turn_advice=advice))
    assert "For 40% of the frames" in note and advice in note
    assert _turn_note(SimpleNamespace(oblique_fraction=0.02, turn_advice=advice)) == ""
    assert _turn_note(SimpleNamespace(oblique_fraction=0.4, turn_advice=None)) == ""
    assert _turn_note(SimpleNamespace(oblique_fraction=float("nan"), turn_advice=advice)) == ""
