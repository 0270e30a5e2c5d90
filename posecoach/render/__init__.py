"""Annotators: everything that draws. Each has `annotate(image, data) -> image`, takes its
style in __init__, draws in place on the image it is given and returns it; none of them
measures or decides anything about the exercise.

skeleton   the pose, working leg highlighted
angle      hip angle arc between the trunk line and the thigh, with its value
timer      hold timer ring; get-ready / rest / switch-sides countdown
counters   side and repetition counters
banner     cue banner by severity, set-up guidance and notices, safety note
fps        frame-rate and latency readout
mirror     selfie view: flip picture and pose before drawing
overlay    all of the above composed: Overlay(...).annotate(image, record, fps)
"""

from posecoach.render.overlay import Overlay

__all__ = ["Overlay"]
