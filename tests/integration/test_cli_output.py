"""What the terminal shows: history with its numbers and time of day, --json and --csv on
history and compare, the exercises overview, help on every argument, and one result line
per analysed clip."""

from __future__ import annotations

import argparse
import csv
import io
import json
from pathlib import Path

import pytest
from fixtures.report import make_output

from posecoach.cli.app import _clip_line, build_parser, main
from posecoach.exercises import load_all
from posecoach.results import history
from posecoach.run.offline import ClipResult


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> tuple[Path, int, int]:
    root = tmp_path_factory.mktemp("cli")
    out = make_output(root / "out", client="Ana", video=False)
    summary = json.loads((out / "summary.json").read_text())
    path = root / "h.sqlite"
    a = history.record_session(path, summary, out, recorded="2026-11-01")
    better = json.loads(json.dumps(summary))
    better["sides"]["L"]["holds"][0]["good_s"] += 10.0
    b = history.record_session(path, better, out, recorded="2026-11-20")
    return path, a, b


def _out(capsys, argv: list[str]) -> str:
    assert main(argv) == 0
    return capsys.readouterr().out


def test_history_shows_numbers_and_time_of_day(db, capsys):
    path, a, _ = db
    text = _out(capsys, ["history", "--db", str(path)])
    header = text.splitlines()[0]
    assert "good form" in header and "peak hip ext." in header and "analysed" in header
    row = text.splitlines()[2]
    assert row.startswith(str(a)) and " s" in row and "°" in row
    with history.connect(path, create=False) as conn:
        created = history.get_session(conn, a).created
    from posecoach.results.history_views import local_time

    assert local_time(created)[-5:] in row  # HH:MM, local


def test_history_json_and_csv(db, capsys):
    path, a, b = db
    records = json.loads(_out(capsys, ["history", "--db", str(path), "--json"]))
    assert [r["id"] for r in records] == [a, b]
    assert records[1]["sides"]["L"]["good_form_hold_s"] == pytest.approx(
        records[0]["sides"]["L"]["good_form_hold_s"] + 10.0)
    assert len(records[0]["analysed"]) == 16  # YYYY-MM-DD HH:MM
    rows = list(csv.DictReader(io.StringIO(_out(capsys, ["history", "--db", str(path),
                                                           "--csv"]))))
    assert {(int(r["id"]), r["side"]) for r in rows} >= {(a, "L"), (a, "R"), (b, "L")}
    assert float(rows[0]["good_form_hold_s"]) > 0


def test_history_json_without_sessions_is_an_empty_list(tmp_path, capsys):
    assert json.loads(_out(capsys, ["history", "--db", str(tmp_path / "none"), "--json"])) == []


def test_compare_json_and_csv(db, capsys):
    path, a, b = db
    doc = json.loads(_out(capsys, ["compare", str(a), str(b), "--db", str(path), "--json"]))
    assert doc["a"]["id"] == a and doc["b"]["id"] == b and doc["same_exercise"]
    hold = next(c for c in doc["changes"]
                if c["side"] == "L" and c["metric"] == "good_form_hold_s")
    assert hold["change"] == pytest.approx(10.0) and hold["verdict"] == "better"
    rows = list(csv.DictReader(io.StringIO(
        _out(capsys, ["compare", str(a), str(b), "--db", str(path), "--csv"]))))
    assert rows[0].keys() >= {"side", "metric", "a", "b", "change", "verdict"}
    assert any(r["metric"] == "good_form_hold_s" and r["verdict"] == "better" for r in rows)


def test_json_and_csv_exclude_each_other(db):
    with pytest.raises(SystemExit) as exc:
        main(["history", "--db", str(db[0]), "--json", "--csv"])
    assert exc.value.code == 2


def test_exercises_overview_table(capsys):
    text = _out(capsys, ["exercises"])
    lines = text.splitlines()
    assert lines[0].split() == ["id", "name", "sides", "hold", "reps"]
    specs = load_all()
    assert len(lines) < len(specs) + 6  # a table, not pages of prose
    for spec in specs.values():
        assert any(line.startswith(spec.id + " ") for line in lines)
    assert "30 s" in next(line for line in lines if line.startswith("kneeling_hip_flexor "))
    detail = _out(capsys, ["exercises", "kneeling_hip_flexor"])
    assert "Stop and see a professional" in detail


def _subparsers(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


def test_every_argument_has_help():
    missing = [
        f"{name} {action.dest}"
        for name, sub in _subparsers(build_parser())
        for action in sub._actions
        if not action.help
    ]
    assert missing == []


def test_analyze_prints_a_result_per_clip(tmp_path):
    out = make_output(tmp_path / "out", video=False)
    summary = json.loads((out / "summary.json").read_text())
    result = ClipResult(Path("clip.mp4"), out, info=None, exercise="kneeling_hip_flexor",
                        frames=240, detected=240, summary=summary)
    line = _clip_line(Path("clip.mp4"), result)
    assert line.startswith("clip.mp4: kneeling_hip_flexor, good form L ")
    left = summary["sides"]["L"]
    assert f"L {left['good_s']:.1f} s" in line
    assert f"peak hip extension L {left['peak_hip_extension_deg']:.1f} deg" in line
    assert "\n" not in line


def test_a_side_not_done_reads_not_done(tmp_path):
    out = make_output(tmp_path / "out", video=False)
    summary = json.loads((out / "summary.json").read_text())
    del summary["sides"]["R"]
    result = ClipResult(Path("c.mp4"), out, info=None, exercise="kneeling_hip_flexor",
                        frames=240, detected=240, summary=summary)
    assert "R not done" in _clip_line(Path("c.mp4"), result)
