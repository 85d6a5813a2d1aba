"""The resolution endpoints: reports on consistency of outcomes (R6.3)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from tousu.accounts import permissions
from tousu.accounts.models import User
from tousu.core.api import TIME_BOUND_DESCRIPTION, errors, parse_period
from tousu.core.errors import NotAllowed, ValidationFailed
from tousu.core.reasons import reason_code, reason_text
from tousu.resolution.selectors import consistency_report

reports_router = Router(tags=["reports"])

# A report over more than a year is a job for the analytics exports, not a request.
MAX_REPORT_DAYS = 366


class RemedyCountOut(Schema):
    type: str
    label: str
    count: int
    amount: Decimal


class GroupOut(Schema):
    channel: str
    channel_label: str
    department: str
    department_name: str
    outcomes: int
    total: Decimal
    average: Decimal
    min: Decimal | None
    max: Decimal | None


class ClauseOut(Schema):
    code: str
    title: str
    versions: list[int]
    outcomes: int
    flagged: int
    remedies: list[RemedyCountOut]
    groups: list[GroupOut]


class OutlierOut(Schema):
    number: str
    clause: str | None
    kind: str
    reason: str
    remedy_type: str
    amount: Decimal
    reference: Decimal | None
    channel: str
    department: str | None
    flagged_at: dt.datetime


class TrendOut(Schema):
    week: dt.date
    outcomes: int
    flagged: int


class ConsistencyOut(Schema):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    clauses: list[ClauseOut]
    outliers: list[OutlierOut]
    trend: list[TrendOut]


@reports_router.get(
    "/consistency",
    operation_id="tousu_resolution_api_consistency",
    response={200: ConsistencyOut, **errors(403, 422)},
    by_alias=True,
    summary="Consistency of outcomes per clause, by channel and department",
)
def consistency(
    request: HttpRequest,
    # `from` is a Python keyword
    from_: str = Query("", alias="from", description=TIME_BOUND_DESCRIPTION),
    to: str = Query("", description=TIME_BOUND_DESCRIPTION),
) -> dict[str, object]:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    if not permissions.can_view_consistency(user):
        raise NotAllowed(_("Your role may not see the consistency report"))
    start, end = parse_period(from_, to)
    if end - start > dt.timedelta(days=MAX_REPORT_DAYS):
        raise ValidationFailed.for_field(
            "to",
            _("At most %(days)s days") % {"days": MAX_REPORT_DAYS},
            message=_("The period is at most %(days)s days") % {"days": MAX_REPORT_DAYS},
        )
    report = consistency_report(user, start, end)
    return {
        "from_": from_,
        "to": to,
        "clauses": [
            {
                **{k: getattr(c, k) for k in ("code", "title", "versions", "outcomes", "flagged")},
                "remedies": [vars(r) for r in c.remedies],
                "groups": [{**vars(g), "average": g.average} for g in c.groups],
            }
            for c in report.clauses
        ],
        "outliers": [
            {
                "number": f.complaint.number,
                "clause": f"{f.clause.code} v{f.clause.version}" if f.clause else None,
                "kind": f.kind,
                "reason": reason_text(f.reason),
                "reason_code": reason_code(f.reason),
                "remedy_type": f.remedy_type,
                "amount": f.amount,
                "reference": f.reference,
                "channel": f.complaint.channel,
                "department": f.complaint.responsible_department.code
                if f.complaint.responsible_department
                else None,
                "flagged_at": f.created_at,
            }
            for f in report.outliers
        ],
        "trend": [{"week": w, "outcomes": n, "flagged": k} for w, n, k in report.trend],
    }
