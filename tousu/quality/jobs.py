"""The quality app's jobs (registered in `tousu.config.jobs`), idempotent (D6).

Inspection
- `sample`: each active sampling plan draws its last complete period once (the period's
  SamplingRun row claims it) and tops up the mandatory kinds of the periods before; a
  complaint is sampled once per plan (a constraint), so a second run creates nothing.
"""

from __future__ import annotations

from tousu.quality import services
from tousu.quality.models import SamplingPlan


def sample() -> dict[str, int]:
    totals = {"plans": 0, "drawn": 0, "mandatory_late": 0}
    for plan in SamplingPlan.objects.filter(active=True).order_by("pk"):
        counts = services.plan_sample(plan=plan)
        totals["plans"] += 1
        totals["drawn"] += counts["drawn"]
        totals["mandatory_late"] += counts["mandatory_late"]
    return totals
