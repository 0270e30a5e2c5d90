"""Command-line front end: parses arguments, calls the pipeline, turns errors into one line.

Exit codes: 0 success; 1 an input could not be analysed (bad file, no person, ...);
2 the command line itself is wrong (argparse's convention).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from posecoach import __version__
from posecoach.cli.tables import exercises_table, side_results
from posecoach.exercises import describe, load_all
from posecoach.pose.adaptive import AdaptiveParams
from posecoach.pose.quiet import route_native_stderr_away
from posecoach.pose.sources import IMAGE_SUFFIXES, folder_files
from posecoach.results.history import add_history_commands
from posecoach.run.batch_ray import parse_executor
from posecoach.run.interrupt import Interrupted, exit_code, stop_on_signals
from posecoach.run.live import add_live_command
from posecoach.run.offline import AnalysisOptions, analyze_clip

VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm")
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

# The errors that are the user's to fix, printed as one line: (module, class).
_USER_ERRORS = (
    ("posecoach.pose.sources", "SourceError"),
    ("posecoach.pose.estimation", "ModelError"),
    ("posecoach.run.offline", "AnalysisError"),
    ("posecoach.exercises.spec", "SpecError"),
    ("posecoach.results.history", "HistoryError"),
    ("posecoach.results.reading", "ResultsError"),
    ("posecoach.outputs.mot", "ExportError"),
    ("posecoach.outputs.video_writer", "VideoWriterError"),
    ("posecoach.run.batch", "BatchError"),
    ("posecoach.run.batch_ray", "ExecutorError"),
)


def user_errors() -> tuple[type[Exception], ...]:
    """The user-error classes of the modules imported so far: a module that was never
    imported raised nothing, and a command imports only what it needs (start-up)."""
    return tuple(
        getattr(sys.modules[module], name) for module, name in _USER_ERRORS
        if module in sys.modules
    )


ENVIRONMENT_HELP = """\
environment:
  POSECOACH_DB       history database (default: $XDG_DATA_HOME/posecoach/history.sqlite,
                     XDG_DATA_HOME defaulting to ~/.local/share); --db takes precedence
  POSECOACH_CONTENT  folder of exercise .toml files used instead of the bundled ones
  POSECOACH_MODEL    pose model .task file used instead of the bundled one; --model
                     takes precedence
  POSECOACH_DEBUG    any value: keep the native libraries' messages on stderr
