"""Whose SQLite file is this? posecoach reads and writes only its own history databases.

A database posecoach creates carries `PRAGMA application_id = APPLICATION_ID` (bytes
68-71 of the file header). A file without one (application id 0) is posecoach's when it
holds posecoach's `schema_version` table and no table posecoach does not make (a history
written before the id existed), and blank
when it holds no table at all (an empty file, or a database nobody has used). Anything
else belongs to another program: it is refused before any byte of it is written, and
before SQLite opens it at all when its header already names another application.

The check itself never writes: the header is read as bytes and the tables through a
read-only connection (`mode=ro`; on a WAL-mode file SQLite may leave empty -wal/-shm
files beside it, but not while nothing is waiting in a -wal file; never a changed byte).
"""

from __future__ import annotations

import sqlite3
from enum import Enum
from pathlib import Path
from urllib.parse import quote

APPLICATION_ID = 0x50434F41  # "PCOA"
TABLES = frozenset({"schema_version", "sessions", "results"})
_MAGIC = b"SQLite format 3\x00"
_HEADER_SIZE = 100


class NotOurs(Exception):
    """The file is not a posecoach history database. One line for the user."""


class Owner(Enum):
    BLANK = "blank"  # empty, or a database without tables and without an application id
    POSECOACH = "posecoach"


def read_only_uri(path: Path) -> str:
    """A `file:` URI that opens `path` read-only (no journal, no schema change possible)."""
    return f"file:{quote(str(Path(path).resolve()))}?mode=ro"


def header_application_id(header: bytes) -> int | None:
    """The application id of a SQLite header (big-endian at offset 68); None: not SQLite."""
    if len(header) < _HEADER_SIZE or not header.startswith(_MAGIC):
        return None
    return int.from_bytes(header[68:72], "big")


def _check_uri(path: Path, header: bytes) -> str:
    # A WAL-mode file with no -wal beside it is whole in itself: read it as immutable, so
    # SQLite does not leave -wal/-shm files beside someone else's database.
    wal_mode = header[18:20] == b"\x02\x02"
    wal = Path(path).with_name(Path(path).name + "-wal")
    return read_only_uri(path) + ("&immutable=1" if wal_mode and not wal.exists() else "")


def owner(path: Path, timeout_s: float = 30.0) -> Owner:
    """BLANK or POSECOACH for an existing file, else NotOurs (sqlite3.Error propagates)."""
    with open(path, "rb") as handle:
        header = handle.read(_HEADER_SIZE)
    if not header:
        return Owner.BLANK
    app_id = header_application_id(header)
    if app_id is None:
        raise NotOurs(
            f"history database {path} is unreadable (not a SQLite database); it may be "
            "corrupted - move it aside to start a new history"
        )
    if app_id not in (0, APPLICATION_ID):
        raise NotOurs(_foreign(path, f"application id 0x{app_id:08x}"))
    conn = sqlite3.connect(_check_uri(path, header), uri=True, timeout=timeout_s)
    conn.text_factory = lambda raw: raw.decode("utf-8", "replace")  # a damaged name
    try:
        # Read again through SQLite: in WAL mode the newest header may be in the -wal file.
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        names = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    finally:
        conn.close()
    return classify(app_id, names, path)


def classify(app_id: int, tables: set[str], path: Path) -> Owner:
    """Ownership from a database's application id and table names (see the module doc)."""
    tables = {t for t in tables if not t.startswith("sqlite_")}
    if app_id == APPLICATION_ID:
        return Owner.POSECOACH
    if app_id != 0:
        raise NotOurs(_foreign(path, f"application id 0x{app_id:08x}"))
    if not tables:
        return Owner.BLANK
    if "schema_version" in tables and tables <= TABLES:
        return Owner.POSECOACH
    shown = ", ".join(sorted(tables)[:4]) + (", ..." if len(tables) > 4 else "")
    raise NotOurs(_foreign(path, f"tables {shown}"))


def _foreign(path: Path, what: str) -> str:
    return (
        f"{path} is not a posecoach history database ({what}); it was not changed - "
        "give posecoach a file of its own with --db"
    )
