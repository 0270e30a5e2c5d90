"""frames.csv read back: the one reader of the file `sinks.FramesCsvSink` writes.

Numeric columns become float arrays (an empty cell is NaN, never zero), the text columns
(side, phase, cues, posture) arrays of str. Nothing here interprets the numbers.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posecoach.schema import as_number


class FramesCsvError(Exception):
    """A frames.csv that cannot be read. One line for the user."""


@dataclass
class FrameTable:
    """frames.csv as columns: numeric columns as float arrays (NaN = empty), others as str."""

    columns: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.columns.get("time_s", ()))

    def num(self, name: str) -> np.ndarray:
        col = self.columns.get(name)
        return col if col is not None and col.dtype.kind == "f" else np.full(len(self), np.nan)

    def text(self, name: str) -> np.ndarray:
        col = self.columns.get(name)
        return col if col is not None and col.dtype.kind in "UO" else np.full(len(self), "")


_TEXT_COLUMNS = frozenset({"side", "phase", "cues", "posture"})


def read_frames(path: Path) -> FrameTable:
    """frames.csv into columns; an absent file gives an empty table."""
    if not path.is_file():
        return FrameTable({"time_s": np.zeros(0)})
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader, [])
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise FramesCsvError(f"{path}: not a readable frames.csv ({exc})") from exc
    columns: dict[str, np.ndarray] = {}
    for i, name in enumerate(header):
        cells = [r[i] if i < len(r) else "" for r in rows]
        if name in _TEXT_COLUMNS:
            columns[name] = np.array(cells, dtype=object)
        else:
            columns[name] = np.array([as_number(c) for c in cells], dtype=float)
    return FrameTable(columns)


