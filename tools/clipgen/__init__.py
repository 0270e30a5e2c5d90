"""Synthetic ground-truth clips: a parametric human body (anny) posed in the stretches,
rendered side-on (pyrender, OSMesa), with exact per-frame angles from the posed skeleton.

A developer tool (optional dependency group `synth`), not needed by users.
"""
