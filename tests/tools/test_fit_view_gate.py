"""The view gate is read off the measured error-against-yaw curve (fit_view_gate.py)."""

from __future__ import annotations

import json

import pytest

from tools.calibrate import fit_view_gate


def _band(hip: float, recall: float | None, reads: float) -> dict:
    return {"clips": 4, "metrics": {"hip_extension_deg": {"ours": hip, "raw": hip + 1}},
            "arch": {"recall": recall}, "view_median_deg": reads}


def sweep(*bands: tuple[float, float | None, float]) -> dict:
    return {f"{5 * i:g}": _band(*b) for i, b in enumerate(bands)}


def test_the_gate_opens_up_to_the_last_band_within_the_absolute_limits():
    curve = sweep((2.0, 0.97, 8.0), (2.2, 0.96, 11.0), (2.9, 0.93, 15.0), (3.4, 0.95, 19.0))
    gate = fit_view_gate.fit_gate(curve)
    assert gate["passing_true_yaw_deg"] == 10.0
    assert gate["bad_deg"] == pytest.approx(17.0)  # halfway between what the estimate reads
    assert gate["good_deg"] == pytest.approx(12.0)


def test_recall_closes_the_gate_as_well_as_the_angle():
    curve = sweep((2.0, 0.97, 8.0), (2.1, 0.80, 12.0), (2.2, 0.97, 16.0))
    assert fit_view_gate.fit_gate(curve)["passing_true_yaw_deg"] == 0.0


def test_where_side_on_misses_the_aim_the_gate_bounds_what_turning_adds():
    curve = sweep((5.0, 0.40, 9.0), (5.6, 0.38, 12.0), (6.4, 0.35, 16.0), (7.1, 0.20, 21.0))
    gate = fit_view_gate.fit_gate(curve, hip_rise=1.5, recall_drop=0.1, reference_deg=0.0)
    assert gate["criteria"]["hip_extension_mae_max_deg"] == pytest.approx(6.5)
    assert gate["criteria"]["arch_recall_min"] == pytest.approx(0.30)
    assert gate["passing_true_yaw_deg"] == 10.0
    assert [b["passes"] for b in gate["bands"].values()] == [True, True, True, False]


def test_monotone_pools_what_breaks_the_order():
    assert fit_view_gate.monotone([1.0, 6.0, 2.0, 3.0], [1, 1, 1, 1]) == pytest.approx(
        [1.0, 3.6667, 3.6667, 3.6667], abs=1e-3)
    assert fit_view_gate.monotone([1.0, 6.0, 2.0], [1, 1, 3]) == pytest.approx([1.0, 3.0, 3.0])
    assert fit_view_gate.monotone([0.9, 0.5, 0.8], [1, 1, 1], increasing=False) == (
        pytest.approx([0.9, 0.65, 0.65]))


def test_one_bad_band_does_not_close_the_gate_while_wider_ones_read_better():
    curve = sweep((1.5, None, 8.0), (4.5, None, 10.0), (1.9, None, 13.0), (2.2, None, 16.0),
                  (9.0, None, 24.0))
    gate = fit_view_gate.fit_gate(curve)
    assert [b["passes"] for b in gate["bands"].values()] == [True, True, True, True, False]
    assert gate["bad_deg"] == pytest.approx(20.0)


def test_a_sweep_without_a_side_on_band_is_refused(tmp_path, capsys):
    with pytest.raises(ValueError, match="side-on"):
        fit_view_gate.fit_gate({"10": _band(2.0, 0.9, 12.0)})
    path = tmp_path / "accuracy.json"
    path.write_text(json.dumps({"yaw_sweep_val": None}))
    assert fit_view_gate.main(["--accuracy", str(path)]) == 1
    assert capsys.readouterr().err.count("\n") == 1


def test_the_written_gate_is_what_the_runtime_loads(tmp_path, monkeypatch):
    from posecoach.measure.view import load_view_gate

    accuracy = tmp_path / "accuracy.json"
    curve = sweep((2.0, 0.97, 8.0), (3.5, 0.9, 14.0))
    accuracy.write_text(json.dumps({"yaw_sweep_val": {"kneeling": curve}}))
    monkeypatch.setattr(fit_view_gate, "GATE", tmp_path / "view_gate.json")
    assert fit_view_gate.main(["--accuracy", str(accuracy), "--write"]) == 0
    gate = load_view_gate(tmp_path / "view_gate.json")
    assert (gate.bad_deg, gate.good_deg) == (11.0, 6.0)


def test_the_gate_is_chosen_on_the_validation_sweep_and_checked_on_the_test_one(tmp_path):
    val = sweep((2.0, 0.97, 8.0), (2.5, 0.95, 14.0), (4.0, 0.8, 20.0))
    test = sweep((2.0, 0.97, 8.0), (3.4, 0.95, 14.0), (4.0, 0.8, 20.0))
    accuracy = tmp_path / "accuracy.json"
    accuracy.write_text(json.dumps({"yaw_sweep_val": {"kneeling": val},
                                    "yaw_sweep": {"kneeling": test}}))
    gate = fit_view_gate.fit_gate(val)
    assert gate["passing_true_yaw_deg"] == 5.0  # the test sweep's third band is not asked
    check = fit_view_gate.check_gate(gate, test)
    assert [b["passes"] for b in check["bands"].values()] == [True, False]
    assert check["holds"] is False
    assert fit_view_gate.main(["--accuracy", str(accuracy)]) == 0
