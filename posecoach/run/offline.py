"""The short loop that wires the stages for one recorded clip.

frames (sources) -> pose (estimation) -> metrics (measure) -> exercise state (exercises)
-> records (sinks) -> summary.json.

Everything per frame is written as soon as it is known, so a clip that ends early (or a
run that is interrupted) keeps what was measured. With `--exercise auto` the exercise is
recognised on the analysis' own poses (posecoach.run.recognition): until then each
frame's landmarks are written and the rest of its record waits for the decision.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.exercises import ExerciseSpec, load_exercise
from posecoach.outputs.mot import write_mot
from posecoach.pose.adaptive import AdaptiveParams, adaptive_parallel_poses, adaptive_poses
from posecoach.pose.estimation import PoseEstimator, offline_model_path
from posecoach.pose.parallel import default_workers, parallel_poses, twin_landmarkers
from posecoach.pose.sources import SourceInfo, open_source
from posecoach.pose.tracking import PersonTracker, tracked_estimator
from posecoach.render.overlay import Overlay
from posecoach.render.privacy import blur_face
from posecoach.render.scale import move_record
from posecoach.results.history import record_session
from posecoach.results.reading import load_clip, read_frames
from posecoach.run.concurrency import Prefetch, Preload, Worker
from posecoach.run.interrupt import Interrupted, check_stop, signal_name, signal_of
from posecoach.run.malloc import share_one_heap
from posecoach.run.orientation import OrientationCheck, OrientationWatch, without_mask
from posecoach.run.progress import Progress
from posecoach.run.recognition import ExerciseWatch, Recognised
from posecoach.run.stages import FrameStages, RecordSinks, clip_summary, write_json
from posecoach.types import Frame, FrameMetrics, FrameRecord, Pose

AUTO = "auto"
# `--exercise auto` is recognised on the analysis' own poses of the first minute, about
# three a second (sooner when they are plain, posecoach.run.recognition); with the
# exercise given, only which way up the picture is gets checked, on the first 20 s at
# one a second (posecoach.run.orientation).
RECOGNITION_WINDOW_S = 60.0
RECOGNITION_STEP_S = 0.33
ORIENTATION_SECONDS = 20.0
ORIENTATION_STEP_S = 1.0
# Frames waiting between the reader, the main loop and the writer (each queue), and the
# bytes they may hold (each queue, and the frames in the pose threads): four full-HD
# frames, so the depths bind up to 1080p and larger frames are held fewer at a time.
PIPELINE_DEPTH = 3
PIPELINE_BYTES = 4 * 1920 * 1080 * 3
# Frames are scaled once, when decoded, to at most this longest side: the model looks
# at 1280 px at most (pose.estimation) and the annotated video needs no more. Landmarks
# stay in the picture's own pixels (Frame.source_size); a 4K clip's 26 MB frames are
# then held only while they are resized.
MAX_FRAME_SIDE = 1920


class AnalysisError(Exception):
    """A clip that could not be analysed meaningfully. One line for the user."""


@dataclass(frozen=True)
class AnalysisOptions:
    """What to produce besides frames.csv, landmarks.csv and summary.json.

    video: annotated.mp4 with the live overlay. report: report.html. mot: angles.mot.
    history: record the session in the SQLite history (db_path None = the default file).
    blur_faces: blur the face in every exported image and video.
    """

    model_path: Path | None = None
    exercise: str = AUTO
    progress: bool = True
    video: bool = True
    report: bool = True
    mot: bool = True
    history: bool = True
    db_path: Path | None = None
    client: str | None = None
    blur_faces: bool = False
    adaptive: AdaptiveParams | None = None
    # Pose landmarkers run side by side (posecoach.pose.parallel); None: one per core.
    workers: int | None = None
    # Segmentation masks from every landmarker. False: from the first only (every other
    # frame on two cores), the mask's estimates carried to the frames between
    # (posecoach.measure.silhouette); adaptive runs always ask every landmarker.
    mask_every_frame: bool = False


@dataclass
class ClipResult:
    """What one analysed clip produced."""

    source: Path
    out_dir: Path
    info: SourceInfo
    exercise: str | None = None
    frames: int = 0
    detected: int = 0
    model_frames: int = 0  # frames the pose model ran on (fewer than `frames` if adaptive)
    ended_early: bool = False
    summary: dict[str, Any] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # one line each, for the user

    @property
    def detection_rate(self) -> float:
        return self.detected / self.frames if self.frames else 0.0


@dataclass(frozen=True)
class VideoSettings:
    fps: float
    size: tuple[int, int]


@dataclass(frozen=True)
class _Held:
    """A frame measured while the exercise was not yet known: what its session step and
    overlay need later (the pose without its mask, which only the metrics read)."""

    index: int
    time_s: float
    source_size: tuple[int, int] | None
    pose: Pose | None
    metrics: FrameMetrics


# The clip decoded again as it is analysed (turned, scaled), from its first frame.
Replay = Callable[[], contextlib.AbstractContextManager[Iterable[Frame]]]


class ClipStages:
    """The per-frame stages (run.stages) of one recorded clip, with its sinks in `out_dir`:
    the frame's own time is the session's clock and every record is one video frame.

    With `replay` and no spec, the exercise is still to be recognised
    (posecoach.run.recognition): each frame is measured and its landmarks written as it
    comes, and the rest of its record is held back until `guessed` or `recognised` names
    the exercise; the held frames then go through the session, frames.csv and the overlay
    in order, their pictures decoded again by `replay`. After a guess every frame is
    coached as it comes, its measurements still kept: the decision confirms the guess,
    or frames.csv and the video start over and every frame is coached again."""

    def __init__(
        self,
        out_dir: Path,
        spec: ExerciseSpec | None,
        video: VideoSettings | None = None,
        blur_faces: bool = False,
        replay: Replay | None = None,
    ):
        self.frames = FrameStages(spec)
        self.title = spec.name if spec is not None else None
        self.blur_faces = blur_faces
        self.sinks = RecordSinks(out_dir, video.fps if video is not None else None)
        self.overlay = Overlay(show_fps=False) if video is not None else None
        self.pending = replay is not None and spec is None
        self.recognition: Recognised | None = None
        self.guess: Recognised | None = None
        self._replay = replay
        self._held: list[_Held] = []

    @property
    def undecided(self) -> bool:
        """Frames held back, or coached on a guess: the decision is still to come."""
        return self.pending or self.guess is not None

    def process(self, frame: Frame, pose: Pose | None) -> FrameRecord | None:
        """The frame's record, written; None while it is held back."""
        if self.pending:
            self._hold(frame, pose)
            return None
        if self.guess is None:
            record = self.frames.measure(frame, pose)
        else:  # kept, in case the decision coaches another exercise
            pose, metrics = self.frames.metrics_of(frame, pose)
            self._keep(frame, without_mask(pose), metrics)
            record = self.frames.record(frame, pose, metrics)
        image = self.annotate(frame.image, record) if self.overlay is not None else None
        self.sinks.write(record, image)
        return record

    def _hold(self, frame: Frame, pose: Pose | None) -> None:
        pose, metrics = self.frames.metrics_of(frame, pose)
        pose = without_mask(pose)
        self.sinks.write_landmarks(FrameRecord(frame.index, frame.time_s, pose, metrics))
        self._keep(frame, pose, metrics)

    def _keep(self, frame: Frame, pose: Pose | None, metrics: FrameMetrics) -> None:
        """`pose` without its mask (`_Held`)."""
        self._held.append(_Held(frame.index, frame.time_s, frame.source_size, pose, metrics))

    def guessed(self, guess: Recognised) -> None:
        """Coach the watch's guess from the first held frame on, until `recognised`."""
        if not self.pending or guess.spec is None:
            return
        self.pending, self.guess = False, guess
        self._coach_held(guess.spec, keep=True)

    def recognised(self, decision: Recognised) -> None:
        """Coach the exercise decided (or none) from the first frame on: the held frames,
        or, after a guess that the decision does not confirm, every frame again."""
        guess, self.guess = self.guess, None
        if guess is not None:
            if decision.confirms(guess):
                self.recognition, self._held = decision, []
                return
            self.frames.forget_session()
            self.sinks.start_over()
            self.title, self.pending = None, True
        if not self.pending:
            return
        self.pending, self.recognition = False, decision
        self._coach_held(decision.spec, keep=False)

    def _coach_held(self, spec: ExerciseSpec | None, keep: bool) -> None:
        if spec is not None:
            self.frames.start(spec)
            self.title = spec.name
        held = self._held
        self._held = held if keep else []
        if not held:
            return
        if self.overlay is None:
            for item in held:
                self._write_held(item, None)
            return
        with self._replay() as frames:
            for item, image in zip(held, _pictures_of(held, frames), strict=True):
                self._write_held(item, image)

    def _write_held(self, item: _Held, image: np.ndarray | None) -> None:
        frame = Frame(item.index, item.time_s,
                      image if image is not None else _NO_PICTURE, item.source_size)
        record = self.frames.record(frame, item.pose, item.metrics)
        annotated = self.annotate(image, record) if image is not None else None
        self.sinks.write(record, annotated, landmarks=False)

    def annotate(self, image: np.ndarray, record: FrameRecord) -> np.ndarray:
        """The exported picture of a frame: face blurred if asked, then the overlay. The
        pose is in the picture's pixels; a frame scaled down when decoded moves it along."""
        record = _at_size(record, (image.shape[1], image.shape[0]))
        if self.blur_faces:
            image = blur_face(image, record.pose)
        return self.overlay.annotate(image, record, title=self.title)

    @property
    def files(self) -> list[Path]:
        return self.sinks.files

    def close(self) -> None:
        self.sinks.close()


