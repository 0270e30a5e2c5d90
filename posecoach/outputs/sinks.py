"""Per-frame records written as they are produced (CSV), so a cut-off run keeps its data.

Each sink flushes after every row: if a video is truncated, a camera disconnects or the
process is interrupted, every frame measured so far is already on disk.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from posecoach.landmarks import Landmark
from posecoach.registry import METRIC_NAMES
from posecoach.types import FrameMetrics, FrameRecord, SessionState

LANDMARK_FIELDS = ("x", "y", "z", "visibility", "presence")
WORLD_FIELDS = ("wx", "wy", "wz")
# Digits of each field above, in order (pixels to 1/100, model z and metres to 1/10000).
_FIELD_DIGITS = (2, 2, 4, 3, 3, 4, 4, 4)
_ROW_FORMAT = ",".join(",".join(f"%.{d}f" for d in _FIELD_DIGITS) for _ in Landmark)


def landmark_columns() -> list[str]:
    """Columns of landmarks.csv: pixel x/y, model z, visibility, presence, world x/y/z (m)."""
    columns = ["frame", "time_s", "pose_detected"]
    for landmark in Landmark:
        name = landmark.name.lower()
        columns += [f"{name}_{field}" for field in LANDMARK_FIELDS + WORLD_FIELDS]
    return columns


def format_number(value: float | None, digits: int = 3) -> str:
    """A CSV cell: empty for missing/NaN values, fixed precision otherwise."""
    if value is None:
        return ""
    value = float(value)
    if not math.isfinite(value):
        return ""
    return f"{value:.{digits}f}"


class CsvSink:
    """Writes rows to a CSV file, flushing each one. Use as a context manager."""

    def __init__(self, path: Path, columns: Sequence[str]):
        self.path = Path(path)
        self.columns = list(columns)
        self._file = self.path.open("w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._file)
        self._writer.writerow(self.columns)
        self._file.flush()
        self.rows = 0

    def write_row(self, row: Sequence[str]) -> None:
        self._writer.writerow(row)
        self._file.flush()
        self.rows += 1

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LandmarksCsvSink(CsvSink):
    """landmarks.csv: the raw pose of every frame, in an open format."""

    def __init__(self, path: Path):
        super().__init__(path, landmark_columns())

    def write(self, record: FrameRecord) -> None:
        row = [str(record.index), f"{record.time_s:.4f}", "1" if record.pose else "0"]
        pose = record.pose
        if pose is None:
            self.write_row(row + [""] * (len(Landmark) * len(_FIELD_DIGITS)))
            return
        world = pose.world if pose.world is not None else np.full((len(Landmark), 3), np.nan)
        values = np.column_stack([pose.xy, pose.z, pose.visibility, pose.presence, world])
        cells = values.ravel().tolist()
        if np.isfinite(values).all():
            # Every cell has a value: one format call for the whole row gives the same
            # text as format_number cell by cell (tools/profile_stages.py: the sink's
            # CPU per frame went from 0.45 to 0.31 ms).
            self.write_row(row + (_ROW_FORMAT % tuple(cells)).split(","))
            return
        digits = _FIELD_DIGITS * len(Landmark)
        self.write_row(row + [format_number(v, d) for v, d in zip(cells, digits, strict=True)])


FRAME_BASE_COLUMNS = ("frame", "time_s", "pose_detected", "side", "view_ok")
FRAME_STATE_COLUMNS = ("phase", "hold_s", "cues")


def frame_columns(extra: Sequence[str] = ()) -> list[str]:
    """Columns of frames.csv: the fixed base, every metric by its exact name, the session
    state, then any extra columns (confidences, view angle...)."""
    return [*FRAME_BASE_COLUMNS, *METRIC_NAMES, *FRAME_STATE_COLUMNS, *extra]

# Extra columns after the fixed ones: how the frame was judged, and each metric's confidence.
FRAME_EXTRA_COLUMNS = (
    "facing",
    "view_angle_deg",
    "posture",
    "motion",
    *(f"{name.removesuffix('_deg')}_conf" for name in METRIC_NAMES),
)


class FramesCsvSink(CsvSink):
    """frames.csv: one row per frame with the metrics and the session state.

    Empty cells where a value is not measurable (never 0 or a guess).
    """

    def __init__(self, path: Path):
        super().__init__(path, frame_columns(FRAME_EXTRA_COLUMNS))

    def write(self, record: FrameRecord) -> None:
        metrics = record.metrics
        # Microseconds: the frame's own timestamp, which angles.mot copies (29.97 fps).
        row = [str(record.index), f"{record.time_s:.6f}", "1" if record.pose else "0"]
        row += _metric_cells(metrics)
        row += _state_cells(record.state)
        row += _extra_cells(metrics)
        self.write_row(row)


def _metric_cells(metrics: FrameMetrics | None) -> list[str]:
    if metrics is None:
        return ["", ""] + [""] * len(METRIC_NAMES)
    side = metrics.side.value if metrics.side is not None else ""
    return [side, "1" if metrics.view_ok else "0"] + [
        format_number(metrics.get(name), 2) for name in METRIC_NAMES
    ]


def _state_cells(state: SessionState | None) -> list[str]:
    if state is None:
        return ["", "", ""]
    return [str(state.phase), format_number(state.hold_s, 2), ";".join(state.cue_ids)]


def _extra_cells(metrics: FrameMetrics | None) -> list[str]:
    if metrics is None:
        return [""] * len(FRAME_EXTRA_COLUMNS)
    cells = [
        str(metrics.facing) if metrics.facing else "",
        format_number(metrics.view_angle_deg, 1),
        metrics.posture,
        format_number(metrics.motion, 3),
    ]
    return cells + [format_number(metrics.confidence.get(name), 2) for name in METRIC_NAMES]
