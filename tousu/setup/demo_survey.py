"""The demo's satisfaction survey (`tousu demo`): the operator's own survey, imported as
`tousu import-survey` would, half answered by customers who complained and half by customers
who never did (S2: most dissatisfied customers never complain). The network and tariff matter
most to these answers' overall score, so the driver analysis has something to find."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

from tousu.accounts.models import Region
from tousu.callbacks.choices import SurveyFactor
from tousu.callbacks.services import SurveyImport, survey_import
from tousu.core.clock import SHANGHAI
from tousu.customers.models import Customer
from tousu.setup.demo_texts import demo_person

SURVEY_SEED = 14
SURVEY_KNOWN = 20  # answered by customers who complained
SURVEY_NEW = 20  # and by customers who never did
SURVEY_DAYS = 30
# How much each factor weighs in a respondent's overall score (the survey asks all but
# simplicity and publicity of everyone; a factor not asked is blank).
WEIGHTS: dict[str, float] = {
    SurveyFactor.NETWORK: 0.35,
    SurveyFactor.TARIFF: 0.25,
    SurveyFactor.DATA_USAGE: 0.15,
    SurveyFactor.ATTITUDE: 0.15,
    SurveyFactor.TIMELINESS: 0.10,
}
ALWAYS_ASKED = tuple(WEIGHTS)


def _score(value: float) -> int:
    return min(5, max(1, round(value)))


def survey_demo_csv(
    rng: random.Random, now: dt.datetime, known: list[Customer], regions: list[Region]
) -> str:
    """The survey file: phone, surveyed_at, overall, factor scores, name, region."""
    factors = list(SurveyFactor.values)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["phone", "surveyed_at", "overall", *factors, "name", "region"])
    taken = {c.phone for c in known}
    people: list[tuple[str, str, str]] = [(c.phone, "", "") for c in known]
    while len(people) < len(known) + SURVEY_NEW:
        name, phone = demo_person(rng)
        if phone not in taken:
            taken.add(phone)
            people.append((phone, name, rng.choice(regions).code if regions else ""))
    for phone, name, region in people:
        mood = rng.gauss(3.6, 0.9)
        scores = {f: _score(mood + rng.gauss(0, 0.8)) for f in ALWAYS_ASKED}
        overall = _score(sum(w * scores[f] for f, w in WEIGHTS.items()) + rng.gauss(0, 0.3))
        if rng.random() < 0.5:
            scores[SurveyFactor.PUBLICITY] = _score(mood + rng.gauss(0, 1))
        at = now - dt.timedelta(days=rng.uniform(1, SURVEY_DAYS))
        local = at.astimezone(SHANGHAI).replace(hour=rng.randint(9, 20), minute=rng.randint(0, 59))
        if local > now:
            local -= dt.timedelta(days=1)
        cells = [str(scores[f]) if f in scores else "" for f in factors]
        writer.writerow([phone, f"{local:%Y-%m-%d %H:%M}", overall, *cells, name, region])
    return out.getvalue()


def survey_demo_load(now: dt.datetime) -> SurveyImport:
    """Import the demo survey (once: the same file again adds nothing)."""
    rng = random.Random(SURVEY_SEED)
    known = list(Customer.objects.filter(complaints__isnull=False).distinct().order_by("pk"))
    picked = rng.sample(known, min(SURVEY_KNOWN, len(known)))
    regions = list(Region.objects.order_by("code"))
    data = survey_demo_csv(rng, now, picked, regions).encode()
    result = survey_import(data=data)
    assert not result.errors, result.errors
    return result