_NO_PICTURE = np.zeros((1, 1, 3), np.uint8)  # a held frame whose picture did not decode again


def _pictures_of(held: list[_Held], frames: Iterable[Frame]) -> Iterator[np.ndarray | None]:
    """The picture of each held frame, matched by index in the clip decoded again; a
    frame that does not decode again shows the picture before it (the video keeps one
    picture per record), None before the first one."""
    frames = iter(frames)
    frame: Frame | None = None
    picture: np.ndarray | None = None
    ended = False
    for item in held:
        while not ended and (frame is None or frame.index < item.index):
            try:
                frame = next(frames, None)
            except Exception:  # noqa: BLE001 - a file that fails again: the rows still go out
                frame = None
            ended = frame is None
        if frame is not None and frame.index == item.index:
            picture = frame.image
        yield picture


def _at_size(record: FrameRecord, size: tuple[int, int]) -> FrameRecord:
    """`record` drawn on its picture scaled to `size` (the mask, which no annotator
    draws, left out rather than scaled)."""
    if record.pose is None or tuple(record.pose.image_size) == size:
        return record
    unmasked = dataclasses.replace(record, pose=dataclasses.replace(record.pose, mask=None))
    return move_record(unmasked, (0, 0, *size), size)


class Rerun(Exception):
    """The analysis' own checks found the picture turned (rare), or recognised an
    exercise that runs another model than the one loaded: start again, knowing it."""

    def __init__(self, check: OrientationCheck, recognised: Recognised | None = None):
        super().__init__(f"picture turned {check.turn_deg} degrees")
        self.check = check
        self.recognised = recognised


