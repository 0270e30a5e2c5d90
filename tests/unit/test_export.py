"""The OpenSim .mot export: OpenSim's coordinate names and signs, one column per leg,
named after the clip, the frames' own times; loaded by OpenSim itself when it installs."""

from __future__ import annotations

import csv
import math

import pytest
from fixtures.report import make_output

from posecoach.outputs.mot import COLUMNS, ExportError, read_mot, write_mot
from posecoach.registry import METRIC_NAMES

OPENSIM_COLUMNS = [
    "time", "pelvis_tilt", "lumbar_extension",
    "hip_flexion_r", "hip_flexion_l", "knee_angle_r", "knee_angle_l",
]


def _frames_csv(path, rows):
    """A frames.csv with every metric column; `rows` give time, side and some metrics."""
    header = ["frame", "time_s", "side", *METRIC_NAMES]
    lines = [",".join(header)]
    for i, (time_s, side, values) in enumerate(rows):
        cells = [str(i), time_s, side] + [str(values.get(m, "")) for m in METRIC_NAMES]
        lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_header_is_opensims_format(tmp_path):
    out = make_output(tmp_path / "out", video=False)
    mot = write_mot(out / "frames.csv", tmp_path / "angles.mot", name="kneeling_good_R")
    lines = mot.read_text().splitlines()
    assert lines[:6] == [
        "kneeling_good_R", "version=1", "nRows=240", f"nColumns={len(OPENSIM_COLUMNS)}",
        "inDegrees=yes", "endheader",
    ]
    assert lines[6].split("\t") == OPENSIM_COLUMNS == list(COLUMNS)
    header, columns, rows = read_mot(mot)
    assert int(header["nRows"]) == len(rows) and all(len(r) == len(columns) for r in rows)
    times = [r[0] for r in rows]
    assert times == sorted(times)


def test_each_leg_has_its_own_column_with_opensim_signs(tmp_path):
    frames = _frames_csv(tmp_path / "frames.csv", [
        ("0.0", "R", {"hip_extension_pelvis_deg": 15, "knee_flexion_deg": 90,
                      "other_knee_flexion_deg": 80, "pelvic_tilt_deg": 6,
                      "lumbar_extension_deg": 4}),
        ("0.5", "L", {"hip_extension_pelvis_deg": 12, "knee_flexion_deg": 85,
                      "other_knee_flexion_deg": 95}),
        ("1.0", "", {"hip_extension_pelvis_deg": 3, "knee_flexion_deg": 10}),
    ])
    _, columns, rows = read_mot(write_mot(frames, tmp_path / "a.mot"))
    r, left, undecided = (dict(zip(columns, row, strict=True)) for row in rows)
    # Working right leg: hip extension is negative hip_flexion, flexed knees negative.
    assert r["hip_flexion_r"] == -15 and r["knee_angle_r"] == -90 and r["knee_angle_l"] == -80
    assert math.isnan(r["hip_flexion_l"])
    assert r["pelvis_tilt"] == -6  # anterior tilt is negative in OpenSim
    assert r["lumbar_extension"] == 4
    # The left leg working: the same metrics go to the _l columns, not the right's.
    assert left["hip_flexion_l"] == -12 and left["knee_angle_l"] == -85
    assert left["knee_angle_r"] == -95 and math.isnan(left["hip_flexion_r"])
    # No side decided: no leg column has a value.
    assert all(math.isnan(undecided[c]) for c in OPENSIM_COLUMNS[3:])


def test_times_are_the_frames_own(tmp_path):
    frames = _frames_csv(tmp_path / "frames.csv", [
        ("0.000000", "R", {}), ("0.033367", "R", {}), ("0.066733", "R", {}),
    ])
    text = write_mot(frames, tmp_path / "a.mot").read_text()
    assert "\n0.033367\t" in text and "\n0.066733\t" in text


def test_frames_csv_keeps_microseconds(tmp_path):
    out = make_output(tmp_path / "out", video=False)
    with (out / "frames.csv").open() as f:
        times = [row["time_s"] for row in csv.DictReader(f)]
    assert all(len(t.partition(".")[2]) == 6 for t in times)


def test_missing_values_are_nan(tmp_path):
    frames = _frames_csv(tmp_path / "frames.csv", [("0.0", "R", {}), ("0.1", "R", {})])
    _, _, rows = read_mot(write_mot(frames, tmp_path / "a.mot"))
    assert all(math.isnan(v) for v in rows[0][1:])
    assert "NaN" in (tmp_path / "a.mot").read_text()


def test_not_a_frames_csv(tmp_path):
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(ExportError, match="time_s"):
        write_mot(bad, tmp_path / "x.mot")


def test_opensim_storage_reads_it(tmp_path):
    opensim = pytest.importorskip(
        "opensim", reason="the opensim package is not installed (conda-only); "
        "the header is checked against the format above instead",
    )
    out = make_output(tmp_path / "out", video=False)
    mot = write_mot(out / "frames.csv", tmp_path / "angles.mot", name="clip")
    storage = opensim.Storage(str(mot))
    labels = storage.getColumnLabels()
    assert [labels.get(i) for i in range(labels.getSize())] == OPENSIM_COLUMNS
    assert storage.getSize() == 240
    assert storage.isInDegrees()
