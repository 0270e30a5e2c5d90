"""The report's target bands come from the same rules the cues use, and say which.

The low-back band in particular: the arching cue in content/*.toml watches lumbar extension
and pelvic tilt together, with a fault and a clear threshold each. The plot's band must sit
where the session's own rule engine switches that cue on, the report must name the rule,
both thresholds and the other condition, and a report drawn later must show the thresholds
the session used (stored in summary.json), not whatever the exercise file says by then.
"""

from __future__ import annotations

import json
import math

import pytest
from fixtures.report import make_output

from posecoach.exercises import load_all, load_exercise
from posecoach.exercises.log import summarize
from posecoach.exercises.rules import step_rule
from posecoach.exercises.spec import rules_from_json
from posecoach.registry import BY_NAME
from posecoach.report import sections
from posecoach.results.reading import load_clip
from posecoach.types import FrameMetrics

LUMBAR = "lumbar_extension_deg"
SPECS = load_all()


def _metrics(metric: str, value: float) -> FrameMetrics:
    return FrameMetrics(time_s=0.0, pose_detected=True, values={metric: value},
                        confidence={metric: 1.0})


def _switched_on(rules, metric: str, value: float) -> bool:
    """Does any rule using `metric` switch on from rest at this value (the rest unknown)?"""
    m = _metrics(metric, value)
    return any(any(step_rule(r, None, m)) for r in rules if any(c.metric == metric
                                                                 for c in r.when))


@pytest.mark.parametrize("exercise", sorted(SPECS))
def test_band_edges_are_where_the_session_switches_a_cue_on(exercise):
    rules = SPECS[exercise].all_rules
    metrics = sorted({c.metric for r in rules for c in r.when if c.metric in BY_NAME})
    for metric in metrics:
        lo, hi = sections.target_band(rules, metric)
        for edge, inside, outside in ((hi, hi - 0.01, hi + 0.01), (lo, lo + 0.01, lo - 0.01)):
            if not math.isfinite(edge):
                continue
            assert not _switched_on(rules, metric, inside), (exercise, metric, inside)
            assert _switched_on(rules, metric, outside), (exercise, metric, outside)


def test_lumbar_band_names_the_arching_rule_its_thresholds_and_its_other_condition():
    spec = load_exercise("kneeling_hip_flexor")
    rule = next(r for r in spec.rules if any(c.metric == LUMBAR for c in r.when))
    lumbar = next(c for c in rule.when if c.metric == LUMBAR)
    other = next(c for c in rule.when if c.metric != LUMBAR)
    assert sections.target_band(spec.all_rules, LUMBAR) == (-math.inf, lumbar.on)
    text = " ".join(sections.band_rules(spec.all_rules, LUMBAR))
    assert rule.cue.replace("_", " ") in text
    assert f"on above {lumbar.on:g}°" in text and f"below {lumbar.off:g}°" in text
    assert f"{BY_NAME[other.metric].short.replace('_', ' ')} is above {other.on:g}°" in text


def test_summary_stores_the_rules_the_session_applied():
    spec = load_exercise("kneeling_hip_flexor")
    stored = summarize(spec, [], [], 0.0, 1.0, done=False).to_json()["rules"]
    assert rules_from_json(json.loads(json.dumps(stored))) == spec.all_rules


def test_malformed_stored_rules_are_left_out():
    good = load_exercise("kneeling_hip_flexor").rules[0].to_json()
    bad = [None, 3, {"cue": "x", "severity": "fault", "priority": 1, "when": 7},
           {**good, "when": [{"metric": LUMBAR, "op": "=", "fault": 1, "clear": 0}]},
           {**good, "priority": float("inf")}]
    assert rules_from_json(bad + [good]) == (load_exercise("kneeling_hip_flexor").rules[0],)
    assert rules_from_json({"not": "a list"}) == ()


def _plot_titles(html: str) -> str:
    return html.split("<h2>Angles over time</h2>", 1)[1]


def test_report_draws_the_thresholds_the_session_used(tmp_path):
    out = make_output(tmp_path / "out", video=False)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["rules"], "the analysis stores its rules"
    for rule in summary["rules"]:  # as if the exercise file was edited after the analysis
        for c in rule["when"]:
            if c["metric"] == LUMBAR:
                c["fault"], c["clear"] = 8.5, 6.5
    (out / "summary.json").write_text(json.dumps(summary))
    spec = load_exercise("kneeling_hip_flexor")
    html = _plot_titles(sections.plots(load_clip(out), spec))
    assert "target band: below 8.5°" in html and "off again below 6.5°" in html
    assert "stored with the results" in html


def test_an_older_summary_says_the_bands_come_from_the_file_as_it_is_now(tmp_path):
    out = make_output(tmp_path / "out", video=False)
    summary = json.loads((out / "summary.json").read_text())
    del summary["rules"]
    (out / "summary.json").write_text(json.dumps(summary))
    spec = load_exercise("kneeling_hip_flexor")
    lumbar = next(c for r in spec.rules for c in r.when if c.metric == LUMBAR)
    html = _plot_titles(sections.plots(load_clip(out), spec))
    assert f"target band: below {lumbar.on:g}°" in html
    assert "kneeling_hip_flexor.toml as it is now" in html
