"""Exercise definitions (content/*.toml) and the session engine that coaches them.

spec       load and validate exercise files into frozen dataclasses
rules      form rules with hysteresis over FrameMetrics
cues       which cues are on screen (delay, minimum display time, priorities)
session    the per-frame state machine and the session log
recognize  guess which exercise a recording shows
describe   the protocol in words

Nothing here reads a clock, draws, or imports mediapipe: time comes from FrameMetrics.
"""

from posecoach.exercises.describe import describe
from posecoach.exercises.recognize import Recognition, recognize
from posecoach.exercises.session import Session
from posecoach.exercises.spec import ExerciseSpec, SpecError, load_all, load_exercise
from posecoach.types import Phase, SessionState, Severity

__all__ = [
    "Phase",
    "Severity",
    "ExerciseSpec",
    "Recognition",
    "Session",
    "SessionState",
    "SpecError",
    "describe",
    "load_all",
    "load_exercise",
    "recognize",
]
