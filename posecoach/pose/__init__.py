"""Stage 1, frames to poses: video and camera sources, the pose model (the only module that
imports mediapipe), the person tracker, parallel and adaptive inference."""
