"""Per-frame angles as an OpenSim motion file (.mot), in OpenSim's coordinate names and signs.

Layout (what OpenSim's Storage reader expects):

    <clip name>
    version=1
    nRows=<rows>
    nColumns=<columns, time included>
    inDegrees=yes
    endheader
    time<TAB>pelvis_tilt<TAB>lumbar_extension<TAB>hip_flexion_r<TAB>...
    0.000000<TAB>-4.120000<TAB>...

Columns and signs are those of OpenSim's gait2392/gait2354 models (the models of OpenSim's
gait examples; Rajagopal 2015 shares every one of them except the knee, see below):

| column | from (frames.csv) | OpenSim sign |
|---|---|---|
| pelvis_tilt | -pelvic_tilt_deg | + posterior tilt, - anterior |
| lumbar_extension | lumbar_extension_deg | + extension (arching) |
| hip_flexion_r / _l | -hip_extension_pelvis_deg | + flexion, so hip extension is negative |
| knee_angle_r / _l | -knee_flexion_deg, -other_knee_flexion_deg | - flexion, 0 straight |

Sources for the signs: in these models every sagittal coordinate is a rotation about the
+z axis (pointing to the subject's right; x forward, y up) of the distal segment, so a
positive angle swings the thigh forward (hip flexion), the trunk backward (lumbar
extension) and the front of the pelvis up (posterior tilt); gait2392's knee_angle range is
-120 to +10 deg, flexion negative (Rajagopal 2015 turns the knee axis round: 0 to 120,
flexion positive: negate knee_angle_* for that model). OpenSim studies of pelvic tilt
state the same convention ("posterior (positive) tilt ... anterior (negative) tilt",
PMC9255277).

One column per leg: frames.csv holds the working leg's metrics with its `side` per frame,
and each value goes to that leg's column (`_r` or `_l`); the other knee (other_knee_flexion)
goes to the other leg's knee. A leg not measured in a frame - the non-working hip, both
legs while no side is decided - is NaN (never 0 or an interpolated guess): OpenSim reads
NaN, and gap filling is a choice the analyst should make knowingly. pelvis_tilt is the
tilt from the person's own neutral, not the pelvis's angle to the floor; it, lumbar_extension
and hip_flexion are estimates from the silhouette (README, Accuracy). Times are the frames'
own timestamps (time_s of frames.csv, to the microsecond), not rounded to the frame rate.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from posecoach.outputs.frames_csv import FramesCsvError, FrameTable, read_frames

# (OpenSim coordinate, frames.csv metric, sign); per-leg ones below.
BODY_COORDINATES = (
    ("pelvis_tilt", "pelvic_tilt_deg", -1.0),
    ("lumbar_extension", "lumbar_extension_deg", 1.0),
)
# (OpenSim coordinate without _r/_l, metric, sign, True: the working leg, False: the other).
LEG_COORDINATES = (
    ("hip_flexion", "hip_extension_pelvis_deg", -1.0, True),
    ("knee_angle", "knee_flexion_deg", -1.0, True),
    ("knee_angle", "other_knee_flexion_deg", -1.0, False),
)
COLUMNS = (
    "time", "pelvis_tilt", "lumbar_extension",
    "hip_flexion_r", "hip_flexion_l", "knee_angle_r", "knee_angle_l",
)
_SOURCE_COLUMNS = ("time_s", "side", *(m for _, m, _ in BODY_COORDINATES),
                   *(m for _, m, _, _ in LEG_COORDINATES))
_OTHER_LEG = {"R": "L", "L": "R"}


class ExportError(Exception):
    """frames.csv could not be turned into a motion file. One line for the user."""


def coordinate_table(frames: FrameTable, source: Path | str = "frames.csv") -> np.ndarray:
    """(rows, len(COLUMNS)): time and each OpenSim coordinate per frame, NaN where the
    frame does not measure it."""
    missing = [c for c in _SOURCE_COLUMNS if c not in frames.columns]
    if missing:
        raise ExportError(f"{source}: no column {missing[0]!r} (not a frames.csv?)")
    table = np.full((len(frames), len(COLUMNS)), np.nan)
    table[:, 0] = frames.num("time_s")
    for name, metric, sign in BODY_COORDINATES:
        table[:, COLUMNS.index(name)] = sign * frames.num(metric)
    working = np.array([str(s).strip().upper() for s in frames.text("side")], dtype=object)
    for name, metric, sign, on_working_leg in LEG_COORDINATES:
        values = sign * frames.num(metric)
        for side in ("R", "L"):
            leg = side if on_working_leg else _OTHER_LEG[side]
            rows = working == side
            table[rows, COLUMNS.index(f"{name}_{leg.lower()}")] = values[rows]
    return table


def _fmt(value: float) -> str:
    return "NaN" if math.isnan(value) else f"{value:.6f}"


def write_mot(frames: FrameTable | Path, mot_path: Path, name: str | None = None) -> Path:
    """Write the OpenSim coordinates of a frames.csv (its path, or the table already read)
    to `mot_path`; `name` (the clip's name) heads the file, else mot_path's stem. Returns
    mot_path.

    Rows without a timestamp are skipped (time must be monotonic for OpenSim).
    """
    source = frames if isinstance(frames, Path) else "frames.csv"
    if isinstance(frames, Path):
        try:
            frames = read_frames(frames)
        except FramesCsvError as exc:
            raise ExportError(str(exc)) from exc
    table = coordinate_table(frames, source)
    rows = [r for r in table if not math.isnan(r[0])]
    header = [
        _one_line(name or Path(mot_path).stem),
        "version=1",
        f"nRows={len(rows)}",
        f"nColumns={len(COLUMNS)}",
        "inDegrees=yes",
        "endheader",
        "\t".join(COLUMNS),
    ]
    lines = header + ["\t".join(_fmt(v) for v in row) for row in rows]
    mot_path = Path(mot_path)
    mot_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return mot_path


def _one_line(name: str) -> str:
    return " ".join(name.split()) or "posecoach"


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
