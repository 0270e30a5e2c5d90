"""Leg identity across frames: swaps undone, a leg that lands on the other one not trusted,
plausible movement untouched (posecoach.pose.legs)."""

from __future__ import annotations

import dataclasses

import numpy as np
from fixtures.poses import Figure, make_pose

from posecoach.landmarks import Landmark
from posecoach.pose.legs import SETTLE_FRAMES, LegIdentity, swap_landmarks, torso_length

FPS = 30.0
# Lying on the back, the working (left) leg hanging off the bench, the other knee hugged.
BENCH_FIGURE = Figure(thigh_deg=0.0, knee_flex=90.0, other_thigh_deg=-140.0,
                      other_knee_flex=100.0, roll_deg=-90.0)
LEG = (Landmark.LEFT_KNEE, Landmark.LEFT_ANKLE, Landmark.LEFT_HEEL, Landmark.LEFT_FOOT_INDEX)
OTHER = (Landmark.RIGHT_KNEE, Landmark.RIGHT_ANKLE, Landmark.RIGHT_HEEL,
         Landmark.RIGHT_FOOT_INDEX)
PAIRS = tuple(zip(LEG, OTHER, strict=True))


def run(poses, legs: LegIdentity | None = None):
    legs = legs or LegIdentity()
    return [legs.update(p, i / FPS) for i, p in enumerate(poses)], legs


def collapsed(pose, onto_left: bool = True):
    """Both legs' labels on one leg: the right leg's points put on the left's."""
    xy = pose.xy.copy()
    for left, right in PAIRS:
        if onto_left:
            xy[int(right)] = xy[int(left)] + 3.0
        else:
            xy[int(left)] = xy[int(right)] + 3.0
    return dataclasses.replace(pose, xy=xy)


def test_a_still_body_passes_unchanged():
    pose = make_pose(BENCH_FIGURE)
    out, legs = run([pose] * 20)
    assert all(np.array_equal(o.xy, pose.xy, equal_nan=True) for o in out)
    assert all(np.array_equal(o.visibility, pose.visibility) for o in out)
    assert legs.swapped_frames == legs.hidden_frames == 0


def test_a_stretch_moving_at_its_own_pace_passes_unchanged():
    # The working thigh going from 0 to 30 deg of extension in one second.
    poses = [make_pose(dataclasses.replace(BENCH_FIGURE, thigh_deg=i)) for i in range(31)]
    out, legs = run(poses)
    assert legs.swapped_frames == legs.hidden_frames == 0
    assert all(np.array_equal(o.xy, p.xy, equal_nan=True) for o, p in zip(out, poses, strict=True))


def test_a_swap_of_the_leg_labels_is_undone_for_as_long_as_it_lasts():
    pose = make_pose(BENCH_FIGURE)
    swapped = swap_landmarks(pose, PAIRS)
    out, legs = run([pose] * 10 + [swapped] * 15 + [pose] * 5)
    assert legs.swapped_frames == 15
    for o in out:
        assert np.allclose(o.xy[[int(i) for i in LEG]], pose.xy[[int(i) for i in LEG]],
                           equal_nan=True)
    assert legs.hidden_frames == 0


def test_a_leg_that_lands_on_the_other_one_is_not_seen_until_they_part():
    pose = make_pose(BENCH_FIGURE)
    poses = [pose] * 10 + [collapsed(pose)] * 60 + [pose] * 5  # two seconds collapsed
    out, legs = run(poses)
    held = [o.visibility[[int(i) for i in OTHER[:2]]] for o in out[10:70]]
    assert all((v == 0).all() for v in held)  # however long it lasts
    assert all((o.visibility[[int(i) for i in LEG[:2]]] > 0.5).all() for o in out)
    assert np.array_equal(out[40].xy, poses[40].xy, equal_nan=True)  # positions kept
    assert all((o.visibility == pose.visibility).all() for o in out[70:])


def test_legs_that_come_together_gradually_are_not_held():
    # The right knee and foot walk onto the left ones over a second (kneeling up).
    start = make_pose(BENCH_FIGURE)
    end = collapsed(start)
    poses = [dataclasses.replace(start, xy=start.xy + (end.xy - start.xy) * i / 30)
             for i in range(31)] + [end] * 10
    _, legs = run(poses)
    assert legs.hidden_frames == 0


def test_a_tangled_first_frame_does_not_become_the_reference():
    pose = make_pose(BENCH_FIGURE)
    tangled = swap_landmarks(pose, PAIRS)  # the track's first frame has the legs swapped
    out, legs = run([tangled] + [pose] * 20)
    assert legs.swapped_frames == 0
    assert np.array_equal(out[-1].xy, pose.xy, equal_nan=True)


def test_a_gap_starts_the_legs_afresh():
    pose = make_pose(BENCH_FIGURE)
    swapped = swap_landmarks(pose, PAIRS)
    legs = LegIdentity()
    for i in range(SETTLE_FRAMES + 2):
        legs.update(pose, i / FPS)
    assert legs.update(None, 0.3) is None
    out = legs.update(swapped, 1.0)  # after a gap: taken as it comes
    assert np.array_equal(out.xy, swapped.xy, equal_nan=True) and legs.swapped_frames == 0


def test_a_sparse_sample_is_taken_as_it_comes():
    pose = make_pose(BENCH_FIGURE)
    swapped = swap_landmarks(pose, PAIRS)
    legs = LegIdentity()
    out = [legs.update(p, float(i)) for i, p in enumerate([pose, swapped] * 5)]  # 1 s apart
    assert legs.swapped_frames == legs.hidden_frames == 0
    assert np.array_equal(out[1].xy, swapped.xy, equal_nan=True)


def test_torso_length_is_mid_shoulder_to_mid_hip():
    pose = make_pose(Figure())
    assert torso_length(pose) > 0
    missing = dataclasses.replace(pose, xy=np.full_like(pose.xy, np.nan))
    assert np.isnan(torso_length(missing))
