"""Fitting the metric calibration (posecoach/measure/calibration.py) on the ground-truth clips."""
