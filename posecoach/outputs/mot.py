"""Per-frame angles as an OpenSim-style motion file (.mot), for biomechanists.

Layout (what OpenSim's Storage reader expects):

    <name>
    version=1
    nRows=<rows>
    nColumns=<columns, time included>
    inDegrees=yes
    endheader
    time<TAB>hip_extension_deg<TAB>...
    0.000000<TAB>12.340000<TAB>...

Columns are `time` (seconds, the frame timestamps of frames.csv) and every metric of
`posecoach.types.METRIC_NAMES`, named verbatim, all in degrees. Frames where a metric was
not measurable are written as `NaN` (never 0 or an interpolated guess): OpenSim reads NaN,
and gap filling is a choice the analyst should make knowingly. pelvic_tilt_deg,
lumbar_extension_deg and hip_extension_pelvis_deg are estimates from the silhouette.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from posecoach.outputs.frames_csv import FramesCsvError, FrameTable, read_frames
from posecoach.registry import METRIC_NAMES


class ExportError(Exception):
    """frames.csv could not be turned into a motion file. One line for the user."""


def angle_rows(frames: FrameTable, source: Path | str = "frames.csv") -> np.ndarray:
    """(rows, 1 + metrics): time and every metric per frame, NaN where a cell was empty."""
    missing = [c for c in ("time_s", *METRIC_NAMES) if c not in frames.columns]
    if missing:
        raise ExportError(f"{source}: no column {missing[0]!r} (not a frames.csv?)")
    return np.column_stack([frames.num(c) for c in ("time_s", *METRIC_NAMES)])


def _fmt(value: float) -> str:
    return "NaN" if math.isnan(value) else f"{value:.6f}"


def write_mot(frames: FrameTable | Path, mot_path: Path, name: str | None = None) -> Path:
    """Write the angles of a frames.csv (its path, or the table already read) to `mot_path`
    (OpenSim .mot); returns mot_path.

    Rows without a timestamp are skipped (time must be monotonic for OpenSim).
    """
    source = frames if isinstance(frames, Path) else "frames.csv"
    if isinstance(frames, Path):
        try:
            frames = read_frames(frames)
        except FramesCsvError as exc:
            raise ExportError(str(exc)) from exc
    table = angle_rows(frames, source)
    rows = [r for r in table if not math.isnan(r[0])]
    columns = ["time", *METRIC_NAMES]
    header = [
        name or Path(mot_path).stem,
        "version=1",
        f"nRows={len(rows)}",
        f"nColumns={len(columns)}",
        "inDegrees=yes",
        "endheader",
        "\t".join(columns),
    ]
    lines = header + ["\t".join(_fmt(v) for v in row) for row in rows]
    mot_path = Path(mot_path)
    mot_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return mot_path


def read_mot(mot_path: Path) -> tuple[dict[str, str], list[str], list[list[float]]]:
    """Parse a .mot file back: (header key=values, column names, rows). For tests/tools."""
    lines = Path(mot_path).read_text(encoding="utf-8").splitlines()
    end = lines.index("endheader")
    header = {"name": lines[0]}
    for line in lines[1:end]:
        key, _, value = line.partition("=")
        header[key.strip()] = value.strip()
    columns = lines[end + 1].split("\t")
    rows = [[float(v) for v in line.split("\t")] for line in lines[end + 2:] if line.strip()]
    return header, columns, rows
