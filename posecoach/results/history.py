"""Every analysed clip recorded in a local SQLite database, to follow a client's progress.

Where: `--db PATH`, else $POSECOACH_DB, else `$XDG_DATA_HOME/posecoach/history.sqlite`
(`~/.local/share/posecoach/history.sqlite` when XDG_DATA_HOME is unset).

Schema (version in `schema_version`): `sessions` (one row per analysed clip) and `results`
(one row per session, side and metric; metric ids as in `posecoach.results.reading.side_metrics`).
The database runs in WAL mode with a busy timeout, and each session is written in one
IMMEDIATE transaction, so two analyses finishing at once both land, whole. Any SQLite
failure becomes a `HistoryError` with one line for the user, never a traceback.
Readers (history, compare, the report's progress) open the file read-only; a file that
belongs to another program is refused, unchanged (posecoach.results.ownership).
"""

from __future__ import annotations

import argparse
import math
import os
import socket
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from posecoach.results.ownership import APPLICATION_ID, NotOurs, Owner, owner, read_only_uri
from posecoach.results.reading import (
    FAULT_PREFIX,
    KEY_METRICS,
    NOT_DONE,
    NOT_MEASURED,
    ClipResults,
    ResultsError,
    load_clip,
    metric_label,
    noise_text,
    noise_threshold,
    side_done,
    side_metrics,
)

SCHEMA_VERSION = 3
DB_ENV = "POSECOACH_DB"
BUSY_TIMEOUT_MS = 30_000
MAX_SESSION_ID = 2**63 - 1  # SQLite's largest integer

_SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client TEXT,                 -- NULL when no client name was given
    recorded TEXT NOT NULL,      -- ISO date the clip was recorded
    clip_path TEXT,
    exercise TEXT NOT NULL,      -- exercise id (content/<id>.toml)
    exercise_name TEXT,
    out_dir TEXT NOT NULL,       -- the analysis output folder (report.html lives there)
    created TEXT NOT NULL,       -- ISO UTC time this row was written
    posecoach_version TEXT,
    model TEXT,
    executor TEXT,               -- "in-process" or "ray" (v2, NULL in rows from v1)
    node TEXT,                   -- host name of the machine that analysed the clip (v2)
    node_id TEXT                 -- the Ray node's id (v3), NULL in-process and in older rows
);
CREATE TABLE IF NOT EXISTS results (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    side TEXT NOT NULL,          -- "L", "R" or "both"
    metric TEXT NOT NULL,
    value REAL,                  -- NULL when not measured
    PRIMARY KEY (session_id, side, metric)
);
CREATE INDEX IF NOT EXISTS sessions_by_client ON sessions (client, recorded);
"""
# Columns added since version 1, as (version, table, column, type): an older database
# gets them with ALTER TABLE when it is opened.
_ADDED_COLUMNS = (
    (2, "sessions", "executor", "TEXT"),
    (2, "sessions", "node", "TEXT"),
    (3, "sessions", "node_id", "TEXT"),
)


class HistoryError(Exception):
    """The history database cannot be used. One line for the user."""


@dataclass(frozen=True)
class SessionRow:
    id: int
    client: str | None
    recorded: str
    clip_path: str | None
    exercise: str
    exercise_name: str | None
    out_dir: str
    created: str


@dataclass(frozen=True)
class Change:
    """One metric on one side, session A -> session B."""

    side: str
    metric: str
    a: float
    b: float
    comparable: bool = True  # False: the sessions are of different exercises
    a_done: bool = True  # False: the side was not done in session A
    b_done: bool = True

    @property
    def delta(self) -> float:
        return self.b - self.a

    @property
    def verdict(self) -> str:
        """"better", "worse", "same" (within `noise_threshold`), "not done" (the side was
        not done in either session), "n/a" (a value missing on either side) or "different
        exercise"."""
        if not (self.a_done and self.b_done):
            return NOT_DONE
        if not (math.isfinite(self.a) and math.isfinite(self.b)):
            return "n/a"
        if not self.comparable:
            return "different exercise"
        if abs(self.delta) < max(noise_threshold(self.metric), 1e-6):
            return "same"
        higher_better = metric_label(self.metric)[2]
        return "better" if (self.delta > 0) == higher_better else "worse"


