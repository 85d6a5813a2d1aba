"""Named numbers of the count tables and their fill job (D11)."""

from __future__ import annotations

import datetime as dt

# Handling time histogram (hours, received → closed): the upper edges of the buckets; the last
# bucket is open-ended. p90 is read from this histogram, so these edges are its resolution:
# fine where handling times crowd (the first days), coarse in the long tail.
HANDLING_EDGES_HOURS: tuple[int, ...] = (2, 4, 8, 12, 24, 48, 72, 96, 120, 168, 240, 360, 720)

# Timeline events read per fill transaction. One transaction per batch keeps the checkpoint
# and the counts it stands for in step; a crash loses at most one batch's work, redone next run.
FILL_EVENT_BATCH = 2_000
# Complaints recomputed per transaction by the re-check window and by the rebuild.
FILL_COMPLAINT_BATCH = 2_000

# Event ids are taken when a row is inserted, not when its transaction commits: an event with a
# lower id can become visible after the checkpoint passed it. Each run therefore re-checks the
# complaints of the events of the last RECHECK_WINDOW (recomputing an unchanged complaint writes
# nothing), which covers any transaction shorter than the window.
RECHECK_WINDOW = dt.timedelta(minutes=5)

# How long a run may hold the fill before another worker may take over (a crashed worker's
# claim expires). Every batch renews it.
LEASE = dt.timedelta(minutes=10)

FILL_CURSOR = "counts"
# The checkpoint of the survey answers counted into the satisfaction counts (their ids).
SURVEY_CURSOR = "surveys"
