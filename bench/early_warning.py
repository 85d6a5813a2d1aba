"""Benchmark: the spike scan of issue 15 (R10.1) replayed over real complaints.

Not a test. On a throw-away database (bench/throwaway.py) with the reference data of `tousu
init`, a real data set goes through `tousu import` with its real timestamps, `tousu analytics
rebuild` fills the count tables, and then the scan (`early_warning.services.alert_scan`) is run
as of every hour of the replayed period in order, as the hourly job would have run it. Printed:
every alert (when, slice, observed against expected, its terms), the detection delay of the
known burst, and false alarms per month of quiet time.

Data sets (../shared/data, see its README):
- comcast: FCC complaints about Comcast, 2015-04-01..06-30 (title and the customer's own
  description, without the FCC's follow-up messages appended to most), with a real burst on
  2015-06-23/24 (about 200 a day against a median of 17). 609 rows have day and month
  swapped; they are put right here. Its times are US local times; they are replayed as read
  (the shape of the day is what matters). "Quiet" is everything outside 2015-06-23..06-27.
- tipdm: a Chinese government message board (留言时间), replayed over --tipdm-from..--tipdm-to;
  no known burst: every alert counts against the false-alarm rate.

    .venv/bin/python bench/early_warning.py                  # comcast
    .venv/bin/python bench/early_warning.py --dataset tipdm
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throwaway import django_on_throwaway_database

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
COMCAST_BURST = (dt.date(2015, 6, 23), dt.date(2015, 6, 27))
CHANNELS = {"Customer Care Call": "hotline", "Internet": "web"}
# The FCC appended its own follow-up messages to most descriptions after this separator: they
# are not the customer's words (and would make every later complaint "about" the FCC).
FCC_FOLLOW_UP = re.compile(r"\n\s*- - - -|Follow-up message by FCC")


def _phone(key: str) -> str:
    digits = int(hashlib.sha256(key.encode()).hexdigest(), 16) % 10**8
    return f"139{digits:08d}"


def comcast_rows() -> list[dict[str, str]]:
    """The FCC file as import rows, with day and month put right (see data/README.md)."""
    out = []
    with open(DATA / "comcast-fcc-2015.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            day, month, year = (int(p) for p in row["Date"].split("-"))
            if day <= 12:  # these rows have day and month swapped
                day, month = month, day
            clock = dt.datetime.strptime(row["Time"].strip(), "%I:%M:%S %p").time()
            received = dt.datetime.combine(dt.date(2000 + year, month, day), clock)
            own_words = FCC_FOLLOW_UP.split(row["Description"], maxsplit=1)[0].strip()
            out.append(
                {
                    "content": f"{row['Customer Complaint']}\n{own_words}"[:4000],
                    "phone": _phone(row["Ticket #"]),
                    "received_at": received.strftime("%Y-%m-%d %H:%M:%S"),
                    "channel": CHANNELS.get(row["Received Via"], "web"),
                    "external_ref": f"FCC-{row['Ticket #']}",
                }
            )
    return out


def tipdm_rows(first: dt.date, last: dt.date) -> list[dict[str, str]]:
    out = []
    with open(DATA / "tipdm2020c-messages-with-replies.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            stamp = row["留言时间"].strip().replace("-", "/")
            try:
                received = dt.datetime.strptime(stamp, "%Y/%m/%d %H:%M:%S")
            except ValueError:
                continue
            if not first <= received.date() <= last:
                continue
            out.append(
                {
                    "content": f"{row['留言主题']}\n{row['留言详情']}".strip()[:4000],
                    "phone": _phone(row["留言编号"]),
                    "received_at": received.strftime("%Y-%m-%d %H:%M:%S"),
                    "channel": "web",
                    "external_ref": f"TIPDM-{row['留言编号']}",
                }
            )
    return out


def _import(rows: list[dict[str, str]]) -> float:
    from django.core.management import call_command

    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    started = time.perf_counter()
    call_command("import_complaints", f.name, verbosity=0)
    return time.perf_counter() - started


def _local(moment: dt.datetime) -> dt.datetime:
    from tousu.core import clock

    return clock.local(moment)


def replay(first: dt.datetime, last: dt.datetime) -> tuple[list[Any], float, int]:
    """The scan as of every hour from `first` to `last` (aware datetimes), in order."""
    from tousu.core import clock
    from tousu.early_warning.models import Alert
    from tousu.early_warning.services import alert_scan

    scans = 0
    started = time.perf_counter()
    moment = first
    while moment <= last:
        with clock.frozen(moment):
            alert_scan(now=moment)
        scans += 1
        moment += dt.timedelta(hours=1)
    return list(Alert.objects.order_by("detected_at")), time.perf_counter() - started, scans


def report(alerts: list[Any], quiet_days: float, burst: tuple[dt.date, dt.date] | None) -> None:
    from tousu.early_warning import selectors

    labels = selectors.slice_labels([a.slice for a in alerts])
    false_alarms = 0
    for a in alerts:
        local = _local(a.detected_at)
        in_burst = burst is not None and burst[0] <= local.date() <= burst[1]
        false_alarms += not in_burst
        terms = ", ".join(t["term"] for t in a.terms[:6])
        ended = _local(a.ended_at).strftime("%m-%d %H:%M") if a.ended_at else "ongoing"
        print(
            f"  {local:%Y-%m-%d %H:%M} {'BURST' if in_burst else 'quiet'} "
            f"{selectors.slice_text(a.slice, labels):<28} {a.window:<4} "
            f"{a.observed:>4} vs {a.expected:6.1f}  z={a.z:5.1f}  until {ended}  [{terms}]"
        )
    months = quiet_days / 30.44
    print(
        f"false alarms in quiet time: {false_alarms} over {quiet_days:.0f} days "
        f"= {false_alarms / months:.2f} a month"
    )


def burst_start(rows: list[dict[str, str]], day: dt.date) -> dt.datetime:
    """The first hour of `day` from which the hourly count stays at 3× the usual hourly mean
    or more for three hours running (the usual mean: the 28 days before)."""
    stamps = [dt.datetime.fromisoformat(r["received_at"]) for r in rows]
    before = [s for s in stamps if day - dt.timedelta(days=28) <= s.date() < day]
    usual = len(before) / (28 * 24)
    hours = [sum(1 for s in stamps if s.date() == day and s.hour == h) for h in range(24)]
    for h in range(22):
        if all(c >= 3 * usual for c in hours[h : h + 3]):
            return dt.datetime.combine(day, dt.time(h))
    return dt.datetime.combine(day, dt.time(0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", choices=("comcast", "tipdm"), default="comcast")
    parser.add_argument("--tipdm-from", type=dt.date.fromisoformat, default=dt.date(2019, 1, 1))
    parser.add_argument("--tipdm-to", type=dt.date.fromisoformat, default=dt.date(2019, 6, 30))
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    with django_on_throwaway_database(args.database_url):
        from django.core.management import call_command

        from tousu.core import clock

        call_command("init", verbosity=0)
        if args.dataset == "comcast":
            rows = comcast_rows()
            burst: tuple[dt.date, dt.date] | None = COMCAST_BURST
        else:
            rows = tipdm_rows(args.tipdm_from, args.tipdm_to)
            burst = None
        print(f"{args.dataset}: {len(rows)} complaints")
        seconds = _import(rows)
        print(f"tousu import: {seconds:.1f} s")
        started = time.perf_counter()
        call_command("analytics", "rebuild", verbosity=0)
        print(f"tousu analytics rebuild: {time.perf_counter() - started:.1f} s")

        stamps = sorted(dt.datetime.fromisoformat(r["received_at"]) for r in rows)
        # Scan once 28 days of baseline exist, until a day after the last complaint.
        first = dt.datetime.combine(stamps[0].date(), dt.time(), tzinfo=clock.SHANGHAI)
        first += dt.timedelta(days=29)
        last = stamps[-1].replace(tzinfo=clock.SHANGHAI) + dt.timedelta(days=1)
        alerts, seconds, scans = replay(first, last)
        print(f"scans: {scans} hours in {seconds:.1f} s ({1000 * seconds / scans:.1f} ms a scan)")
        total_days = (last - first).total_seconds() / 86400
        quiet_days = total_days
        if burst is not None:
            quiet_days -= (burst[1] - burst[0]).days + 1
            start = burst_start(rows, burst[0])
            found = [a for a in alerts if _local(a.detected_at).date() >= burst[0]]
            if found:
                delay = _local(found[0].detected_at).replace(tzinfo=None) - start
                print(
                    f"burst began {start:%Y-%m-%d %H:%M}; first alert "
                    f"{_local(found[0].detected_at):%Y-%m-%d %H:%M}: "
                    f"{delay.total_seconds() / 3600:.1f} h later"
                )
            else:
                print("burst NOT flagged")
        print(f"alerts: {len(alerts)}")
        report(alerts, quiet_days, burst)


if __name__ == "__main__":
    main()
