"""The callback survey link sent to the customer: a signed token naming the callback task,
valid for SURVEY_LINK_MAX_AGE. It lives here, beside the messages that carry it, so that the
outbound survey message can build it; the customer's page (intake) reads it back. A link is
used once because the task is: once answered (or called), the task is done and the page says
so."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.urls import reverse

SURVEY_SALT = "tousu.callback-survey"
# Long enough for a customer who reads the SMS the next evening, short enough that an old
# message forwarded on is dead.
SURVEY_LINK_MAX_AGE = dt.timedelta(days=7)


class SurveyLinkExpired(Exception):
    """The link is older than SURVEY_LINK_MAX_AGE."""


class SurveyLinkInvalid(Exception):
    """The link was not made by us (altered or cut off)."""


def survey_token(task_id: int) -> str:
    return signing.dumps(task_id, salt=SURVEY_SALT, compress=False)


def survey_task_id(token: str) -> int:
    """The callback task a survey token names. Raises SurveyLinkExpired or SurveyLinkInvalid."""
    try:
        value = signing.loads(token, salt=SURVEY_SALT, max_age=SURVEY_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise SurveyLinkExpired from None
    except signing.BadSignature:
        raise SurveyLinkInvalid from None
    if not isinstance(value, int):
        raise SurveyLinkInvalid
    return value


def survey_url(task_id: int) -> str:
    """The full address of the survey page for callback task `task_id`, for the survey
    message: settings.TOUSU_PUBLIC_URL (the address customers reach the site at) + the path."""
    path = reverse("intake:survey", args=[survey_token(task_id)])
    return settings.TOUSU_PUBLIC_URL.rstrip("/") + path