# --------------------------------------------------------------------------- database


def default_db_path() -> Path:
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "posecoach" / "history.sqlite"


def _describe(path: Path, exc: sqlite3.Error) -> str:
    text = " ".join(str(exc).split())  # SQLite may quote a (multi-line) damaged schema
    if "locked" in text or "busy" in text:
        return f"history database {path} is busy (another posecoach writing?); try again"
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
        return (
            f"history database {path} is unreadable ({text}); it may be corrupted - "
            "move it aside to start a new history"
        )
    return f"history database {path}: {text}"


def _owner(path: Path) -> Owner | None:
    """Whose file `path` is (None: no file); another program's is a HistoryError."""
    if not path.is_file():
        return None
    try:
        return owner(path, timeout_s=BUSY_TIMEOUT_MS / 1000)
    except NotOurs as exc:
        raise HistoryError(str(exc)) from exc
    except sqlite3.Error as exc:
        raise HistoryError(_describe(path, exc)) from exc
    except UnicodeDecodeError as exc:  # SQLite's message quotes a damaged schema's bytes
        raise HistoryError(
            f"history database {path} is unreadable (a damaged schema); it may be "
            "corrupted - move it aside to start a new history"
        ) from exc
    except OSError as exc:
        raise HistoryError(f"cannot read {path}: {exc.strerror}") from exc


def _has_history(path: Path) -> bool:
    return _owner(path) is Owner.POSECOACH


