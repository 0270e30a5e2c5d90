"""`posecoach live`: coach in front of the camera, in a window.

Three threads, so that a slow frame never builds a backlog:
  capture   reads the camera (or a video file paced in real time) into a one-slot
            mailbox; a frame not yet taken is replaced by the next one (dropped)
  worker    takes the newest frame: pose -> metrics -> session (coach.LiveCoach) ->
            overlay -> recording, and posts the newest result
  main      shows the newest result (OpenCV/Qt windows belong to the main thread), reads
            keys, and measures end-to-end latency: capture time to display time

The window can be resized and goes full screen with `f`; the overlay is drawn at the
window's size (the worker fits the picture to it first), so text stays sharp and large.

Keys: space pause, n / p next / previous exercise, s switch side, f full screen, q or Esc
quit.
"""

from __future__ import annotations

import argparse
import math
import os
import queue
import sys
import threading
import time
from array import array
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from posecoach.exercises import SpecError
from posecoach.pose.estimation import MediaPipePoseEstimator, ModelError
from posecoach.pose.sources import MAX_CAMERA_INDEX, CameraSource, SourceError, VideoFileSource
from posecoach.render import Overlay
from posecoach.render.scale import unfit
from posecoach.run.audio import Announcer, Speaker
from posecoach.run.coach import AUTO, LiveCoach
from posecoach.run.latest import Latest
from posecoach.run.stages import RecordSinks, VideoClock, clip_summary, write_json
from posecoach.types import Frame, FrameRecord

WINDOW = "posecoach"
KEY_COMMANDS = {ord(" "): "pause", ord("n"): "next", ord("p"): "previous", ord("s"): "side"}
QUIT_KEYS = {ord("q"), ord("Q"), 27}
FULLSCREEN_KEY = ord("f")
START_HEIGHT = 720  # px: the window opens with the picture scaled to this height
EXIT_OK, EXIT_FAILED = 0, 1


class LiveError(Exception):
    """Live mode cannot go on (no display, camera lost...). One line for the user."""


@dataclass(frozen=True)
class LiveOptions:
    """camera: device index; source: a video file fed as if it were a camera.
    window: False runs everything but the window (benchmarks, headless tests).
    max_seconds: stop after this long (benchmarks)."""

    camera: int = 0
    source: Path | None = None
    exercise: str = AUTO
    mirror: bool = False
    record: Path | None = None
    model: Path | None = None
    window: bool = True
    sound: bool = True
    max_seconds: float | None = None


@dataclass
class Captured:
    frame: Frame
    captured_at: float


@dataclass
class Shown:
    image: np.ndarray
    record: FrameRecord
    captured_at: float


@dataclass
class LoopStats:
    """Display rate and end-to-end latency, updated by the main thread."""

    shown: int = 0
    latencies_s: array = field(default_factory=lambda: array("d"))  # compact: hours of frames
    first_shown: float = math.nan
    last_shown: float = math.nan
    _times: deque = field(default_factory=lambda: deque(maxlen=60))

    def add(self, shown_at: float, captured_at: float) -> None:
        self.shown += 1
        self.first_shown = shown_at if self.shown == 1 else self.first_shown
        self.last_shown = shown_at
        self.latencies_s.append(shown_at - captured_at)
        self._times.append(shown_at)

    @property
    def fps(self) -> float | None:
        if len(self._times) < 2 or self._times[-1] <= self._times[0]:
            return None
        return (len(self._times) - 1) / (self._times[-1] - self._times[0])

    @property
    def mean_fps(self) -> float:
        """Results shown per second from the first to the last (start-up excluded)."""
        span = self.last_shown - self.first_shown
        return (self.shown - 1) / span if self.shown > 1 and span > 0 else math.nan

    @property
    def latency_ms(self) -> float | None:
        return self.latencies_s[-1] * 1000.0 if self.latencies_s else None


@dataclass
class LiveResult:
    summary: dict[str, Any] | None
    stats: LoopStats
    captured: int
    processed: int
    dropped: int
    files: list[Path]
    wall_s: float

    def latency_percentile_ms(self, q: float) -> float:
        if not self.stats.latencies_s:
            return math.nan
        return float(np.percentile(self.stats.latencies_s, q) * 1000.0)


# ---------------------------------------------------------------------- set-up checks


