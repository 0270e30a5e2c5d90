"""report.html for one analysed clip: the therapist's view of a session.

`build_report(out_dir)` reads the clip's folder (summary.json, frames.csv, landmarks.csv,
annotated.mp4) and writes one self-contained report.html beside them: key
numbers, a left/right table, angle plots with target bands and fault episodes, a fault
timeline that seeks the video, key frames, progress against the client's earlier sessions,
what was measured vs estimated, the exercise's safety notes, and model/version details.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

from posecoach import __version__
from posecoach.exercises.spec import ExerciseSpec, SpecError, load_exercise
from posecoach.report import sections
from posecoach.report.keyframes import KeyFrame, key_frame
from posecoach.report.page import document
from posecoach.results.history import HistoryError, earlier_sessions
from posecoach.results.reading import ClipResults, load_clip, side_metrics

VIDEO_NAME = "annotated.mp4"
REPORT_NAME = "report.html"


def _spec(exercise_id: str) -> ExerciseSpec | None:
    try:
        return load_exercise(exercise_id) if exercise_id else None
    except SpecError:
        return None


def _video(res: ClipResults) -> Path | None:
    path = res.out_dir / VIDEO_NAME
    return path if path.is_file() else None


def _key_frames(res: ClipResults, blur_faces: bool) -> list[KeyFrame]:
    """Peak hip extension per side and the longest fault, from the annotated video (or the
    source clip, blurred from landmarks.csv when asked)."""
    video = _video(res)
    blur_with = None
    if video is None:
        source = res.clip.get("source")
        video = Path(source) if source else None
        blur_with = res.out_dir / "landmarks.csv" if blur_faces else None
    frames = []
    for side in res.sides.values():
        if math.isfinite(side.peak_time_s):
            caption = (f"Side {side.key}: {side.peak_hip_extension_deg:.1f}° hip extension "
                       f"at {sections.fmt_time(side.peak_time_s)}")
            frames.append(key_frame(video, f"Peak extension, side {side.key}",
                                    side.peak_time_s, caption, blur_with))
    faults = [(f, s.key) for s in res.sides.values() for f in s.faults if f.severity == "fault"]
    if faults:
        worst, key = max(faults, key=lambda fk: fk[0].duration_s)
        t = (worst.start_s + worst.end_s) / 2
        caption = (f"Side {key}: {sections.cue_name(worst.cue)} for {worst.duration_s:.1f} s "
                   f"from {sections.fmt_time(worst.start_s)}")
        frames.append(key_frame(video, "Longest fault", t, caption, blur_with))
    return frames


def _progress(
    res: ClipResults, client: str | None, db_path: Path | None
) -> tuple[list, dict] | None:
    if not client:
        return None
    try:
        earlier = earlier_sessions(db_path, client, res.exercise_id, res.out_dir)
    except HistoryError as exc:
        return [], {"error": str(exc)}
    if not earlier:
        return None
    current = {(s.key, m): v for s in res.sides.values() for m, v in side_metrics(s).items()}
    return earlier, current


def _blur_setting(res: ClipResults, blur_faces: bool | None) -> bool:
    if blur_faces is not None:
        return blur_faces
    flag = res.raw.get("blur_faces", res.clip.get("blur_faces", False))
    return bool(flag)


def build_report(
    out_dir: Path,
    blur_faces: bool | None = None,
    db_path: Path | None = None,
    client: str | None = None,
    results: ClipResults | None = None,
) -> Path:
    """Write out_dir/report.html and return its path.

    results: the clip's results when the caller holds them (the analysis that just wrote
    the folder); else they are read from out_dir.
    blur_faces: None = as recorded in summary.json ("blur_faces"), else forced.
    db_path: history database for the progress section (default: the usual one; it is
    only read, never created). client: the client's name (default: summary's "client").
    Raises posecoach.results.reading.ResultsError when out_dir holds no analysis.
    """
    out_dir = Path(out_dir)
    res = results if results is not None else load_clip(out_dir)
    spec = _spec(res.exercise_id)
    client = client or res.client
    video = _video(res)
    body = "\n".join(
        [
            sections.header(res, client),
            sections.key_numbers(res),
            sections.safety(res),
            sections.video_and_timeline(res, spec, video.name if video else None),
            sections.side_table(res, spec),
            sections.gains(res),
            sections.plots(res, spec),
            sections.key_frames(_key_frames(res, _blur_setting(res, blur_faces))),
            sections.progress(_progress(res, client, db_path)),
            sections.estimates(res, spec),
            sections.provenance(res, __version__, date.today().isoformat()),
        ]
    )
    title = f"{res.exercise_name} - {res.clip.get('source', out_dir.name)}"
    path = out_dir / REPORT_NAME
    path.write_text(document(title, body), encoding="utf-8")
    return path

