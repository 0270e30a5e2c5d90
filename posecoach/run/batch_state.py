"""Which clips of a batch are finished: the completion marker, the input checksum and the
temporary folder a clip is analysed in.

A clip is analysed into `DIR/.<name>.partial` and renamed to `DIR/<name>` when the
analysis has finished; the driver then records it in the history and writes the marker
`DIR/<name>/complete.json` last. A clip is complete when its folder holds summary.json and
a marker whose input sha256 and analysis settings match this run: anything else (a
partial folder, a folder without marker, a changed input) is analysed again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

MARKER_NAME = "complete.json"
SUMMARY_NAME = "summary.json"
_CHUNK = 1 << 20


def input_sha256(path: Path) -> str:
    """sha256 of a clip file, or of an image-sequence folder (names and bytes, in order)."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    for file in files:
        if path.is_dir():
            digest.update(file.name.encode() + b"\0")
        with file.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    return digest.hexdigest()


def partial_dir(final: Path) -> Path:
    """The hidden folder a clip is analysed in before it is renamed to `final`."""
    return final.with_name(f".{final.name}.partial")


def read_marker(final: Path) -> dict[str, Any] | None:
    """The completion marker of a clip folder, or None (missing or unreadable)."""
    try:
        marker = json.loads((final / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) else None


def completed(final: Path, sha256: str, settings: dict[str, Any]) -> dict[str, Any] | None:
    """The marker if `final` holds a finished analysis of this input with these settings."""
    if not (final / SUMMARY_NAME).is_file():
        return None
    marker = read_marker(final)
    if marker is None or marker.get("sha256") != sha256 or marker.get("settings") != settings:
        return None
    return marker


def clear_partial(partial: Path) -> None:
    """Remove what an earlier (killed or failed) attempt left in the partial folder."""
    if partial.exists():
        shutil.rmtree(partial)


def promote(partial: Path, final: Path) -> None:
    """Rename the finished partial folder to its final name, replacing an older result.

    The old folder is moved aside first, so at no moment does `final` hold a mix of the
    two; a folder without marker is never taken as complete, whatever is in it.
    """
    old = final.with_name(f".{final.name}.old")
    clear_partial(old)
    if final.exists():
        os.replace(final, old)
    os.replace(partial, final)
    clear_partial(old)


def write_marker(final: Path, marker: dict[str, Any]) -> None:
    """Write the completion marker atomically (a temporary file renamed into place)."""
    tmp = final / f".{MARKER_NAME}.tmp"
    tmp.write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, final / MARKER_NAME)
