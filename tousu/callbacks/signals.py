"""What the callbacks app tells the domains above it, after commit (the repair programme listens:
it may not be imported from here, ARCHITECTURE layers)."""

from django.dispatch import Signal

# Sent after the commit that recorded a callback result: `task` (a CallbackTask, done).
callback_recorded = Signal()
# Sent after the commit of a survey import: `batch` (the file's SHA-256), `count` (rows added).
surveys_imported = Signal()
