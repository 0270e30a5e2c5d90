"""Synthetic ground truth for posecoach.

`groundtruth` is the pure-numpy maths that turns a posed 3D skeleton (joint centres plus the
pelvis and lumbar bone orientations) into the angles of DOMAIN.md. It needs no torch, anny or
pyrender, so tests and any clip generator can share one definition of every sign.
"""
