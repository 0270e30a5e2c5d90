"""Rebuilding the bundled pose model (models/pose_landmarker_full.task) and checking it against
mediapipe's legacy pose pipeline."""
