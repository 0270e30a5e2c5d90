"""The stored accuracy figures are what the code measures now.

docs/accuracy.json is written by `python tools/bench/bench_accuracy.py --corpus DIR
--samples --yaw-sweep --write`. The corpus is not in the repository, but its "sample"
group (the bundled clips, scored with the same code) is: this test runs the real pose
model over sample_videos/ and fails when a change moves one of those figures without the
file being regenerated (the way tracking libraries keep a golden metrics table).
"""

from __future__ import annotations

import json

import pytest
from fixtures.paths import REPO

STORED = REPO / "docs" / "accuracy.json"
TOLERANCE_DEG = 0.05
TOLERANCE_RATE = 0.005


@pytest.mark.model
@pytest.mark.slow
def test_sample_figures_match_the_stored_accuracy_file():
    from tools.bench import bench_accuracy as bench
    from tools.synth.gtclips import load_clips

    if not STORED.exists():
        pytest.fail("docs/accuracy.json is missing: run tools/bench/bench_accuracy.py --write")
    stored = json.loads(STORED.read_text())["groups"]["sample"]
    measured = bench.report(load_clips(jobs=2), False, bench.DEFAULT_CALIBRATION)["sample"]
    assert set(measured) == set(stored)
    for klass, group in stored.items():
        now = measured[klass]
        for metric, figures in group["metrics"].items():
            for key in ("ours", "raw"):
                if figures[key] is None:
                    assert now["metrics"][metric][key] is None
                    continue
                assert now["metrics"][metric][key] == pytest.approx(
                    figures[key], abs=TOLERANCE_DEG), (klass, metric, key)
        for key in ("recall", "false_flag_rate"):
            if group["arch"][key] is not None:
                assert now["arch"][key] == pytest.approx(
                    group["arch"][key], abs=TOLERANCE_RATE), (klass, key)
