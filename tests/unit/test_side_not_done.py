"""A side that was not done is said so everywhere, never read as a measured 0 s.

summary.json marks it ("done": false, null numbers); files and history rows written before
that (an empty hold list, 0 s and 0 holds stored) read the same way; history, compare and
the report's progress all print "not done" for it and "-" only for a number that could not
be measured on a side that was done.
"""

from __future__ import annotations

import json
import math

import pytest
from fixtures.report import make_output

from posecoach.exercises import load_exercise
from posecoach.exercises.log import summarize
from posecoach.landmarks import Side
from posecoach.report import sections
from posecoach.results import history, history_views
from posecoach.results.reading import NOT_DONE, NOT_MEASURED
from posecoach.schema import Hold, SessionResult, SideResult

HOLD = Hold(rep=0, start_s=3.0, end_s=20.0, good_s=13.7, target_s=30.0, complete=False,
            side=Side.RIGHT)


def test_summary_json_marks_the_side_not_done_with_null_numbers():
    spec = load_exercise("kneeling_hip_flexor")
    result = summarize(spec, [HOLD], [], 0.0, 25.0, done=False)
    sides = result.to_json()["sides"]
    assert sides["L"]["done"] is False
    assert sides["L"]["good_s"] is None and sides["L"]["holds_complete"] is None
    assert sides["R"]["done"] is True and sides["R"]["good_s"] == 13.7
    back = SessionResult.from_json(json.loads(json.dumps(result.to_json())))
    assert not back.sides["L"].done and math.isnan(back.sides["L"].good_s)
    assert back.sides["R"].done and back.sides["R"].good_s == pytest.approx(13.7)


def test_an_older_summary_without_done_reads_not_done():
    old = SideResult.from_json("L", {"holds": [], "holds_complete": 0, "good_s": 0})
    assert not old.done and math.isnan(old.good_s)


# --------------------------------------------------------------------------- history


@pytest.fixture()
def sessions(tmp_path):
    """Three sessions of one client: both sides done; the right side not done (as written
    now: no numbers); the right side not done as rows written before that stored it."""
    out = make_output(tmp_path / "out", client="Ana", video=False)
    summary = json.loads((out / "summary.json").read_text())
    path = tmp_path / "h.sqlite"
    both = history.record_session(path, summary, out, recorded="2026-11-01")
    one = json.loads(json.dumps(summary))
    one["sides"]["R"] = {"done": False, "holds": [], "faults": [], "fault_time_s": {}}
    new_style = history.record_session(path, one, out, recorded="2026-11-02")
    old_style = history.record_session(path, one, out, recorded="2026-11-03")
    with history.connect(path) as conn:  # what the history held for an undone side before
        conn.execute("UPDATE results SET value = 0 WHERE session_id = ? AND side = 'R' AND "
                     "metric IN ('good_form_hold_s', 'holds_complete', 'time_in_fault_s')",
                     (old_style,))
    return path, both, new_style, old_style


@pytest.mark.parametrize("which", ["new_style", "old_style"])
def test_compare_says_not_done_instead_of_worse(sessions, which):
    path, both, new_style, old_style = sessions
    b = new_style if which == "new_style" else old_style
    sa, sb, changes = history.compare(path, both, b)
    right = [c for c in changes if c.side == "R"]
    assert right and all(c.verdict == "not done" for c in right)
    assert not any(c.verdict in ("better", "worse") for c in right)
    text = history.compare_text(sa, sb, changes)
    hold_row = next(line for line in text.splitlines()
                    if line.startswith("R ") and "Good-form hold" in line)
    assert NOT_DONE in hold_row and "0.0 s" not in hold_row
    doc = json.loads(history_views.to_json(history_views.compare_document(sa, sb, changes)))
    hold = next(c for c in doc["changes"] if c["side"] == "R"
                and c["metric"] == "good_form_hold_s")
    assert hold["b"] is None and hold["b_done"] is False and hold["verdict"] == "not done"


def test_history_table_json_and_csv_say_not_done(sessions):
    path, both, new_style, old_style = sessions
    rows = history.list_sessions(path)
    records = history_views.session_records(path, rows)
    for record in records[1:]:
        assert record["sides"]["R"]["done"] is False
        assert record["sides"]["R"]["good_form_hold_s"] is None or math.isnan(
            record["sides"]["R"]["good_form_hold_s"])
    assert records[0]["sides"]["R"]["done"] is True
    table = history_views.history_table(records).splitlines()
    assert f"R {NOT_DONE}" in table[3] and f"R {NOT_DONE}" in table[4]
    assert f"R {NOT_DONE}" not in table[2]
    csv_lines = history_views.history_csv(records).splitlines()
    header = csv_lines[0].split(",")
    done_col = header.index("done")
    right = [line.split(",") for line in csv_lines[1:] if line.split(",")[6] == "R"]
    assert [r[done_col] for r in right] == ["1", "0", "0"]


def test_report_progress_says_not_done_for_an_earlier_session(sessions):
    path, both, new_style, old_style = sessions
    earlier = history.earlier_sessions(path, "Ana", "kneeling_hip_flexor", path.parent / "x")
    current = {("L", "good_form_hold_s"): 15.0, ("R", "good_form_hold_s"): 14.0}
    html = sections.progress((earlier, current))
    right = next(row for row in html.split("<tr>")
                 if "Good-form hold" in row and "side-R" in row)
    cells = right.split("<td")
    assert sum(NOT_DONE in c for c in cells) == 2  # the two sessions without the right side
    assert "0.0" not in right


def test_a_missing_number_on_a_side_that_was_done_is_a_dash():
    assert history.format_value(math.nan, "°") == NOT_MEASURED
    assert sections._num(math.nan) == NOT_MEASURED


def test_different_exercises_are_said_so_and_get_no_verdict(sessions, monkeypatch):
    path, both, new_style, _ = sessions
    with history.connect(path) as conn:
        conn.execute("UPDATE sessions SET exercise = 'edge_of_bench_psoas' WHERE id = ?",
                     (new_style,))
    sa, sb, changes = history.compare(path, both, new_style)
    left = [c for c in changes if c.side == "L"]
    assert left and all(c.verdict == "different exercise" for c in left)
    assert "different exercises" in history.compare_text(sa, sb, changes)
    assert history_views.compare_document(sa, sb, changes)["same_exercise"] is False


def test_live_end_of_session_lines_say_not_done():
    from posecoach.run.live import summary_lines

    spec = load_exercise("kneeling_hip_flexor")
    lines = summary_lines(summarize(spec, [HOLD], [], 0.0, 25.0, done=False).to_json())
    assert "  left leg: not done" in lines
    assert any(line.startswith("  right leg: 0 of 3 holds complete, 14 s") for line in lines)
