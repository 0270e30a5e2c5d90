"""The Python API: analyse a clip and get its numbers back, without files or history.

    import posecoach
    result = posecoach.analyze("clip.mp4")             # exercise recognised
    result.exercise                                    # "kneeling_hip_flexor"
    result.frames["hip_extension_deg"]                 # numpy array, one value per frame
    result.session.sides["R"].good_s                   # the results schema (schema.py);
                                                       # NaN when .done is False
    result.frames.to_pandas()                          # with pandas installed

`analyze` runs the same pipeline as `posecoach analyze` (posecoach.run.offline). It writes
nothing unless `outputs=DIR` is given (the per-frame records go to a temporary folder that
is deleted before it returns) and records nothing in the history unless `history=True`.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.outputs.frames_csv import FrameTable, read_frames
from posecoach.run.offline import AUTO, AnalysisOptions, analyze_clip
from posecoach.schema import SessionResult


class Frames(FrameTable):
    """The per-frame table of frames.csv as numpy columns: `frames["hip_extension_deg"]`
    is a float array (NaN = not measurable), `frames["side"]` an array of "L"/"R"/""."""

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self.columns:
            raise KeyError(f"no column {name!r} (see .names)")
        return self.columns[name]

    @property
    def names(self) -> list[str]:
        """The column names, in frames.csv's order."""
        return list(self.columns)

    def to_pandas(self) -> Any:
        """The table as a pandas DataFrame (needs pandas: pip install 'posecoach[pandas]')."""
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError("to_pandas() needs pandas: pip install pandas") from exc
        return pd.DataFrame({name: self.columns[name] for name in self.columns})


@dataclass(frozen=True)
class Analysis:
    """One analysed clip.

    exercise: the exercise id coached (given or recognised), None if none was recognised.
    frames: one row per video frame (the columns of frames.csv, README "Measured quantities").
    session: the session's holds, faults and gains (posecoach.schema), None without an
    exercise. summary: the whole summary.json document (clip facts, model, view, angles).
    out_dir: where the files went (None: nothing was written).
    """

    source: Path
    exercise: str | None
    frames: Frames
    session: SessionResult | None
    summary: dict[str, Any]
    out_dir: Path | None = None
    files: list[Path] = field(default_factory=list)


def analyze(
    path: str | Path,
    exercise: str = AUTO,
    outputs: str | Path | None = None,
    *,
    video: bool = False,
    report: bool = False,
    history: bool = False,
    db_path: str | Path | None = None,
    client: str | None = None,
    model_path: str | Path | None = None,
    workers: int | None = None,
    progress: bool = False,
) -> Analysis:
    """Analyse the clip at `path` (a video file or a folder of images).

    exercise: an id from `posecoach exercises`, a .toml file, or "auto" (recognised).
    outputs: a folder to write frames.csv, landmarks.csv, summary.json and angles.mot to,
    plus annotated.mp4 with `video` and report.html with `report`; None writes nothing.
    history: record the session in the history database (`db_path`, default the user's);
    needs `outputs`, since the history points at the output folder.
    Raises the CLI's one-line errors: SourceError, ModelError, SpecError, AnalysisError.
    """
    if history and outputs is None:
        raise ValueError("history=True needs outputs=DIR: the history links to the folder")
    if (video or report) and outputs is None:
        raise ValueError("video and report are files: give outputs=DIR to write them")
    options = AnalysisOptions(
        model_path=Path(model_path) if model_path is not None else None,
        exercise=str(exercise), progress=progress, video=video, report=report,
        mot=outputs is not None, history=history,
        db_path=Path(db_path) if db_path is not None else None, client=client,
        workers=workers,
    )
    if outputs is not None:
        return _analyze_into(Path(path), Path(outputs), options)
    with tempfile.TemporaryDirectory(prefix="posecoach-") as scratch:
        result = _analyze_into(Path(path), Path(scratch), options)
    return Analysis(result.source, result.exercise, result.frames, result.session,
                    result.summary)


def _analyze_into(path: Path, out_dir: Path, options: AnalysisOptions) -> Analysis:
    clip = analyze_clip(path, out_dir, options)
    frames = Frames(read_frames(out_dir / "frames.csv").columns)
    session = SessionResult.from_json(clip.summary) if clip.summary.get("exercise") else None
    return Analysis(path, clip.exercise, frames, session, clip.summary, out_dir,
                    list(clip.files))
