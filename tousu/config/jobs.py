"""The one registry of background jobs and their schedules (D5).

A job is a plain function, named `<app>.<job>` and found by dotted path, that takes no
arguments and returns a short summary (counts). Jobs are idempotent (D6): running one twice, or
on two workers at once, does nothing twice.

How they run is decided here and nowhere else:
- `run(name)` runs a job once in this process (`tousu jobs run NAME`, tests);
- `enqueue(name)` asks for a run soon — a Celery task when TOUSU_BROKER_URL is set, otherwise
  the in-process runner started by `tousu serve`; callers use it from `transaction.on_commit`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any


@dataclass(frozen=True)
class Job:
    name: str
    path: str  # "tousu.sla.jobs.breach_scan"
    every: dt.timedelta | None  # None: runs only when enqueued
    help: str
    # Seconds an enqueued run waits in the in-process runner for more of its kind to join it
    # (they are coalesced): one run then handles what a burst asked for.
    gather: float = 0.0

    def function(self) -> Callable[[], Any]:
        module, _, attr = self.path.rpartition(".")
        func: Callable[[], Any] = getattr(import_module(module), attr)
        return func


JOBS: dict[str, Job] = {}


def register(
    name: str, path: str, every: dt.timedelta | None, help: str, gather: float = 0.0
) -> None:
    JOBS[name] = Job(name, path, every, help, gather)


def get(name: str) -> Job:
    try:
        return JOBS[name]
    except KeyError:
        raise KeyError(f"unknown job {name!r}; known: {', '.join(sorted(JOBS))}") from None


def run(name: str) -> Any:
    """Run a job once, here and now."""
    return get(name).function()()


def enqueue(name: str) -> None:
    """Ask for a run of `name` soon, outside the current request or transaction."""
    from tousu.config import runner

    runner.enqueue(get(name))


MINUTE = dt.timedelta(minutes=1)

# The schedule. Each app's jobs live in its jobs.py; their names and periods are here so that
# one look shows everything that runs in the background.
register(
    "notifications.deliver",
    "tousu.notifications.jobs.deliver",
    every=MINUTE,
    help="send pending e-mails and webhooks (retries with back-off)",
)
register(
    "messages.send",
    "tousu.messages.jobs.send",
    every=MINUTE,
    help="send queued messages to customers (SMS, e-mail, WeChat), once each, with retries",
    # Asked for by every registration (its acknowledgement): under a stream of them, one run
    # a quarter of a second sends them all, instead of one run each (issue 19) — a delay the
    # customer does not notice.
    gather=0.25,
)
register(
    "messages.abandoned",
    "tousu.messages.jobs.abandoned_fail",
    every=5 * MINUTE,
    help="give up messages left sending past their lease (never sent twice)",
)
register(
    "intake.mail_fetch",
    "tousu.intake.jobs.mail_fetch",
    every=MINUTE,
    help="read the complaints mailbox (IMAP): new mails registered, replies threaded",
)
register(
    "intake.sms_read",
    "tousu.intake.jobs.sms_read",
    every=MINUTE,
    help="read the SMS centre (SMPP): delivery receipts recorded; customers' SMS registered, "
    "threaded or recorded, long ones once all their parts are there",
)
register(
    "sla.remind",
    "tousu.sla.jobs.remind",
    every=MINUTE,
    help="remind handlers of complaints due within two hours (once per complaint)",
)
register(
    "sla.first_response_scan",
    "tousu.sla.jobs.first_response_scan",
    every=MINUTE,
    help="alert supervisors of complaints not accepted within the first-response limit",
)
register(
    "sla.breach_scan",
    "tousu.sla.jobs.breach_scan",
    every=MINUTE,
    help="escalate overdue complaints up the ladder, each step exactly once",
)
register(
    "sla.clock_scan",
    "tousu.sla.jobs.clock_scan",
    every=MINUTE,
    help="remind and escalate the regulator's deadlines of referrals, once per clock",
)
register(
    "callbacks.chase",
    "tousu.callbacks.jobs.chase",
    every=MINUTE,
    help="remind the callback team of callbacks due soon; tell its supervisors of overdue ones",
)
register(
    "analytics.fill",
    "tousu.analytics.jobs.fill",
    every=MINUTE,
    help="bring the analytics count tables up to date with changed complaints (resumable)",
)
register(
    "resolution.approval_escalate",
    "tousu.resolution.jobs.approval_escalate",
    every=MINUTE,
    help="pass approvals past their time limit to the next role of the chain (once per step)",
)
register(
    "complaints.seal",
    "tousu.complaints.jobs.seal",
    every=10 * MINUTE,
    help="seal the timeline heads that moved and the audit log's head (keyed, chained)",
)
register(
    "complaints.archive",
    "tousu.complaints.jobs.archive",
    every=dt.timedelta(hours=1),
    help="archive complaints closed for TOUSU_ARCHIVE_DAYS: read-only, still listed and counted",
)
register(
    "complaints.retention",
    "tousu.complaints.jobs.retention",
    every=dt.timedelta(days=1),
    help="anonymise customers whose last complaint closed TOUSU_RETENTION_DAYS ago (audited)",
)
register(
    "intake.retention",
    "tousu.intake.jobs.retention",
    every=dt.timedelta(days=1),
    help="delete held SMS, mails and WeChat messages of no complaint after TOUSU_RETENTION_DAYS",
)
register(
    "resolution.integrity_verify",
    "tousu.resolution.jobs.integrity_verify",
    every=dt.timedelta(days=1),
    help="verify the tamper evidence of all data; alert the admins of new findings",
)
register(
    "classification.retrain",
    "tousu.classification.jobs.retrain",
    every=dt.timedelta(days=1),
    help="retrain the classifier on closed and corrected complaints; activate it only if better",
)
register(
    "early_warning.scan",
    "tousu.early_warning.jobs.scan",
    every=dt.timedelta(hours=1),
    help="look for complaint spikes per category, region and channel; raise, follow, end alerts",
)
register(
    "early_warning.forecast_train",
    "tousu.early_warning.jobs.forecast_train",
    every=dt.timedelta(days=1),
    help="learn the backlog forecast (chance of breaching the resolution limit) from history",
)
register(
    "early_warning.care_scan",
    "tousu.early_warning.jobs.care_scan",
    every=10 * MINUTE,
    help="bring the care lists of known faults up to date: mark who complained, list who is new",
)
register(
    "early_warning.incident_actions",
    "tousu.early_warning.jobs.incident_actions",
    every=MINUTE,
    help="apply incident actions (reply, resolve, close) to every child, each exactly once",
)
register(
    "repair.identify",
    "tousu.repair.jobs.identify",
    every=10 * MINUTE,
    help="put dissatisfied customers the signals missed (reopened, repeat, …) in repair cases",
)
register(
    "repair.facts",
    "tousu.repair.jobs.facts",
    every=dt.timedelta(hours=1),
    help="fill the repair effect facts that only time tells (repeats within 90 days, …)",
)
register(
    "quality.sample",
    "tousu.quality.jobs.sample",
    every=dt.timedelta(hours=6),
    help="draw each sampling plan's last complete week once into inspection tasks (质检抽样)",
)
register(
    "intake.risk_rescore",
    "tousu.intake.jobs.risk_rescore",
    every=MINUTE,
    help="weigh again the risk of open complaints that changed or went past their limit",
)
register(
    "intake.import_run",
    "tousu.intake.jobs.import_run",
    every=MINUTE,
    help="register the rows of uploaded import files; resume imports abandoned mid-way",
)
# Corrective action
register(
    "quality.capa_overdue",
    "tousu.quality.jobs.capa_overdue",
    every=dt.timedelta(hours=1),
    help="tell owners of overdue corrective-action steps, then their supervisors (once each)",
)
# Controlled documents
register(
    "quality.documents_activate",
    "tousu.quality.jobs.documents_activate",
    every=dt.timedelta(hours=1),
    help="put in force the controlled-document versions whose effective day has come",
)
