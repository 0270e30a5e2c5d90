"""report.html for one analysed clip: the therapist's view of a session.

`build_report(out_dir)` reads the clip's folder (summary.json, frames.csv, landmarks.csv,
annotated.mp4) and writes one self-contained report.html beside them: key numbers,
prescribed against done, progress against the client's earlier sessions, the exercise's
safety notes, the video (its poster from the best hold) with a fault timeline that seeks
it, a left/right table, angle plots with target bands and fault episodes, left and right
key frames side by side, what was measured vs estimated, and model/version details.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path

from posecoach import __version__
from posecoach.exercises.spec import ExerciseSpec, SpecError, load_exercise
from posecoach.report import sections
from posecoach.report.keyframes import FrameReads, KeyFrame, key_frame
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


def _image_source(res: ClipResults, blur_faces: bool) -> tuple[Path | None, Path | None, int]:
    """(video to take images from, landmarks.csv to blur faces with or None, the turn its
    frames need): the annotated video, else the source clip (blurred from landmarks.csv
    when asked, turned as the analysis turned it)."""
    video = _video(res)
    if video is not None:
        return video, None, 0
    source = res.clip.get("source")
    turn = res.clip.get("turned_deg")
    return (Path(source) if source else None,
            res.out_dir / "landmarks.csv" if blur_faces else None,
            turn if isinstance(turn, int) else 0)


def _peak_frame(res: ClipResults, side, video, blur_with, turn_deg: int = 0,
                reads: FrameReads | None = None) -> KeyFrame:
    name = sections.SIDE_NAMES.get(side.key, side.key)
    title = f"{name}: peak hip extension in good form"
    if not side.done or not math.isfinite(side.peak_time_s):
        return KeyFrame(title, math.nan, "", None, f"{name} side {sections.NOT_DONE}")
    caption = (f"{side.peak_hip_extension_deg:.1f}° hip extension at "
               f"{sections.fmt_time(side.peak_time_s)}")
    return key_frame(video, title, side.peak_time_s, caption, blur_with, turn_deg, reads)


def _longest_fault(res: ClipResults):
    """(the longest fault-severity episode, its side's key), or None."""
    faults = [(f, s.key) for s in res.sides.values() for f in s.faults if f.severity == "fault"]
    return max(faults, key=lambda fk: fk[0].duration_s) if faults else None


def _key_frames(res: ClipResults, blur_faces: bool, reads: FrameReads | None = None
                ) -> tuple[list[KeyFrame], list[KeyFrame]]:
    """(left and right peaks, side by side; the longest fault)."""
    video, blur_with, turn = _image_source(res, blur_faces)
    if reads is not None:  # start every read before waiting for the first
        for t in _key_frame_times(res):
            reads.want(video, t)
    pair = [_peak_frame(res, side, video, blur_with, turn, reads) for side in res.sides.values()]
    others = []
    longest = _longest_fault(res)
    if longest is not None:
        worst, key = longest
        caption = (f"Side {key}: {sections.cue_name(worst.cue)} for {worst.duration_s:.1f} s "
                   f"from {sections.fmt_time(worst.start_s)}")
        others.append(key_frame(video, "Longest fault", _middle(worst), caption, blur_with,
                                turn, reads))
    return pair, others


def _middle(episode) -> float:
    return (episode.start_s + episode.end_s) / 2


def _key_frame_times(res: ClipResults) -> list[float]:
    """The moments _key_frames shows: each done side's peak and the longest fault's middle."""
    times = [s.peak_time_s for s in res.sides.values() if s.done]
    longest = _longest_fault(res)
    return times + ([_middle(longest[0])] if longest is not None else [])


def poster_time(res: ClipResults) -> float | None:
    """A moment of the best hold (most good-form seconds) for the video's poster: the
    side's good-form peak when it lies in that hold, else the hold's middle."""
    holds = [(h, s) for s in res.sides.values() for h in s.holds]
    if not holds:
        return None
    hold, side = max(holds, key=lambda hs: hs[0].good_s)
    if hold.start_s <= side.peak_time_s <= hold.end_s:
        return side.peak_time_s
    return (hold.start_s + hold.end_s) / 2


def _poster(res: ClipResults, reads: FrameReads | None = None) -> str | None:
    video, t = _video(res), poster_time(res)
    if video is None or t is None:
        return None
    return key_frame(video, "poster", t, "", reads=reads).jpeg_b64


def session_time(res: ClipResults) -> str:
    """When the session was recorded: the summary's date, else the clip file's time."""
    recorded = res.clip.get("recorded")
    if recorded:
        return str(recorded)
    source = Path(str(res.clip.get("source") or ""))
    for path, how in ((source, " (clip file time)"), (res.out_dir / "summary.json", " (analysed)")):
        if str(path) not in ("", ".") and path.is_file():
            stamp = datetime.fromtimestamp(path.stat().st_mtime)
            return stamp.strftime("%Y-%m-%d %H:%M") + how
    return ""


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
    blur = _blur_setting(res, blur_faces)
    with FrameReads() as reads:
        t = poster_time(res)
        if t is not None:
            reads.want(video, t)
        key_frames = _key_frames(res, blur, reads)
        poster = _poster(res, reads)
    body = "\n".join(
        [
            sections.header(res, client, session_time(res)),
            sections.key_numbers(res),
            sections.prescription(res, spec),
            sections.progress(_progress(res, client, db_path)),
            sections.safety(res),
            sections.video_and_timeline(res, spec, video.name if video else None, poster),
            sections.side_table(res, spec),
            sections.gains(res),
            sections.plots(res, spec),
            sections.key_frames(*key_frames),
            sections.estimates(res, spec),
            sections.provenance(res, __version__, date.today().isoformat()),
        ]
    )
    title = f"{res.exercise_name} - {res.clip.get('source', out_dir.name)}"
    path = out_dir / REPORT_NAME
    path.write_text(document(title, body), encoding="utf-8")
    return path

