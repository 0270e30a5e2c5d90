"""Stage 2, poses to numbers: joint geometry, the fitted calibration, per-frame metrics
(`frame`), the silhouette estimates (pelvis, thigh outline, mask edges), working side,
camera view, smoothing, and the per-stream tracker that ties them together (`stream`)."""
