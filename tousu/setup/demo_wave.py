"""The demo's complaint spike (issue 15, R10.1): a broadband outage in one city, whose calls
come in over the last hours before the demo's "now" — so that the hourly scan raises an alert
that the alerts page and the dashboard show, with the outage's words. The complaints stay
open in the broadband department's queue, as a real outage's would an hour in — but for one
customer's second call, which the broadband handler merges into the first (issue 15)."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction

from tousu.accounts.models import User
from tousu.complaints.models import Complaint
from tousu.complaints.services import complaint_merge
from tousu.core import clock
from tousu.early_warning.services import alert_scan
from tousu.intake.services import Registration, complaint_register

WAVE_REGION = "suzhou"
# Calls in the hour before the last whole hour, and in the last whole hour.
WAVE_CALLS = (6, 10)
# With fewer complaints of history there is no usual level to rise above: no wave.
MIN_HISTORY = 30
PLACES = ("工业园区", "吴中区", "相城区", "姑苏区", "新区")
TEXTS = (
    "{place}家里宽带从{start}开始断网，光猫LOS灯一直红灯闪烁，重启了好几次都不行",
    "{place}整个小区宽带都断网了，邻居也一样，打了好几次电话都说在排查",
    "我在{place}，宽带突然断网，光猫红灯，孩子上网课受影响，请尽快修复",
    "{place}宽带断网两个多小时了，在家办公没法开视频会议，什么时候能恢复？",
    "{place}光猫红灯闪，宽带和IPTV都用不了，报修后没人联系",
)
# The first caller calls again in the last call of the wave: the same matter, a duplicate.
CALLED_AGAIN = "{place}宽带还是断网，我之前已经打过电话报修了，到现在没恢复也没人回电，再催一下"
MERGE_REASON = "同一客户就同一次宽带断网再次来电，并入首次来电的投诉一并处理"


def wave_load(rng: random.Random, now: dt.datetime, agents: list[User], merger: User) -> int:
    """Register the outage's calls (hotline, by the demo's agents) and return how many; the
    first caller's second call (the last) is merged by `merger` into their first."""
    last_hour = now.replace(minute=0, second=0, microsecond=0)
    times: list[dt.datetime] = []
    for hours_back, calls in zip((2, 1), WAVE_CALLS, strict=True):
        start = last_hour - dt.timedelta(hours=hours_back)
        times += sorted(start + dt.timedelta(minutes=rng.randint(0, 59)) for _ in range(calls))
    outage_start = clock.local(times[0]).strftime("%H点")
    first_phone, first_place = f"1391{rng.randint(0, 9_999_999):07d}", rng.choice(PLACES)
    with transaction.atomic():
        registered: list[Complaint] = []
        for i, at in enumerate(times):
            place, phone = rng.choice(PLACES), f"1391{rng.randint(0, 9_999_999):07d}"
            text = rng.choice(TEXTS).format(place=place, start=outage_start)
            if i == 0:
                place, phone = first_place, first_phone
                text = TEXTS[0].format(place=place, start=outage_start)
            elif i == len(times) - 1:
                place, phone = first_place, first_phone
                text = CALLED_AGAIN.format(place=place)
            # Registered as the call ends, as the rest of the demo is: at its own time.
            with clock.frozen(at + dt.timedelta(minutes=1)):
                registered.append(_register(text, at, agents[i % len(agents)], phone))
        with clock.frozen(min(times[-1] + dt.timedelta(minutes=5), now)):
            complaint_merge(
                complaint=registered[-1], actor=merger, into=registered[0], reason=MERGE_REASON
            )
    return len(times)


def _register(text: str, at: dt.datetime, agent: User, phone: str) -> Complaint:
    return complaint_register(
        registration=Registration(
            channel="hotline",
            content=text,
            demand="尽快恢复宽带",
            customer_phone=phone,
            region=WAVE_REGION,
            received_at=at,
            category="network.broadband_outage",
        ),
        actor=agent,
    )


def wave_scan(now: dt.datetime) -> dict[str, int]:
    """The hourly scan as of now, as the job would run it (the count tables are filled)."""
    return alert_scan(now=now)