@dataclass
class _Pass:
    """One run over the clip's frames, before the summary."""

    result: ClipResult
    stages: ClipStages
    estimator: PoseEstimator | None
    stopped: KeyboardInterrupt | None


Watch = OrientationWatch | ExerciseWatch


def analyze_clip(
    source_path: Path, out_dir: Path, options: AnalysisOptions = AnalysisOptions()
) -> ClipResult:
    """Analyse every frame of a clip and write the records and summary to out_dir.

    Raises SourceError / ModelError / SpecError / AnalysisError with one-line messages.
    """
    share_one_heap()  # freed frames are reused by every thread (run.malloc)
    # The model the analysis will most likely run loads in a thread while the rest gets
    # ready: start-up. Another model is loaded after all if the exercise names one.
    likely = options.model_path or offline_model_path("full")
    with Preload(lambda: tracked_estimator(likely), PersonTracker.close,
                 name="model-preload") as preload:
        return _analyze_clip(source_path, out_dir, options, (likely, preload))


def _model_for(spec: ExerciseSpec | None, options: AnalysisOptions) -> Path:
    return Path(options.model_path or offline_model_path(
        spec.offline_model if spec else "full"))


def _analyze_clip(
    source_path: Path,
    out_dir: Path,
    options: AnalysisOptions,
    preloaded: tuple[Path, Preload[PersonTracker]],
) -> ClipResult:
    watch: Watch
    if options.exercise == AUTO:  # recognised on the analysis' own poses (run.recognition)
        spec, watch = None, ExerciseWatch(RECOGNITION_WINDOW_S, RECOGNITION_STEP_S)
    else:
        spec = load_exercise(options.exercise)  # a bad id fails first
        watch = OrientationWatch(ORIENTATION_SECONDS, ORIENTATION_STEP_S, spec.id)
    model = _model_for(spec, options)

    def fresh_estimator() -> PersonTracker:
        return tracked_estimator(model)

    if Path(preloaded[0]) == model:
        first_estimator = preloaded[1].take
    else:
        preloaded[1].discard()  # not the model this exercise runs
        first_estimator = fresh_estimator
    recognised: Recognised | None = None
    try:
        run = _run_pass(source_path, out_dir, options, spec, first_estimator, 0, watch, model)
        orientation = None
    except Rerun as again:  # rare: the frames measured so far are measured again
        orientation, recognised = again.check, again.recognised
        if recognised is not None:
            spec = recognised.spec
        model = _model_for(spec, options)
        run = _run_pass(source_path, out_dir, options, spec, fresh_estimator,
                        orientation.turn_deg, None, model)
    result, stages = run.result, run.stages
    if isinstance(watch, ExerciseWatch):
        recognised = recognised or stages.recognition or watch.finish()
        result.exercise = recognised.spec.id if recognised.spec else None
    if orientation is None:  # the watch's check; an interrupted run was not turned
        check = watch.finish()
        check = check.orientation if isinstance(check, Recognised) else check
        orientation = dataclasses.replace(check, turn_deg=0)
    note = orientation.note(source_path.name)
    result.notes += [note] if note else []
    result.summary = clip_summary(stages.frames, _clip_info(result), run.estimator,
                                  recognised.found if recognised else None)
    result.summary["orientation"] = orientation.summary()
    if options.blur_faces:
        result.summary["blur_faces"] = True
    if options.adaptive is not None:
        result.summary["analysis"] = _adaptive_info(result, options.adaptive)
    if run.stopped is not None:
        _stop(result, run.stopped)
    result.files.append(write_json(out_dir / "summary.json", result.summary))
    _check_result(result)
    _write_extras(result, options)
    return result