def check_display() -> None:
    """Fail with one line when no window can be opened (Qt would abort the process)."""
    if not sys.platform.startswith("linux") or os.environ.get("WAYLAND_DISPLAY"):
        return
    display = os.environ.get("DISPLAY", "")
    if not display:
        raise LiveError("no display: live mode opens a window and $DISPLAY is not set "
                        "(use `posecoach analyze` for recorded clips)")
    if display.startswith(":"):
        number = display[1:].split(".")[0]
        if not Path(f"/tmp/.X11-unix/X{number}").exists():
            raise LiveError(f"cannot open display {display}: no X server is running there")


def open_source(options: LiveOptions) -> CameraSource | VideoFileSource:
    if options.source is not None:
        return VideoFileSource(options.source)
    return CameraSource(options.camera)


def warm_up(estimator, size: tuple[int, int]) -> None:
    """One inference on a blank frame before any thread or window starts: the model's
    first run initialises its native runtime, slow enough (up to seconds) to spoil the
    first frames' latency and pacing."""
    width, height = size if size[0] > 0 and size[1] > 0 else (640, 480)
    estimator.estimate(Frame(-1, 0.0, np.zeros((height, width, 3), np.uint8)))


# ---------------------------------------------------------------------- threads


def capture_loop(source, inbox: Latest[Captured], stop: threading.Event, paced: bool,
                 clock=time.monotonic) -> None:
    """Feed frames into `inbox`. A file is paced to its timestamps, as a camera would be."""
    start = None
    try:
        for frame in source:
            if stop.is_set():
                break
            if paced:
                now = clock()
                start = now - frame.time_s if start is None else start
                if stop.wait(max(0.0, start + frame.time_s - now)):
                    break
            inbox.put(Captured(frame, clock()))
    finally:
        inbox.close()


class Worker:
    """The worker thread's job: newest frame in, annotated result out."""

    def __init__(self, coach: LiveCoach, overlay: Overlay, recorder: RecordSinks | None,
                 announcer: Announcer, stats: LoopStats):
        self.coach, self.overlay, self.recorder = coach, overlay, recorder
        self.announcer, self.stats = announcer, stats
        self.commands: queue.Queue[str] = queue.Queue()
        self.processed = 0
        self.error: BaseException | None = None
        self._announced = None
        # (width, height) the window shows the picture at, set by the main thread; the
        # overlay is drawn at that size. None: at the frame's own size.
        self.display_size: tuple[int, int] | None = None

    def run(self, inbox: Latest[Captured], outbox: Latest[Shown], stop: threading.Event):
        try:
            while not stop.is_set():
                item = inbox.get(timeout=0.1)
                if item is None:
                    if inbox.finished:
                        break
                    continue
                outbox.put(self.step(item))
        except BaseException as error:  # reported by the main thread, after clean-up
            self.error = error
        finally:
            outbox.close()

    def step(self, item: Captured) -> Shown:
        self._apply_commands(item.frame.time_s)
        record = self.coach.process(item.frame)
        if record.state is not None and record.state is not self._announced:
            self.announcer.update(record.state)
            self._announced = record.state
        frame = item.frame.image
        image = self.overlay.annotate(
            frame, record, self.stats.fps, latency_ms=self.stats.latency_ms,
            title=self.coach.title, notice=self.coach.notice, size=self.display_size,
        )
        if self.recorder is not None:  # recorded at the camera's size, whatever the window
            self.recorder.write(record, unfit(image, (frame.shape[1], frame.shape[0])))
        self.processed += 1
        return Shown(image, record, item.captured_at)

    def _apply_commands(self, time_s: float) -> None:
        while True:
            try:
                command = self.commands.get_nowait()
            except queue.Empty:
                return
            if command == "pause":
                self.coach.toggle_pause(time_s)
            elif command in ("next", "previous"):
                self.coach.select_exercise(1 if command == "next" else -1)
            elif command == "side":
                self.coach.switch_side()


# ---------------------------------------------------------------------- main thread


