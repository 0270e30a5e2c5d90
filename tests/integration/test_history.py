"""The session history on a real SQLite file: record, list, compare, concurrency, damage."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
from pathlib import Path

import pytest
from fixtures.report import make_output

from posecoach.cli.app import main
from posecoach.results import history


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> tuple[dict, Path]:
    out = make_output(tmp_path_factory.mktemp("hist") / "out", client="Ana", video=False)
    return json.loads((out / "summary.json").read_text()), out


def _better(summary: dict) -> dict:
    """The same session with longer good-form holds and less time in fault on the left."""
    s = json.loads(json.dumps(summary))
    s["sides"]["L"]["holds"][0]["good_s"] += 10.0
    s["sides"]["L"]["fault_time_s"]["back_arching"] = 0.5
    return s


def test_record_list_compare(tmp_path, clip, capsys):
    summary, out = clip
    db = tmp_path / "h.sqlite"
    a = history.record_session(db, summary, out, recorded="2026-11-01")
    b = history.record_session(db, _better(summary), out, recorded="2026-11-20")
    history.record_session(db, summary, out, client="Ben")
    sessions = history.list_sessions(db, client="ana")
    assert [s.id for s in sessions] == [a, b]
    assert sessions[0].exercise == "kneeling_hip_flexor" and sessions[0].client == "Ana"

    _, _, changes = history.compare(db, a, b)
    by_key = {(c.side, c.metric): c for c in changes}
    hold = by_key[("L", "good_form_hold_s")]
    assert hold.delta == pytest.approx(10.0) and hold.verdict == "better"
    fault = by_key[("L", "fault_s:back_arching")]
    assert fault.delta == pytest.approx(-2.0) and fault.verdict == "better"
    assert by_key[("R", "good_form_hold_s")].verdict == "same"
    assert by_key[("L", "peak_hip_extension_deg")].a == pytest.approx(24.0, abs=0.5)

    assert main(["history", "--db", str(db), "--client", "Ana"]) == 0
    listing = capsys.readouterr().out
    assert "2026-11-01" in listing and "Ben" not in listing
    assert main(["compare", str(a), str(b), "--db", str(db)]) == 0
    text = capsys.readouterr().out
    assert "Good-form hold time" in text and "better" in text and "+10.0 s" in text


def test_schema_version_and_wal(tmp_path, clip):
    db = tmp_path / "h.sqlite"
    history.record_session(db, *clip)
    con = sqlite3.connect(db)
    assert con.execute("SELECT version FROM schema_version").fetchall() == [(3,)]
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("SELECT executor, node_id FROM sessions").fetchall() == [
        ("in-process", None)
    ]
    con.close()


def test_version_1_database_gains_executor_and_node(tmp_path, clip):
    db = tmp_path / "v1.sqlite"
    con = sqlite3.connect(db)
    con.executescript(
        "CREATE TABLE schema_version (version INTEGER NOT NULL);"
        "INSERT INTO schema_version VALUES (1);"
        "CREATE TABLE sessions (id INTEGER PRIMARY KEY AUTOINCREMENT, client TEXT,"
        " recorded TEXT NOT NULL, clip_path TEXT, exercise TEXT NOT NULL, exercise_name TEXT,"
        " out_dir TEXT NOT NULL, created TEXT NOT NULL, posecoach_version TEXT, model TEXT);"
    )
    con.close()
    history.record_session(db, *clip, executor="ray", node="n1")
    con = sqlite3.connect(db)
    assert con.execute("SELECT version FROM schema_version").fetchall() == [(3,)]
    assert con.execute("SELECT executor, node, node_id FROM sessions").fetchall() == [
        ("ray", "n1", None)
    ]
    con.close()


def test_version_2_database_gains_node_id(tmp_path, clip):
    db = tmp_path / "v2.sqlite"
    history.record_session(db, *clip, executor="ray", node="n1")
    con = sqlite3.connect(db)  # back to what posecoach wrote before node ids
    con.executescript(
        "ALTER TABLE sessions DROP COLUMN node_id; UPDATE schema_version SET version = 2;"
    )
    con.close()
    assert len(history.list_sessions(db)) == 1  # read as it is, read-only
    history.record_session(db, *clip, executor="ray", node="n1", node_id="ab12")
    con = sqlite3.connect(db)
    assert con.execute("SELECT version FROM schema_version").fetchall() == [(3,)]
    assert con.execute("SELECT node, node_id FROM sessions ORDER BY id").fetchall() == [
        ("n1", None), ("n1", "ab12")
    ]
    con.close()


def test_env_and_default_path(tmp_path, monkeypatch):
    monkeypatch.setenv("POSECOACH_DB", str(tmp_path / "env.sqlite"))
    assert history.default_db_path() == tmp_path / "env.sqlite"
    monkeypatch.delenv("POSECOACH_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert history.default_db_path() == tmp_path / "xdg" / "posecoach" / "history.sqlite"


def _writer(args: tuple[str, str, int]) -> list[int]:
    db, out, n = args
    summary = json.loads((Path(out) / "summary.json").read_text())
    return [history.record_session(Path(db), summary, Path(out)) for _ in range(n)]


def test_two_processes_writing_at_once(tmp_path, clip):
    db = tmp_path / "h.sqlite"
    _, out = clip
    n = 15
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        ids = pool.map(_writer, [(str(db), str(out), n)] * 2)
    all_ids = ids[0] + ids[1]
    assert len(set(all_ids)) == 2 * n
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    per_session = con.execute(
        "SELECT session_id, COUNT(*) FROM results GROUP BY session_id").fetchall()
    counts = {c for _, c in per_session}
    assert len(per_session) == 2 * n and len(counts) == 1  # every session complete
    con.close()


def test_corrupted_file_is_one_clear_line(tmp_path, clip, capsys):
    db = tmp_path / "h.sqlite"
    db.write_bytes(b"this is not a database at all" * 200)
    with pytest.raises(history.HistoryError, match="corrupted"):
        history.record_session(db, *clip)
    assert main(["history", "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "corrupted" in err and "Traceback" not in err


def test_compare_unknown_session(tmp_path, clip, capsys):
    db = tmp_path / "h.sqlite"
    history.record_session(db, *clip)
    assert main(["compare", "1", "99", "--db", str(db)]) == 1
    assert "no session 99" in capsys.readouterr().err
