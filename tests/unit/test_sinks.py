"""landmarks.csv: every cell written exactly as format_number gives it, NaN as empty."""

from __future__ import annotations

import csv

import numpy as np

from posecoach.landmarks import NUM_LANDMARKS, Landmark
from posecoach.outputs.sinks import LandmarksCsvSink, format_number, landmark_columns
from posecoach.types import FrameRecord, Pose


def _pose(rng: np.random.Generator, nan_at: int | None = None) -> Pose:
    xy = rng.uniform(-50.0, 1000.0, (NUM_LANDMARKS, 2))
    if nan_at is not None:
        xy[nan_at] = np.nan
    return Pose(
        xy=xy,
        z=rng.normal(0.0, 0.3, NUM_LANDMARKS),
        visibility=rng.uniform(0.0, 1.0, NUM_LANDMARKS),
        presence=rng.uniform(0.0, 1.0, NUM_LANDMARKS),
        image_size=(960, 540),
        world=rng.normal(0.0, 0.5, (NUM_LANDMARKS, 3)),
    )


def _expected_cells(pose: Pose) -> list[str]:
    cells = []
    for i in range(NUM_LANDMARKS):
        cells += [format_number(pose.xy[i, 0], 2), format_number(pose.xy[i, 1], 2),
                  format_number(pose.z[i], 4), format_number(pose.visibility[i], 3),
                  format_number(pose.presence[i], 3)]
        cells += [format_number(v, 4) for v in pose.world[i]]
    return cells


def test_rows_match_cell_by_cell_formatting_with_and_without_missing_landmarks(tmp_path):
    rng = np.random.default_rng(7)
    poses = [_pose(rng), _pose(rng, nan_at=int(Landmark.LEFT_KNEE)), None]
    path = tmp_path / "landmarks.csv"
    with LandmarksCsvSink(path) as sink:
        for i, pose in enumerate(poses):
            sink.write(FrameRecord(i, i / 30.0, pose, None, None))
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == landmark_columns()
    assert rows[1][3:] == _expected_cells(poses[0])
    assert rows[2][3:] == _expected_cells(poses[1])
    knee = 3 + int(Landmark.LEFT_KNEE) * 8
    assert rows[2][knee:knee + 2] == ["", ""]
    assert rows[3][:3] == ["2", "0.0667", "0"] and set(rows[3][3:]) == {""}
    assert all(len(row) == len(rows[0]) for row in rows)