class Display:
    """The window, or nothing (window=False)."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._opened = False

    def open(self, size: tuple[int, int]) -> None:
        """Create the window (with a placeholder) before any worker thread starts: Qt's
        start-up racing the model's threads left the window black now and then."""
        if not self.enabled:
            return
        # Resizable. Free ratio: the worker draws at the window's whole size (the picture
        # fitted inside, shape kept, black bars), so nothing is stretched or scaled here.
        cv2.namedWindow(WINDOW, cv2.WINDOW_NORMAL | cv2.WINDOW_FREERATIO | cv2.WINDOW_GUI_NORMAL)
        self._opened = True
        width, height = size if size[0] > 0 and size[1] > 0 else (640, 480)
        start = (round(width * START_HEIGHT / height), START_HEIGHT)
        cv2.resizeWindow(WINDOW, *start)
        cv2.imshow(WINDOW, np.zeros((start[1], start[0], 3), np.uint8))
        cv2.waitKey(1)

    def size(self) -> tuple[int, int] | None:
        """(width, height) of the window's picture area, or None (no window)."""
        if not (self.enabled and self._opened):
            return None
        _, _, w, h = cv2.getWindowImageRect(WINDOW)
        return (w, h) if w > 0 and h > 0 else None

    def toggle_fullscreen(self) -> None:
        if not (self.enabled and self._opened):
            return
        full = cv2.getWindowProperty(WINDOW, cv2.WND_PROP_FULLSCREEN) == cv2.WINDOW_FULLSCREEN
        cv2.setWindowProperty(WINDOW, cv2.WND_PROP_FULLSCREEN,
                              cv2.WINDOW_NORMAL if full else cv2.WINDOW_FULLSCREEN)

    def show(self, image: np.ndarray) -> None:
        if self.enabled:
            cv2.imshow(WINDOW, image)

    def key(self) -> int | None:
        """The key pressed (or None); 'q' when the window was closed."""
        if not self.enabled:
            return None
        code = cv2.waitKey(1)
        if self._opened and cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) < 1:
            return ord("q")
        return None if code < 0 else code & 0xFF

    def close(self) -> None:
        if self.enabled and self._opened:
            cv2.destroyWindow(WINDOW)
            cv2.waitKey(1)


def display_loop(outbox: Latest[Shown], worker: Worker, display: Display, stats: LoopStats,
                 options: LiveOptions, clock=time.monotonic) -> str:
    """Show results until the stream ends or the user quits; returns why it stopped."""
    start = clock()
    while True:
        shown = outbox.get(timeout=0.01 if display.enabled else 0.1)
        if shown is not None:
            display.show(shown.image)
            stats.add(clock(), shown.captured_at)
        key = display.key()
        if key in QUIT_KEYS:
            return "quit"
        if key == FULLSCREEN_KEY:
            display.toggle_fullscreen()
        worker.display_size = display.size()
        if key in KEY_COMMANDS:
            worker.commands.put(KEY_COMMANDS[key])
        if shown is None and outbox.finished:
            return "ended"
        if options.max_seconds is not None and clock() - start >= options.max_seconds:
            return "time"


def run_live(options: LiveOptions, warn=None) -> LiveResult:
    """Run a live session until q/Esc, the end of --source, or max_seconds.

    Raises LiveError / SourceError / ModelError / SpecError with one-line messages;
    whatever was recorded until then is closed properly and kept.
    """
    if options.window:
        check_display()
    warn = warn if warn is not None else _warn
    began = time.monotonic()
    with open_source(options) as source, MediaPipePoseEstimator(options.model) as estimator:
        warm_up(estimator, source.info.size)
        coach = LiveCoach(estimator, options.exercise)
        recorder = _recorder(options, source.info.fps, warn)
        stats = LoopStats()
        worker = Worker(coach, Overlay(mirror=options.mirror), recorder,
                        Announcer(Speaker(options.sound, warn)), stats)
        inbox, outbox = Latest[Captured](), Latest[Shown]()
        stop = threading.Event()
        threads = [
            threading.Thread(target=capture_loop, name="capture", daemon=True,
                             args=(source, inbox, stop, options.source is not None)),
            threading.Thread(target=worker.run, name="worker", daemon=True,
                             args=(inbox, outbox, stop)),
        ]
        display = Display(options.window)
        files: list[Path] = []
        try:
            display.open(source.info.size)
            for thread in threads:
                thread.start()
            display_loop(outbox, worker, display, stats, options)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=10)
            display.close()
            summary = _summary(coach, source, estimator, worker.processed)
            if recorder is not None:
                files = recorder.close()
                if summary is not None:
                    files.append(write_json(recorder.out_dir / "summary.json", summary))
        _raise_problems(worker, source, options)
    return LiveResult(summary, stats, inbox.put_count, worker.processed, inbox.dropped, files,
                      time.monotonic() - began)


def _raise_problems(worker: Worker, source, options: LiveOptions) -> None:
    if worker.error is not None:
        raise worker.error
    kept = f"; what was recorded is in {options.record}" if options.record else ""
    if getattr(source, "disconnected", False):
        raise LiveError(f"{source.info.name} disconnected{kept}")


