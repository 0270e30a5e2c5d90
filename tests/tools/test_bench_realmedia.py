"""bench_realmedia: the marked joints' angles by known geometry, and the tool on real media."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tools.bench.bench_realmedia import POINTS, angles_from_points, legs_of, main


def test_each_marked_knee_takes_the_ankle_of_its_own_shank():
    marked = {"knees": [[100, 100], [300, 100]], "ankles": [[310, 200], [90, 200]],
              "working_knee": 1}
    (knee, ankle), (other_knee, other_ankle) = legs_of(marked)
    assert knee.tolist() == [300, 100] and ankle.tolist() == [310, 200]
    assert other_knee.tolist() == [100, 100] and other_ankle.tolist() == [90, 200]


def test_angles_of_a_kneeling_figure_facing_right():
    hip, shoulder = np.array([0.0, 0.0]), np.array([0.0, -100.0])  # trunk upright
    back = (np.array([-50.0, 86.6]), np.array([-150.0, 86.6]))  # thigh 30 deg behind, shin flat
    front = (np.array([100.0, 0.0]), np.array([100.0, 100.0]))  # thigh forward, shin vertical
    angles = angles_from_points(hip, shoulder, back, front, facing=1)
    assert angles["hip_extension_deg"] == pytest.approx(30.0, abs=0.01)
    assert angles["knee_flexion_deg"] == pytest.approx(60.0, abs=0.01)
    assert angles["other_knee_flexion_deg"] == pytest.approx(90.0, abs=0.01)
    assert angles["trunk_inclination_deg"] == pytest.approx(0.0, abs=0.01)
    flip = np.array([-1.0, 1.0])  # the same figure facing left
    mirrored = angles_from_points(hip * flip, shoulder * flip, tuple(p * flip for p in back),
                                  tuple(p * flip for p in front), facing=-1)
    assert mirrored == pytest.approx(angles, abs=0.01)


def test_every_marked_item_names_its_facing_and_working_knee():
    for name, marked in json.loads(POINTS.read_text()).items():
        if name.startswith("_"):
            continue
        assert marked["facing"] in (1, -1), name
        assert marked["working_knee"] in (0, 1), name
        assert isinstance(marked["upright"], bool), name


@pytest.mark.model
def test_the_tool_scores_every_marked_item(realmedia, capsys):
    assert main(["--media", str(realmedia)]) == 0
    out = capsys.readouterr().out
    for name in ("Kneeling_Hip_Flexor_0.jpg", "One_Knee_To_Chest_0.jpg",
                 "nowva_reverse_lunge_side_CC0.mp4"):
        assert name in out
    rows = [line.split() for line in out.splitlines() if line.startswith("Kneeling_Hip_Flexor_0")]
    knee = next(r for r in rows if r[1] == "knee_flexion_deg")
    marked, ours = float(knee[2]), float(knee[3])
    assert abs(ours - marked) < 15.0  # the marks are good to ~15 px on a ~150 px thigh


def test_a_missing_media_folder_is_one_line_and_exit_1(tmp_path, capsys):
    assert main(["--media", str(tmp_path / "absent")]) == 1
    assert capsys.readouterr().err.count("\n") == 1