def _run_pass(
    source_path: Path,
    out_dir: Path,
    options: AnalysisOptions,
    spec: ExerciseSpec | None,
    load_estimator,
    turn_deg: int,
    watch: Watch | None,
    model: Path,
) -> _Pass:
    """Every frame of the clip, turned `turn_deg`, through the model and the stages.
    With `watch`, raises Rerun (everything closed) when its check finds a turn, or when
    the exercise it recognises runs another model than `model`."""

    @contextlib.contextmanager
    def replay():
        with open_source(source_path) as again:
            if turn_deg:
                again.turn(turn_deg)
            again.limit(MAX_FRAME_SIDE)
            yield again

    with open_source(source_path) as source:
        if turn_deg:
            source.turn(turn_deg)
        source.limit(MAX_FRAME_SIDE)
        out_dir.mkdir(parents=True, exist_ok=True)
        result = ClipResult(source_path, out_dir, source.info, spec.id if spec else None)
        video = (VideoSettings(_video_fps(source.info), source.info.frame_size)
                 if options.video else None)
        deferred = isinstance(watch, ExerciseWatch)
        stages = ClipStages(out_dir, spec, video, options.blur_faces,
                            replay if deferred else None)
        estimator = None
        twins: list = []
        progress = Progress(source.info.name, source.info.frame_count, enabled=options.progress)
        stopped: KeyboardInterrupt | None = None
        failed = rerun = False
        try:
            estimator = load_estimator()
            twins = _twin_landmarkers(estimator, options)
            try:
                _analyze_frames(source, estimator, stages, result, progress, options.adaptive,
                                twins, watch, lambda found: _model_for(found, options) != model)
            except KeyboardInterrupt as stop:  # Ctrl-C, SIGTERM, SIGHUP (run.interrupt)
                stopped = stop
            except Rerun:
                rerun = True
                raise
        except BaseException:
            failed = True
            raise
        finally:
            progress.close()
            # The models first: closing the sinks can fail too (a full disk), and a model
            # left open prints a traceback when the interpreter exits.
            for twin in twins:
                twin.close()
            if estimator is not None:
                estimator.close()
            if not rerun:
                release_held(stages, watch, failed)
            stages.close()
        result.ended_early = source.ended_early and stopped is None  # a stop is no truncation
        result.files += stages.files
    return _Pass(result, stages, estimator, stopped)


