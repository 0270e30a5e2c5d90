"""The OpenSim .mot export parses back to the frames.csv angles."""

from __future__ import annotations

import csv
import math

import pytest
from fixtures.report import make_output

from posecoach.outputs.mot import ExportError, read_mot, write_mot
from posecoach.registry import METRIC_NAMES


def test_mot_round_trip(tmp_path):
    out = make_output(tmp_path / "out", video=False)
    mot = write_mot(out / "frames.csv", tmp_path / "angles.mot")
    header, columns, rows = read_mot(mot)
    assert header["version"] == "1" and header["inDegrees"] == "yes"
    assert columns == ["time", *METRIC_NAMES]
    assert int(header["nRows"]) == len(rows) == 240
    assert int(header["nColumns"]) == len(columns) == len(rows[0])
    text = mot.read_text().splitlines()
    assert text[:6][0] == "angles" and text[5] == "endheader"
    with (out / "frames.csv").open() as f:
        source = list(csv.DictReader(f))
    for row, src in zip(rows, source, strict=True):
        assert row[0] == pytest.approx(float(src["time_s"]))
        for value, name in zip(row[1:], METRIC_NAMES, strict=True):
            assert value == pytest.approx(float(src[name]), abs=1e-6)
    times = [r[0] for r in rows]
    assert times == sorted(times)


def test_missing_values_are_nan(tmp_path):
    frames = tmp_path / "frames.csv"
    frames.write_text("frame,time_s," + ",".join(METRIC_NAMES) + "\n"
                      "0,0.0," + ",".join([""] * len(METRIC_NAMES)) + "\n"
                      "1,0.1," + ",".join(["1.5"] * len(METRIC_NAMES)) + "\n")
    _, _, rows = read_mot(write_mot(frames, tmp_path / "a.mot"))
    assert all(math.isnan(v) for v in rows[0][1:]) and rows[1][1] == 1.5
    assert "NaN" in (tmp_path / "a.mot").read_text()


def test_not_a_frames_csv(tmp_path):
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(ExportError, match="time_s"):
        write_mot(bad, tmp_path / "x.mot")