@contextmanager
def connect(db_path: Path | None = None, create: bool = True) -> Iterator[sqlite3.Connection]:
    """A connection to posecoach's own history; every SQLite failure inside becomes a
    HistoryError.

    create=True (writers): the file is created if missing, claimed (application id), put
    in WAL mode and migrated. create=False (readers): opened read-only (`mode=ro`):
    nothing is created, migrated or switched. Either way a file that belongs to another
    program is refused before anything is written (posecoach.results.ownership).
    """
    path = Path(db_path) if db_path is not None else default_db_path()
    found = _owner(path)
    if not create and found is not Owner.POSECOACH:
        raise HistoryError(f"no history database at {path} (nothing analysed yet?)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HistoryError(f"cannot create {path.parent}: {exc.strerror}") from exc
    conn = None
    try:
        # Autocommit mode: transactions are opened explicitly (BEGIN IMMEDIATE).
        target, uri = (path, False) if create else (read_only_uri(path), True)
        conn = sqlite3.connect(
            target, uri=uri, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
        )
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if create:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA foreign_keys = ON")
            _migrate(conn, path)
        else:
            _check_version(conn, path)
        yield conn
    except sqlite3.Error as exc:
        raise HistoryError(_describe(path, exc)) from exc
    except UnicodeDecodeError as exc:  # text columns holding bytes that are not UTF-8
        raise HistoryError(
            f"history database {path} is unreadable (text that is not UTF-8); it may be "
            "corrupted - move it aside to start a new history"
        ) from exc
    finally:
        if conn is not None:
            conn.close()


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    with _transaction(conn):
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        version = _check_version(conn, path)
        if version is None:
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
        elif version < SCHEMA_VERSION:
            _upgrade(conn, version)


def _check_version(conn: sqlite3.Connection, path: Path) -> int | None:
    """The file's schema version (None: not written yet); one newer than this posecoach's
    is a HistoryError."""
    version = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
    if version is not None and not isinstance(version, int):
        raise HistoryError(f"history database {path} has a damaged schema version")
    if version is not None and version > SCHEMA_VERSION:
        raise HistoryError(
            f"history database {path} has schema version {version}, newer than this "
            f"posecoach understands ({SCHEMA_VERSION}); upgrade posecoach"
        )
    return version


def _upgrade(conn: sqlite3.Connection, version: int) -> None:
    for added, table, column, kind in _ADDED_COLUMNS:
        have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if added > version and column not in have:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
    conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    # IMMEDIATE takes the write lock up front: a second writer waits (busy timeout)
    # instead of failing half-way with a lock upgrade error.
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


# --------------------------------------------------------------------------- writing


def _recorded_date(summary: dict[str, Any], clip_path: str | None) -> str:
    clip = summary.get("clip") or {}
    for key in ("recorded", "recorded_date", "creation_time"):
        value = clip.get(key) or summary.get(key)
        if value:
            return str(value)[:10]
    if clip_path and Path(clip_path).is_file():
        return date.fromtimestamp(Path(clip_path).stat().st_mtime).isoformat()
    return date.today().isoformat()


def record_session(
    db_path: Path | None,
    summary: dict[str, Any],
    out_dir: Path,
    client: str | None = None,
    clip_path: Path | None = None,
    recorded: str | None = None,
    results: ClipResults | None = None,
    executor: str = "in-process",
    node: str | None = None,
    replace: bool = False,
    node_id: str | None = None,
) -> int:
    """Record one analysed clip and its per-side results; returns the new session id.

    `summary` is the dict written to summary.json; missing numbers (peak/median hip
    extension) are derived from out_dir/frames.csv, unless the analysis passes the
    `results` it already holds. db_path None: `default_db_path()`. `executor` and `node`
    (default: this machine's host name) say what did the work, `node_id` which Ray node
    (several can share a host name; None in-process). `replace`: sessions
    recorded earlier for the same out_dir are deleted in the same transaction (a batch
    redoing a clip counts it once).
    """
    if results is None:
        try:
            results = load_clip(Path(out_dir), summary)
        except ResultsError as exc:
            raise HistoryError(str(exc)) from exc
    clip = clip_path or results.clip.get("source") or results.clip.get("path")
    clip = str(clip) if clip else None
    client = client or results.client
    row = (
        client,
        recorded or _recorded_date(summary, clip),
        clip,
        results.exercise_id or "unknown",
        results.exercise_name,
        str(Path(out_dir).resolve()),
        datetime.now(timezone.utc).isoformat(timespec="seconds"),
        results.model.get("posecoach_version"),
        results.model.get("name"),
        executor,
        node or socket.gethostname(),
        node_id,
    )
    values = [
        (side.key, metric, value if math.isfinite(value) else None)
        for side in results.sides.values()
        for metric, value in side_metrics(side).items()
    ]
    with connect(db_path) as conn, _transaction(conn):
        if replace:
            conn.execute("DELETE FROM sessions WHERE out_dir = ?", (row[5],))
        cur = conn.execute(
            "INSERT INTO sessions (client, recorded, clip_path, exercise, exercise_name,"
            " out_dir, created, posecoach_version, model, executor, node, node_id)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            row,
        )
        session_id = int(cur.lastrowid)
        conn.executemany(
            "INSERT INTO results (session_id, side, metric, value) VALUES (?,?,?,?)",
            [(session_id, *v) for v in values],
        )
    return session_id


# --------------------------------------------------------------------------- reading


# Named, not `*`: a damaged file whose table lacks a column fails in SQLite (one line).
_SESSION_COLUMNS = "id, client, recorded, clip_path, exercise, exercise_name, out_dir, created"


def _session(row: sqlite3.Row) -> SessionRow:
    return SessionRow(
        row["id"], row["client"], row["recorded"], row["clip_path"], row["exercise"],
        row["exercise_name"], row["out_dir"], row["created"],
    )


def list_sessions(db_path: Path | None = None, client: str | None = None) -> list[SessionRow]:
    """Sessions oldest first; `client` filters by name (case-insensitive)."""
    path = Path(db_path) if db_path is not None else default_db_path()
    if not _has_history(path):
        return []  # nothing analysed yet; listing must not create the file
    query = f"SELECT {_SESSION_COLUMNS} FROM sessions"
    params: tuple[Any, ...] = ()
    if client is not None:
        query += " WHERE client = ? COLLATE NOCASE"
        params = (client,)
    with connect(path, create=False) as conn:
        rows = conn.execute(query + " ORDER BY recorded, created, id", params).fetchall()
    return [_session(r) for r in rows]


def session_results(conn: sqlite3.Connection, session_id: int) -> dict[tuple[str, str], float]:
    rows = conn.execute(
        "SELECT side, metric, value FROM results WHERE session_id = ?", (session_id,)
    ).fetchall()
    # A damaged file can hold anything in any column (SQLite does not enforce types):
    # rows with non-text keys are skipped and non-numeric values read as not measured.
    results: dict[tuple[str, str], float] = {}
    for side, metric, value in rows:
        if isinstance(side, str) and isinstance(metric, str):
            numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
            results[(side, metric)] = float(value) if numeric else math.nan
    # A side not done has no numbers, also in rows written when it was stored as 0 s.
    undone = {side for side, _ in results if not side_done(results, side)}
    return {k: math.nan if k[0] in undone else v for k, v in results.items()}


def get_session(conn: sqlite3.Connection, session_id: int) -> SessionRow:
    if not 1 <= session_id <= MAX_SESSION_ID:  # beyond SQLite's integers: no such row
        raise HistoryError(f"no session {_shown(session_id)} in the history")
    query = f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE id = ?"
    row = conn.execute(query, (session_id,)).fetchone()
    if row is None:
        raise HistoryError(f"no session {session_id} in the history")
    return _session(row)


def _shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= 30 else text[:27] + "..."


def session_id_arg(text: str) -> int:
    """argparse type of a session id: a whole number SQLite can hold, at least 1."""
    try:
        value = int(text)
    except ValueError:  # not a number, or more digits than Python converts
        value = 0
    if not 1 <= value <= MAX_SESSION_ID:
        raise argparse.ArgumentTypeError(
            f"expected a session id from `posecoach history`, got {_shown(text)!r}"
        )
    return value


def _order(key: tuple[str, str]) -> tuple[int, str, str]:
    side, metric = key
    fixed = list(KEY_METRICS)
    rank = fixed.index(metric) if metric in fixed else len(fixed)
    return rank, metric, side


def compare(
    db_path: Path | None, a: int, b: int
) -> tuple[SessionRow, SessionRow, list[Change]]:
    """Per side and metric, session a -> session b (metrics present in either)."""
    with connect(db_path, create=False) as conn:
        sa, sb = get_session(conn, a), get_session(conn, b)
        ra, rb = session_results(conn, a), session_results(conn, b)
    keys = sorted(set(ra) | set(rb), key=_order)
    same = sa.exercise == sb.exercise
    changes = [Change(s, m, _value(ra, s, m), _value(rb, s, m), same,
                      side_done(ra, s), side_done(rb, s)) for s, m in keys]
    # A metric neither session measured (e.g. contract-relax gain of a plain hold, or a
    # side done in neither) is noise.
    return sa, sb, [c for c in changes if _finite(c.a, c.b)]


def _finite(*values: float) -> bool:
    return any(math.isfinite(v) for v in values)


def _value(results: dict[tuple[str, str], float], side: str, metric: str) -> float:
    # Fault time is stored only for cues that occurred: a missing cue means 0 s of it,
    # on a side that was done (a side not done has no hold time recorded).
    done = side_done(results, side)
    default = 0.0 if metric.startswith(FAULT_PREFIX) and done else math.nan
    return results.get((side, metric), default)


def earlier_sessions(
    db_path: Path | None, client: str, exercise: str, out_dir: Path
) -> list[tuple[SessionRow, dict[tuple[str, str], float]]]:
    """The client's sessions of `exercise` other than the one in `out_dir`, oldest first.

    Does not create a database that does not exist (a report must not have side effects).
    """
    path = Path(db_path) if db_path is not None else default_db_path()
    if not _has_history(path):
        return []
    here = str(Path(out_dir).resolve())
    with connect(path, create=False) as conn:
        rows = conn.execute(
            f"SELECT {_SESSION_COLUMNS} FROM sessions"
            " WHERE client = ? COLLATE NOCASE AND exercise = ?"
            " AND out_dir != ? ORDER BY recorded, created, id",
            (client, exercise, here),
        ).fetchall()
        return [(_session(r), session_results(conn, r["id"])) for r in rows]


# --------------------------------------------------------------------------- text output


def format_value(value: float, unit: str, done: bool = True) -> str:
    """A number with its unit; "not done" for a side not done, "-" when not measured."""
    if not done:
        return NOT_DONE
    if not math.isfinite(value):
        return NOT_MEASURED
    text = f"{value:.0f}" if unit == "" else f"{value:.1f}"
    return f"{text} {unit}".strip() if unit != "°" else f"{text}°"


def format_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=False)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