def release_held(stages: ClipStages, watch: Watch | None, failed: bool) -> None:
    """Frames still held back when the clip was cut off (a truncated file, Ctrl-C, an
    error) before the watch decided: written now, coached as the watch decides on what
    it sampled. After an error a second one here is not raised over the first."""
    if not stages.undecided or not isinstance(watch, ExerciseWatch):
        return
    with contextlib.suppress(Exception) if failed else contextlib.nullcontext():
        stages.recognised(watch.finish())


def _stop(result: ClipResult, stop: KeyboardInterrupt) -> None:
    """An interrupted analysis: summary.json of the frames measured so far, marked
    interrupted (no history row, no report), then Interrupted with one line."""
    signum = signal_of(stop)
    result.summary["interrupted"] = {"signal": signal_name(signum), "frames": result.frames}
    write_json(result.out_dir / "summary.json", result.summary)
    raise Interrupted(
        signum,
        f"{result.source}: interrupted by {signal_name(signum)} after {result.frames} "
        f"frames; what was measured is kept in {result.out_dir} (summary.json marked "
        "interrupted)",
    ) from stop


def _twin_landmarkers(tracker: PersonTracker, options: AnalysisOptions) -> list:
    """Extra landmarkers for parallel inference (all frames, or adaptive's analysed ones),
    each loaded by its own thread when its first frame comes. Without adaptive (whose
    interpolation blends the masks on both sides) and mask_every_frame, they ask for no
    mask: the mask costs the model a fifth more per frame, and the estimates it gives
    change little in a thirtieth of a second."""
    workers = options.workers if options.workers is not None else default_workers()
    masks = options.mask_every_frame or options.adaptive is not None
    return twin_landmarkers(tracker, workers, masks=masks)


def _analyze_frames(
    source: Iterable[Frame],
    estimator: PoseEstimator,
    stages: ClipStages,
    result: ClipResult,
    progress: Progress,
    adaptive: AdaptiveParams | None = None,
    twins: list | None = None,
    watch: Watch | None = None,
    other_model: Callable[[ExerciseSpec], bool] | None = None,
) -> None:
    """Decode ahead in a reader thread, estimate poses here, measure and write in a writer
    thread (metrics, session, CSV, overlay, video): the main thread only runs the model.
    With `twins` (more landmarkers beside the tracker's own), the model runs on several
    frames at once in pose threads (posecoach.pose.parallel), results in frame order.

    See posecoach.run.concurrency: bounded queues, order kept, a worker's exception raised
    here unchanged, and everything measured before an error or Ctrl-C still written.
    With `adaptive`, the model runs on fewer frames while the body is still
    (posecoach.pose.adaptive), dealt out to the landmarkers in turn; the others get
    interpolated poses. With `watch`, the poses also feed the orientation check (and with
    an ExerciseWatch, recognition, whose decision goes to the writer in frame order), and
    Rerun is raised when the picture is turned or `other_model` says the exercise
    recognised runs another model than the one loaded.
    """
    with (
        Prefetch(source, depth=PIPELINE_DEPTH, max_bytes=PIPELINE_BYTES,
                 weigh=_frame_bytes) as frames,
        Worker(_process_with(stages), depth=PIPELINE_DEPTH, max_bytes=PIPELINE_BYTES,
               weigh=_item_bytes) as writer,
    ):
        landmarkers = [estimator.estimator, *twins] if twins else []
        if adaptive is not None and landmarkers:
            poses = adaptive_parallel_poses(frames, landmarkers, estimator.follow, adaptive)
        elif adaptive is not None:
            poses = adaptive_poses(frames, estimator.estimate, adaptive)
        elif landmarkers:
            poses = (
                (frame, pose, True)
                for frame, pose in parallel_poses(frames, landmarkers, estimator.follow,
                                                  max_bytes=PIPELINE_BYTES)
            )
        else:
            poses = ((frame, estimator.estimate(frame), True) for frame in frames)
        for frame, pose, analysed in poses:
            writer.put((frame, pose))
            result.frames += 1
            result.model_frames += analysed
            result.detected += pose is not None
            progress.update()
            check_stop()
            if watch is not None:
                _decided(watch.add(frame.time_s, pose), writer, other_model)
        if watch is not None:
            _decided(watch.finish(), writer, other_model)


