"""Per-frame outputs written as the frames stream through: CSV sinks, the annotated video
writer, and the OpenSim motion file."""
