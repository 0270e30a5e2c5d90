"""The view gate is read off the measured error against what the view estimate reads
(fit_view_gate.py), chosen on the validation bodies and checked on the test ones."""

from __future__ import annotations

import json

import pytest

from tools.calibrate import fit_view_gate


def _bin(hip: float, recall: float | None, frames: int = 300) -> dict:
    return {"clips": 4, "frames": frames,
            "metrics": {"hip_extension_deg": {"ours": hip, "raw": hip + 1}},
            "arch": {"recall": recall, "arch_frames": 0 if recall is None else frames // 3}}


def curve(*bins: tuple) -> dict:
    """Bins of what the estimate reads, 0-5, 5-10, ... keyed by their upper edge."""
    return {f"{5 * (i + 1):g}": _bin(*b) for i, b in enumerate(bins)}


def test_the_gate_closes_at_the_upper_edge_of_the_last_bin_within_the_absolute_limits():
    gate = fit_view_gate.fit_gate(curve((2.0, 0.97), (2.2, 0.96), (2.9, 0.93), (3.4, 0.95)))
    assert gate["bad_deg"] == pytest.approx(15.0)
    assert gate["good_deg"] == pytest.approx(10.0)
    assert [b["passes"] for b in gate["bins"].values()] == [True, True, True, False]


def test_recall_closes_the_gate_as_well_as_the_angle():
    gate = fit_view_gate.fit_gate(curve((2.0, 0.97), (2.1, 0.80), (2.2, 0.97)))
    assert gate["bad_deg"] == pytest.approx(5.0)


def test_where_side_on_misses_the_aim_the_gate_bounds_what_turning_adds():
    bins = curve((5.0, 0.40), (5.6, 0.38), (6.4, 0.35), (7.1, 0.20))
    gate = fit_view_gate.fit_gate(bins, hip_rise=1.5, recall_drop=0.1, reference_deg=5.0)
    assert gate["criteria"]["hip_extension_mae_max_deg"] == pytest.approx(6.5)
    assert gate["criteria"]["arch_recall_min"] == pytest.approx(0.30)
    assert gate["criteria"]["relative_to_side_on"] == {"hip": True, "recall": True}
    assert gate["bad_deg"] == pytest.approx(15.0)


def test_monotone_pools_what_breaks_the_order():
    assert fit_view_gate.monotone([1.0, 6.0, 2.0, 3.0], [1, 1, 1, 1]) == pytest.approx(
        [1.0, 3.6667, 3.6667, 3.6667], abs=1e-3)
    assert fit_view_gate.monotone([1.0, 6.0, 2.0], [1, 1, 3]) == pytest.approx([1.0, 3.0, 3.0])
    assert fit_view_gate.monotone([0.9, 0.5, 0.8], [1, 1, 1], increasing=False) == (
        pytest.approx([0.9, 0.65, 0.65]))


def test_a_thin_bad_bin_does_not_close_the_gate_while_wider_ones_read_better():
    # 10 s of video reading 5-10 deg badly, against a minute in each bin around it
    bins = curve((1.5, None, 1800), (4.5, None, 300), (1.9, None, 1800), (2.2, None, 1800),
                 (9.0, None, 1800))
    gate = fit_view_gate.fit_gate(bins)
    assert [b["passes"] for b in gate["bins"].values()] == [True, True, True, True, False]
    assert gate["bad_deg"] == pytest.approx(20.0)


def test_a_curve_without_side_on_frames_is_refused(tmp_path, capsys):
    with pytest.raises(ValueError, match="side-on"):
        fit_view_gate.fit_gate({"30": _bin(2.0, 0.9)})
    path = tmp_path / "accuracy.json"
    path.write_text(json.dumps({"yaw_sweep_val_by_estimate": None}))
    assert fit_view_gate.main(["--accuracy", str(path)]) == 1
    assert capsys.readouterr().err.count("\n") == 1


def test_the_share_coached_comes_from_the_quantiles_of_what_the_estimate_read():
    quantiles = {f"p{q}": float(q) / 5.0 for q in range(5, 100, 5)}  # p50 reads 10 deg
    assert fit_view_gate.coached_share(quantiles, 10.0) == pytest.approx(0.5)
    assert fit_view_gate.coached_share(quantiles, 11.0) == pytest.approx(0.55)
    assert fit_view_gate.coached_share(quantiles, 0.5) == 0.0
    assert fit_view_gate.coached_share(quantiles, 30.0) == 1.0
    assert fit_view_gate.coached_share(None, 10.0) is None


def test_the_written_gate_is_what_the_runtime_loads(tmp_path, monkeypatch):
    from posecoach.measure.view import load_view_gate

    accuracy = tmp_path / "accuracy.json"
    accuracy.write_text(json.dumps({"yaw_sweep_val_by_estimate": {
        "kneeling": curve((2.0, 0.97), (2.4, 0.95), (3.5, 0.9))}}))
    monkeypatch.setattr(fit_view_gate, "GATE", tmp_path / "view_gate.json")
    assert fit_view_gate.main(["--accuracy", str(accuracy), "--write"]) == 0
    gate = load_view_gate(tmp_path / "view_gate.json")
    assert (gate.bad_deg, gate.good_deg) == (10.0, 5.0)


def test_the_gate_is_chosen_on_the_validation_sweep_and_checked_on_the_test_one(tmp_path):
    val = curve((2.0, 0.97), (2.5, 0.95), (4.0, 0.8))
    test = curve((2.0, 0.97), (3.4, 0.95), (4.0, 0.8))
    accuracy = tmp_path / "accuracy.json"
    accuracy.write_text(json.dumps({"yaw_sweep_val_by_estimate": {"kneeling": val},
                                    "yaw_sweep_by_estimate": {"kneeling": test}}))
    gate = fit_view_gate.fit_gate(val)
    assert gate["bad_deg"] == 10.0  # the test curve's third bin is not asked
    check = fit_view_gate.check_gate(gate, test)
    assert [b["passes"] for b in check["bins"].values()] == [True, False]
    assert check["holds"] is False
    assert fit_view_gate.main(["--accuracy", str(accuracy)]) == 0
