"""Someone else's SQLite file given as the history: refused in one line, never changed.

Each command that may touch the history (history, compare, exercises, a report rebuild,
recording an analysis) runs against foreign files - a plain one, one with its own
application id, one in WAL mode, one with a table named like posecoach's - and every
file's bytes must be identical afterwards. posecoach's own database is opened read-only
by the readers (its bytes and journal mode unchanged by a listing).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from fixtures.cli import run_cli
from fixtures.report import make_output

from posecoach.cli.app import main
from posecoach.report import build_report
from posecoach.results import history
from posecoach.results.ownership import APPLICATION_ID


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> tuple[dict, Path]:
    out = make_output(tmp_path_factory.mktemp("foreign") / "out", client="Ana", video=False)
    return json.loads((out / "summary.json").read_text()), out


def _foreign(path: Path, kind: str) -> Path:
    con = sqlite3.connect(path)
    if kind == "wal":
        con.execute("PRAGMA journal_mode = WAL")
    if kind == "app_id":
        con.execute("PRAGMA application_id = 1234")
    if kind == "shared_name":  # a table posecoach also uses, with other columns
        con.execute("CREATE TABLE sessions (id INTEGER PRIMARY KEY, title TEXT)")
        con.execute("INSERT INTO sessions (title) VALUES ('yoga')")
    con.execute("CREATE TABLE contacts (name TEXT, phone TEXT)")
    con.execute("INSERT INTO contacts VALUES ('Ana', '555')")
    con.commit()
    con.close()
    return path


def _digest(folder: Path) -> dict[str, str]:
    """Every file in the folder (the database and any -wal/-shm beside it) by content."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


KINDS = ["plain", "app_id", "wal", "shared_name"]


@pytest.mark.parametrize("kind", KINDS)
def test_foreign_file_is_refused_and_unchanged(tmp_path, clip, capsys, kind, monkeypatch):
    folder = tmp_path / "theirs"
    folder.mkdir()
    db = _foreign(folder / "their.sqlite", kind)
    before = _digest(folder)
    monkeypatch.setenv("POSECOACH_DB", str(db))

    for argv in (["history", "--db", str(db)], ["history", "--client", "Ana"],
                 ["compare", "1", "2", "--db", str(db)]):
        assert main(argv) == 1, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "not a posecoach history database" in err, err
        assert _digest(folder) == before, argv

    assert main(["exercises"]) == 0
    capsys.readouterr()
    with pytest.raises(history.HistoryError, match="not a posecoach history"):
        history.record_session(db, *clip)
    assert _digest(folder) == before

    _, out = clip
    build_report(out, db_path=db, client="Ana")  # the progress section says why it is empty
    assert _digest(folder) == before
    assert "not a posecoach history database" in (out / "report.html").read_text()


def test_foreign_file_one_line_from_the_command(tmp_path):
    db = _foreign(tmp_path / "their.sqlite", "shared_name")
    before = db.read_bytes()
    done = run_cli("history", "--db", str(db))
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert str(db) in done.stderr
    assert db.read_bytes() == before and sorted(tmp_path.iterdir()) == [db]


def test_own_database_is_claimed_and_read_without_writing(tmp_path, clip, capsys):
    db = tmp_path / "h.sqlite"
    first = history.record_session(db, *clip)
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    con.close()
    before = db.read_bytes()
    assert main(["history", "--db", str(db)]) == 0
    assert main(["compare", str(first), str(first), "--db", str(db)]) == 0
    capsys.readouterr()
    assert db.read_bytes() == before
    assert history.list_sessions(db)[0].id == first


def test_database_from_before_the_application_id_is_still_ours(tmp_path, clip):
    db = tmp_path / "old.sqlite"
    history.record_session(db, *clip)
    con = sqlite3.connect(db)
    con.execute("PRAGMA application_id = 0")
    con.commit()
    con.close()
    assert len(history.list_sessions(db)) == 1  # read as it is ...
    history.record_session(db, *clip)  # ... and claimed by the next write
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    con.close()


@pytest.mark.parametrize("content", [b"", "blank"])
def test_empty_file_lists_nothing_and_becomes_a_history(tmp_path, clip, capsys, content):
    db = tmp_path / "new.sqlite"
    if content == "blank":
        sqlite3.connect(db).execute("PRAGMA user_version = 0").connection.close()
    else:
        db.write_bytes(content)
    before = db.read_bytes()
    assert main(["history", "--db", str(db)]) == 0
    assert "no sessions recorded" in capsys.readouterr().out
    assert db.read_bytes() == before
    history.record_session(db, *clip)
    assert len(history.list_sessions(db)) == 1
