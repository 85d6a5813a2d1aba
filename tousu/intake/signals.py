"""What intake tells the domains above it, after commit (early warning listens: it may not be
imported from here, ARCHITECTURE layers)."""

from django.dispatch import Signal

# Sent after the commit that registered a complaint: `complaint` (the Complaint as registered).
complaint_registered = Signal()
