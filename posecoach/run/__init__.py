"""The loops that wire the stages: offline analysis of clips, live coaching, and the
threads, queues and progress display they share."""
