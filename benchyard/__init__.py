"""The bench's yardstick: a bare Django page, reachable only under `benchyard.settings`.

`make bench` compares the thread list with it: 30 rows of one table with one join,
rendered by a minimal template, through the same middleware. Production settings never
install this app or mount its URL.
"""
