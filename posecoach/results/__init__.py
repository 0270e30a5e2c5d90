"""What an analysis produced, as data: the summary document, reading an output folder
back, and the SQLite history of sessions."""