A variable that names a missing file or folder is an error, never ignored."""


def _error(message: str) -> None:
    print(f"posecoach: error: {message}", file=sys.stderr)


def expand_inputs(inputs: Sequence[Path]) -> tuple[list[Path], dict[Path, int]]:
    """Video paths from the arguments: files as given, folders expanded to their videos;
    and per folder how many hidden files (dot files, `._name` resource forks) were skipped.

    A folder of images with no videos is itself one input (an image-sequence clip).
    """
    paths: list[Path] = []
    skipped: dict[Path, int] = {}
    for item in inputs:
        if item.is_dir():
            videos, hidden = folder_files(item, VIDEO_SUFFIXES)
            images, hidden_images = folder_files(item, IMAGE_SUFFIXES)
            paths.extend(videos if videos or not images else [item])
            if hidden + hidden_images:
                skipped[item] = hidden + hidden_images
        else:
            paths.append(item)
    return paths, skipped


MAX_WORKERS = 64  # more pose models than this only fill the memory


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:  # not a number, or more digits than Python converts
        value = 0
    if not 1 <= value <= MAX_WORKERS:
        shown = text if len(text) <= 30 else text[:27] + "..."
        raise argparse.ArgumentTypeError(
            f"expected a whole number of at least 1 and at most {MAX_WORKERS}, got {shown!r}"
        )
    return value


def _clip_out_dir(out: Path, clip: Path, several: bool) -> Path:
    return out / clip.stem if several else out


def cmd_analyze(args: argparse.Namespace) -> int:
    clips, skipped = expand_inputs(args.videos)
    for folder, count in skipped.items():
        print(f"posecoach: skipped {count} hidden file{'s' * (count != 1)} (dot files, "
              f"._ resource forks) in {folder}", file=sys.stderr)
    if not clips:
        _error("no video files found in " + ", ".join(str(v) for v in args.videos))
        return EXIT_FAILED
    several = len(clips) > 1 or any(v.is_dir() for v in args.videos)
    options = AnalysisOptions(
        model_path=args.model,
        exercise=args.exercise,
        progress=not args.quiet,
        video=not args.no_video,
        report=not args.no_report,
        history=not args.no_history,
        db_path=args.db,
        client=args.client,
        blur_faces=args.blur_faces,
        adaptive=AdaptiveParams() if args.adaptive else None,
        workers=args.workers,
        mask_every_frame=args.mask_every_frame,
    )
    if args.executor.kind == "ray":
        from posecoach.run.batch import run_batch

        failed = run_batch(clips, args.out, options, args.executor, force=args.force)
        return EXIT_FAILED if failed else EXIT_OK
    failed = 0
    for clip in clips:
        try:
            result = analyze_clip(clip, _clip_out_dir(args.out, clip, several), options)
        except user_errors() as error:
            _error(str(error))
            failed += 1
            continue
        except OSError as error:
            _error(f"{clip}: {error.strerror or error} ({error.filename or args.out})")
            failed += 1
            continue
        for note in result.notes:
            print(f"posecoach: {note}", file=sys.stderr)
        print(_clip_line(clip, result))
    if failed and several:
        _error(f"{failed} of {len(clips)} clips failed")
    return EXIT_FAILED if failed else EXIT_OK


def _clip_line(clip: Path, result) -> str:
    note = " (clip ended early: truncated?)" if result.ended_early else ""
    exercise = result.exercise or "no exercise recognised"
    found = side_results(result.summary)
    return (
        f"{clip}: {exercise}" + (f", {found}" if found else "")
        + f" ({result.frames} frames, person in {result.detection_rate:.0%}); "
        f"results in {result.out_dir}{note}"
    )


def cmd_exercises(args: argparse.Namespace) -> int:
    specs = load_all()
    if args.id:
        if args.id not in specs:
            _error(f"unknown exercise '{args.id}' (known: {', '.join(sorted(specs))})")
            return EXIT_FAILED
        print(describe(specs[args.id]))
        return EXIT_OK
    print(exercises_table(specs.values()))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="posecoach",
        description="Camera-based coach for psoas and hip-flexor stretches.",
        epilog=ENVIRONMENT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"posecoach {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    analyze = commands.add_parser(
        "analyze",
        help="analyse recorded clips: per-frame landmarks and metrics, summary",
        description="Analyse one or more recorded clips (files or folders of clips).",
    )
    analyze.add_argument(
        "videos", nargs="+", type=Path, metavar="VIDEO",
        help="video files, folders of videos, or a folder of images (one clip)",
    )
    analyze.add_argument(
        "--out", type=Path, required=True, metavar="DIR",
        help="output folder (with several clips, one subfolder per clip)",
    )
    analyze.add_argument(
        "--model", type=Path, default=None, metavar="PATH",
        help="pose landmarker .task bundle (default: the bundled BlazePose full model)",
    )
    analyze.add_argument(
        "--exercise", default="auto", metavar="ID|auto",
        help="exercise id from `posecoach exercises`, a .toml file, or auto (default)",
    )
    analyze.add_argument("--client", metavar="NAME", help="client name for the history")
    analyze.add_argument(
        "--db", type=Path, metavar="PATH",
        help="history database (default: $POSECOACH_DB or ~/.local/share/posecoach/)",
    )
    analyze.add_argument(
        "--blur-faces", action="store_true", help="blur faces in every exported image and video"
    )
    analyze.add_argument("--no-video", action="store_true", help="skip annotated.mp4")
    analyze.add_argument("--no-report", action="store_true", help="skip report.html")
    analyze.add_argument(
        "--no-history", action="store_true", help="do not record the session in the history"
    )
    analyze.add_argument(
        "--adaptive", action="store_true",
        help="faster: while the body is still run the pose model on every 2nd-4th frame "
        "and interpolate between (every frame again as soon as it moves)",
    )
    analyze.add_argument(
        "--workers", type=_positive_int, metavar="N",
        help="pose models run side by side (default: one per CPU core, at most 4)",
    )
    analyze.add_argument(
        "--mask-every-frame", action="store_true",
        help="read the body outline (pelvis estimates, thigh) on every frame; by default "
        "only the first of the side-by-side pose models reads it and the frames between "
        "reuse it (faster)",
    )
    analyze.add_argument(
        "--executor", type=parse_executor, default=parse_executor("in-process"),
        metavar="in-process|ray[=ADDRESS]",
        help="ray: one Ray task per clip on a local Ray cluster, or on the cluster at "
        "ADDRESS; resumable, with DIR/batch.json and DIR/index.html (needs the cluster "
        "extra; default: in-process)",
    )
    analyze.add_argument(
        "--force", action="store_true",
        help="with --executor ray: analyse again clips whose results are already complete",
    )
    analyze.add_argument("--quiet", action="store_true", help="no progress bar")
    analyze.set_defaults(handler=cmd_analyze)
    exercises = commands.add_parser(
        "exercises", help="the exercises: an overview table, or one in words",
        description="Without ID: one line per exercise (sides, hold, reps). "
        "With ID: its protocol, form cues and safety notes in words.",
    )
    exercises.add_argument(
        "id", nargs="?", metavar="ID", help="describe this exercise (an id from the table)"
    )
    exercises.set_defaults(handler=cmd_exercises)
    add_history_commands(commands)
    add_live_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    route_native_stderr_away()
    try:
        with stop_on_signals():  # SIGTERM and SIGHUP stop like Ctrl-C
            return args.handler(args)
    except user_errors() as error:
        _error(str(error))
        return EXIT_FAILED
    except KeyboardInterrupt as stop:
        kept = "interrupted; results written so far are kept"
        _error(str(stop) if isinstance(stop, Interrupted) else kept)
        return exit_code(stop)
    except BrokenPipeError:
        # Output piped into `head` or similar, which stopped reading: not an error.
        sys.stderr.close()
        return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
