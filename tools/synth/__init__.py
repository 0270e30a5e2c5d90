"""Synthetic ground truth for posecoach.

`groundtruth` is the pure-numpy maths that turns a posed 3D skeleton (joint centres plus the
pelvis and lumbar bone orientations) into the measured angles (posecoach/registry.py). It
needs no torch, anny or pyrender; tests/tools/test_synth_groundtruth.py checks it against the
clip generator's own implementation (tools/clipgen/groundtruth.py).

`gtclips` loads the ground-truth sample clips and caches their raw poses, for
tools/calibrate/calibrate_metrics.py and tools/bench/bench_accuracy.py. `check_clips` reviews
rendered clips against their CSV contract.
"""
