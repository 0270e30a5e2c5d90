"""Exercise definitions (content/*.toml) and the session engine that coaches them.

spec       load and validate exercise files into frozen dataclasses
rules      form rules with hysteresis over FrameMetrics
cues       which cues are on screen (delay, minimum display time, priorities)
session    the per-frame state machine and the session log
recognize  guess which exercise a recording shows
describe   the protocol in words

Nothing here reads a clock, draws, or imports mediapipe: time comes from FrameMetrics.
"""