def _label(s: SessionRow) -> str:
    return f"session {s.id} ({s.recorded}, {s.client or 'no client'}, {s.exercise})"


def compare_text(sa: SessionRow, sb: SessionRow, changes: list[Change]) -> str:
    lines = [f"A = {_label(sa)}", f"B = {_label(sb)}"]
    if sa.exercise != sb.exercise:
        lines.append("note: different exercises - the numbers are not directly comparable")
    lines.append(f"changes under {noise_text()} are within measurement noise: 'same'")
    rows = []
    for c in changes:
        label, unit, _ = metric_label(c.metric)
        delta = format_value(c.delta, unit)
        delta = "+" + delta if c.verdict in ("better", "worse") and c.delta > 0 else delta
        delta = "0" if c.verdict == "same" else delta
        rows.append([c.side, label, format_value(c.a, unit, c.a_done),
                     format_value(c.b, unit, c.b_done), delta, c.verdict])
    lines.append(format_table(["side", "metric", "A", "B", "change", "verdict"], rows))
    return "\n".join(lines)


# --------------------------------------------------------------------------- commands


def _fail(message: str) -> int:
    print(f"posecoach: error: {message}", file=sys.stderr)
    return 1


def cmd_history(args: argparse.Namespace) -> int:
    try:
        sessions = list_sessions(args.db, args.client)
    except HistoryError as exc:
        return _fail(str(exc))
    # Imported here: history_views builds on this module.
    from posecoach.results import history_views as views

    if not sessions and not (args.json or args.csv):
        who = f" for client {args.client!r}" if args.client else ""
        print(f"no sessions recorded{who}")
        return 0
    try:
        records = views.session_records(args.db, sessions)
    except HistoryError as exc:
        return _fail(str(exc))
    if args.json:
        print(views.to_json(records))
    elif args.csv:
        print(views.history_csv(records))
    else:
        print(views.history_table(records))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    try:
        sa, sb, changes = compare(args.db, args.a, args.b)
    except HistoryError as exc:
        return _fail(str(exc))
    from posecoach.results import history_views as views

    if args.json:
        print(views.to_json(views.compare_document(sa, sb, changes)))
    elif args.csv:
        print(views.compare_csv(changes))
    else:
        print(compare_text(sa, sb, changes))
    return 0