def _decided(decision: OrientationCheck | Recognised | None, writer: Worker,
             other_model: Callable[[ExerciseSpec], bool] | None) -> None:
    """Act on a watch's decision: a turn or another model means Rerun; an exercise
    recognised goes to the writer, after the frame that decided it."""
    if decision is None:
        return
    if isinstance(decision, OrientationCheck):
        if decision.turn_deg:
            raise Rerun(decision)
        return
    rerun = decision.orientation.turn_deg or (
        other_model is not None and decision.spec is not None and other_model(decision.spec))
    if decision.guess:  # coached at once unless it would need a rerun
        if not rerun:
            writer.put(decision)
        return
    if rerun:
        raise Rerun(decision.orientation, decision)
    writer.put(decision)


def _frame_bytes(frame: Frame) -> int:
    return frame.image.nbytes


def _item_bytes(item: tuple[Frame, Pose | None] | Recognised) -> int:
    if isinstance(item, Recognised):
        return 0
    frame, pose = item
    mask = pose.mask if pose is not None else None
    return frame.image.nbytes + (mask.nbytes if mask is not None else 0)


def _adaptive_info(result: ClipResult, params: AdaptiveParams) -> dict[str, Any]:
    """How an adaptive run analysed the clip (for summary.json)."""
    return {
        "mode": "adaptive",
        "model_frames": result.model_frames,
        "interpolated_frames": result.frames - result.model_frames,
        "still_speed": params.still_speed,
        "max_stride": params.max_stride,
    }


def _process_with(stages: ClipStages):
    def process(item: tuple[Frame, Pose | None] | Recognised) -> None:
        if isinstance(item, Recognised):
            (stages.guessed if item.guess else stages.recognised)(item)
        else:
            stages.process(*item)

    return process


def _write_extras(result: ClipResult, options: AnalysisOptions) -> None:
    """The .mot export, the history record and the report (which reads the history), from
    one reading of frames.csv."""
    if not (options.mot or options.history or options.report):
        return
    frames = read_frames(result.out_dir / "frames.csv")
    if options.mot:
        mot = write_mot(frames, result.out_dir / "angles.mot", name=result.source.stem)
        result.files.append(mot)
    clip = load_clip(result.out_dir, result.summary, frames)
    if options.history:
        record_session(
            options.db_path, result.summary, result.out_dir, client=options.client,
            clip_path=result.source, results=clip,
        )
    if options.report:
        from posecoach.report import build_report  # its imports wait until a report is due

        result.files.append(
            build_report(
                result.out_dir, blur_faces=options.blur_faces, db_path=options.db_path,
                client=options.client, results=clip,
            )
        )


def _video_fps(info: SourceInfo) -> float:
    # Variable-rate clips are written at their nominal rate; 30 when nothing is known.
    return info.fps if info.fps > 0 else 30.0


def _check_result(result: ClipResult) -> None:
    if result.frames == 0:
        raise AnalysisError(f"{result.source}: no frames could be decoded")
    if result.detected == 0:
        raise AnalysisError(f"{result.source}: no person detected in {result.frames} frames")


def _clip_info(result: ClipResult) -> dict[str, Any]:
    info = result.info
    return {
        "source": str(result.source),
        "frames": result.frames,
        "fps": info.fps,
        "size": list(info.size),
        "frame_size": list(info.frame_size),  # as analysed and in annotated.mp4
        "rotation_deg": info.rotation_deg,
        "turned_deg": info.turned_deg,
        "frames_announced": info.frame_count,
        "ended_early": result.ended_early,
    }