def _recorder(options: LiveOptions, fps: float, warn) -> RecordSinks | None:
    """`--record DIR`: the offline analysis's files, the video on a fixed clock (the model
    skips camera frames when it is slower than the camera)."""
    if not options.record:
        return None
    return RecordSinks(options.record, fps, VideoClock.FIXED, preset="ultrafast", warn=warn)


def _summary(coach: LiveCoach, source, estimator, processed: int) -> dict[str, Any] | None:
    info = source.info
    clip = {"source": info.name, "frames": processed, "fps": info.fps, "size": list(info.size),
            "live": True}
    summary = clip_summary(coach.stages, clip, estimator)
    if coach.earlier:
        summary["earlier_sessions"] = coach.earlier
    return summary


# ---------------------------------------------------------------------- command line


def summary_lines(summary: dict[str, Any] | None) -> list[str]:
    """A few human lines about the session (printed at the end)."""
    if not summary or not summary.get("exercise"):
        return ["No exercise session ran (none chosen or recognised)."]
    lines = [f"{summary.get('name', summary['exercise'])}:"]
    target = summary.get("protocol", {}).get("reps_per_side")
    for side, block in summary.get("sides", {}).items():
        label = {"L": "left leg", "R": "right leg"}.get(side, "both sides")
        good = block.get("good_s")
        if block.get("done") is False or good is None or block.get("holds") == []:
            lines.append(f"  {label}: not done")
            continue
        lines.append(f"  {label}: {block.get('holds_complete', 0)} of {target} holds complete, "
                     f"{good:.0f} s in good form")
    return lines


def cmd_live(args: argparse.Namespace) -> int:
    options = LiveOptions(
        camera=args.camera, source=args.source, exercise=args.exercise, mirror=args.mirror,
        record=args.record, model=args.model, sound=not args.no_sound,
    )
    try:
        result = run_live(options)
    except (LiveError, SourceError, ModelError, SpecError) as error:
        _error(str(error))
        return EXIT_FAILED
    except OSError as error:
        _error(f"{error.strerror or error} ({error.filename or options.record})")
        return EXIT_FAILED
    for line in summary_lines(result.summary):
        print(line)
    if result.files:
        print(f"recorded in {options.record}")
    return EXIT_OK


def camera_index(text: str) -> int:
    """--camera: a whole number from 0 to MAX_CAMERA_INDEX (argparse type)."""
    try:
        value = int(text)
    except ValueError:  # not a number, or more digits than Python converts
        value = -1
    if not 0 <= value <= MAX_CAMERA_INDEX:
        shown = text if len(text) <= 30 else text[:27] + "..."
        raise argparse.ArgumentTypeError(
            f"expected a camera index from 0 to {MAX_CAMERA_INDEX}, got {shown!r}")
    return value


def add_live_command(commands) -> None:
    """Register `posecoach live` on the CLI's subparsers."""
    live = commands.add_parser(
        "live",
        help="live coaching in a window, from a webcam (or a clip played as a camera)",
        description="Coach a stretch live. Keys: space pause, n/p next/previous exercise, "
        "s switch side, f full screen, q or Esc quit.",
    )
    live.add_argument("--camera", type=camera_index, default=0, metavar="N",
                      help=f"camera index, 0 to {MAX_CAMERA_INDEX} (default 0)")
    live.add_argument("--exercise", default=AUTO, metavar="ID|auto",
                      help="exercise id from `posecoach exercises`, a .toml file, or auto")
    live.add_argument("--mirror", action="store_true", help="selfie view (text stays readable)")
    live.add_argument("--record", type=Path, default=None, metavar="DIR",
                      help="write annotated.mp4, frames.csv, landmarks.csv and summary.json")
    live.add_argument("--source", type=Path, default=None, metavar="VIDEO",
                      help="play a video file as if it were the camera (real-time pace)")
    live.add_argument("--model", type=Path, default=None, metavar="PATH",
                      help="pose landmarker .task bundle (default: the bundled model)")
    live.add_argument("--no-sound", action="store_true", help="no tones or spoken cues")
    live.set_defaults(handler=cmd_live)


def _error(message: str) -> None:
    print(f"posecoach: error: {message}", file=sys.stderr)


def _warn(message: str) -> None:
    print(f"posecoach: warning: {message}", file=sys.stderr)