def _add_format_flags(parser: argparse.ArgumentParser) -> None:
    formats = parser.add_mutually_exclusive_group()
    formats.add_argument("--json", action="store_true",
                         help="print JSON (every stored number; null = not measured)")
    formats.add_argument("--csv", action="store_true",
                         help="print CSV for a spreadsheet (empty cell = not measured)")


def add_history_commands(commands: argparse._SubParsersAction) -> None:
    """Add `history` and `compare` to the CLI's subcommands."""
    db_help = f"history database (default: ${DB_ENV} or {default_db_path()})"
    history = commands.add_parser(
        "history", help="list recorded sessions with their key numbers",
        description="List the analysed sessions recorded in the history database: date, "
        "time of day, good-form hold time and peak hip extension per side.",
    )
    history.add_argument("--client", default=None, metavar="NAME", help="only this client")
    history.add_argument("--db", type=Path, default=None, metavar="PATH", help=db_help)
    _add_format_flags(history)
    history.set_defaults(handler=cmd_history)

    comp = commands.add_parser(
        "compare", help="progress between two recorded sessions",
        description="Compare two sessions (ids from `posecoach history`) per side and metric.",
    )
    comp.add_argument("a", type=session_id_arg, metavar="A", help="earlier session id")
    comp.add_argument("b", type=session_id_arg, metavar="B", help="later session id")
    comp.add_argument("--db", type=Path, default=None, metavar="PATH", help=db_help)
    _add_format_flags(comp)
    comp.set_defaults(handler=cmd_compare)
