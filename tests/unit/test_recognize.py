"""Recognising the exercise from a list of FrameMetrics."""

from __future__ import annotations

import dataclasses
import math

import pytest

from posecoach.exercises.recognize import SIGNATURES, recognize
from posecoach.exercises.spec import exercise_ids
from posecoach.landmarks import Side
from posecoach.types import FrameMetrics

NAN = math.nan


def frames(posture: str, n: int = 60, **values: float) -> list[FrameMetrics]:
    return [
        FrameMetrics(time_s=i / 30, pose_detected=True, side=Side.LEFT, posture=posture,
                     orientation_ok=True, values=dict(values))
        for i in range(n)
    ]


@pytest.mark.parametrize(
    ("posture", "values", "expected"),
    [
        ("kneeling", {"hip_extension_deg": 15.0, "knee_flexion_deg": 95.0}, "kneeling_hip_flexor"),
        (
            "supine",
            {"knee_flexion_deg": 5.0, "other_knee_flexion_deg": 120.0,
             "thigh_to_horizontal_deg": 2.0},
            "lying_psoas_level1",
        ),
        (
            # Modified Thomas test: thigh about 12 deg below horizontal, knee bent ~52 deg.
            "supine",
            {"knee_flexion_deg": 52.5, "other_knee_flexion_deg": 120.0,
             "thigh_to_horizontal_deg": -11.9},
            "edge_of_bench_psoas",
        ),
        (
            "supine",
            {"knee_flexion_deg": 95.0, "other_knee_flexion_deg": 95.0,
             "thigh_to_horizontal_deg": 45.0},
            "constructive_rest",
        ),
        ("reclined", {}, "foam_roller_lumbar"),
        ("prone", {}, "ball_release"),
    ],
)
def test_each_exercise_is_recognised(posture: str, values: dict, expected: str) -> None:
    result = recognize(frames(posture, **values))
    assert result.exercise_id == expected
    assert result.share == pytest.approx(1.0)


def test_kneeling_lists_the_contract_relax_variant() -> None:
    result = recognize(frames("kneeling"))
    assert result.alternatives == ("kneeling_hip_flexor_pnf",)


def test_majority_wins_over_setup_frames() -> None:
    # 2 s of standing while setting up, then 8 s of ball release.
    clip = frames("standing", 60) + frames("prone", 240)
    result = recognize(clip)
    assert result.exercise_id == "ball_release" and result.share == pytest.approx(0.8)


def test_nothing_matching_gives_none() -> None:
    assert recognize(frames("standing")).exercise_id is None
    assert recognize([]).exercise_id is None
    no_pose = [FrameMetrics(time_s=0.0, pose_detected=False, posture="prone")]
    assert recognize(no_pose).exercise_id is None


def test_unmeasurable_angles_do_not_match_supine_signatures() -> None:
    result = recognize(frames("supine", knee_flexion_deg=NAN))
    assert result.exercise_id is None
    assert result.shares["edge_of_bench_psoas"] == 0.0


def test_every_signature_names_a_content_file() -> None:
    ids = set(exercise_ids())
    assert {s.exercise_id for s in SIGNATURES} <= ids


@pytest.mark.parametrize("orientation_ok", [False, None])
def test_frames_not_checked_upright_vote_for_nothing(orientation_ok) -> None:
    # An upside-down kneeling stretch reads as face down: unchecked or rejected frames
    # must not make that a confident answer.
    turned = [dataclasses.replace(m, orientation_ok=orientation_ok) for m in frames("prone")]
    result = recognize(turned)
    assert result.exercise_id is None and result.share == 0.0
    mixed = recognize(frames("prone", 30) + turned[:30])
    assert mixed.exercise_id == "ball_release" and mixed.share == pytest.approx(0.5)
