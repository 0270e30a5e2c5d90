"""Up to the view gate the hold counts; past it, nothing counts and the advice says which
way to turn: `posecoach analyze` on rendered clips filmed off side-on both ways
(tests/data/turned/README.md)."""

from __future__ import annotations

import json

import pytest
from fixtures.cli import run_cli
from fixtures.paths import DATA

TURNED = DATA / "turned"
pytestmark = [pytest.mark.model]


def analyse(name: str, tmp_path) -> dict:
    out = tmp_path / name
    result = run_cli("analyze", str(TURNED / f"{name}.mp4"), "--out", str(out),
                     "--no-history", "--exercise", "kneeling_hip_flexor")
    assert result.returncode == 0, result.stderr
    return json.loads((out / "summary.json").read_text())


def test_a_clip_filmed_near_side_on_counts_its_hold(tmp_path):
    summary = analyse("sweep_0028_kneel_good_yawp10_near", tmp_path)
    assert summary["view"]["view_ok_fraction"] > 0.9
    assert summary["view"]["turn_advice"] is None
    assert summary["sides"]["L"]["good_s"] > 2.0  # of the 3 s hold
    assert summary["orientation"]["doubtful"] is False


@pytest.mark.parametrize(("name", "way"), [
    ("sweep_0040_kneel_good_yawp40_near", "away from"),  # the camera sees the chest
    ("sweep_0008_kneel_good_yawm40_near", "towards"),  # the camera sees the back
])
def test_a_clip_turned_past_the_gate_counts_nothing_and_says_which_way_to_turn(
        tmp_path, name, way):
    summary = analyse(name, tmp_path)
    view = summary["view"]
    assert view["view_ok_fraction"] == 0.0 and view["oblique_fraction"] == 1.0
    assert not summary["sides"]["L"]["done"] and not summary["sides"]["R"]["done"]
    advice = view["turn_advice"]
    assert "Turn your chest about" in advice and f"deg {way} the camera" in advice
    degrees = int(advice.split("about ")[1].split(" deg")[0])
    assert 25 <= degrees <= 55  # filmed 40 deg off
    assert summary["orientation"]["doubtful"] is False
