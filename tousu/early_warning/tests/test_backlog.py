"""The backlog forecast end to end: the training job, the selector, the API and the dashboard."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tousu.accounts.models import Department
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.customers.models import Customer
from tousu.early_warning import jobs, selectors
from tousu.early_warning.models import BacklogModel

pytestmark = pytest.mark.django_db


def _complaint(n: int, customer: Customer, department: Department, **fields: Any) -> Complaint:
    registered = fields["registered_at"]
    return Complaint(
        number=f"TSF{n:09d}",
        channel="hotline",
        content="话费多扣",
        customer=customer,
        department=department,
        received_at=registered,
        first_response_due=registered + dt.timedelta(hours=2),
        **fields,
    )


@pytest.fixture
def backlog(reference: None) -> dict[str, Any]:
    """400 closed complaints of the last 100 days (major ones breached 60 % of the time,
    ordinary ones 10 %), and open billing ones: 2 major and 2 ordinary due within 24 hours,
    1 overdue, 1 due in 3 days."""
    rng = random.Random(3)
    now = clock.now()
    customer = Customer.objects.create(phone="13800139999", name="李四")
    billing = Department.objects.get(code="billing")
    rows = []
    for i in range(400):
        level = "major" if i % 2 else "ordinary"
        registered = now - dt.timedelta(days=100) + dt.timedelta(hours=5 * i)
        due = registered + dt.timedelta(hours=48)
        breached = rng.random() < (0.6 if level == "major" else 0.1)
        on_time = registered + dt.timedelta(hours=rng.uniform(1, 47))
        settled = due + dt.timedelta(hours=6) if breached else on_time
        rows.append(
            _complaint(
                i,
                customer,
                billing,
                status="closed",
                level=level,
                registered_at=registered,
                resolution_due=due,
                accepted_at=registered + dt.timedelta(hours=1),
                resolved_at=settled,
                closed_at=settled,
            )
        )
    open_ones = [("major", 10), ("major", 12), ("ordinary", 10), ("ordinary", 12)]
    open_ones += [("ordinary", -3), ("ordinary", 72)]  # overdue; due beyond 24 hours
    for j, (level, due_in) in enumerate(open_ones):
        due = now + dt.timedelta(hours=due_in)
        rows.append(
            _complaint(
                1000 + j,
                customer,
                billing,
                status="in_progress",
                level=level,
                registered_at=due - dt.timedelta(hours=48),
                resolution_due=due,
                accepted_at=due - dt.timedelta(hours=47),
            )
        )
    Complaint.objects.bulk_create(rows)
    return {"now": now}


def test_the_job_adds_a_model_per_run_and_the_newest_is_used(
    backlog: dict[str, Any], analyst: Any
) -> None:
    assert jobs.forecast_train()["rows"] > 400
    first = BacklogModel.objects.get()
    assert 0.3 < first.base_rate < 0.7  # per snapshot: late ones are open at more of them
    assert first.brier < first.base_brier
    assert sum(row["n"] for row in first.calibration) > 0
    jobs.forecast_train()
    assert BacklogModel.objects.count() == 2
    newest = BacklogModel.objects.order_by("-pk")[0]
    newest.coefficients = {"intercept": -50.0, "coefficients": {}}  # never breaches
    newest.save()
    billing = selectors.backlog_forecast(analyst)["departments"][0]
    assert billing["expected_breaches_24h"] == pytest.approx(0.0, abs=1e-6)


def test_the_forecast_counts_the_backlog_and_expects_major_breaches(
    backlog: dict[str, Any], analyst: Any
) -> None:
    jobs.forecast_train()
    result = selectors.backlog_forecast(analyst)
    (billing,) = result["departments"]
    assert (billing["open"], billing["overdue"], billing["due_24h"]) == (6, 1, 4)
    # Still open three quarters into the limit: a major one breached 0.6 / (0.6 + 0.4 / 4)
    # ≈ 0.86 of the time, an ordinary one 0.1 / (0.1 + 0.9 / 4) ≈ 0.31: 2.3 expected in all.
    # The calibration step, a map learnt from only 400 complaints with no drift to correct,
    # adds its own noise: about 3.0 here (2.5 from the logistic alone).
    assert 1.6 < billing["expected_breaches_24h"] < 3.2


def test_without_a_model_the_api_says_so_and_still_counts(
    backlog: dict[str, Any], api_as: Callable[[Any], Any], analyst: Any
) -> None:
    body = api_as(analyst).get("/api/v1/forecast/backlog").json()
    assert body["model"] is None
    assert body["departments"][0]["expected_breaches_24h"] is None
    assert body["departments"][0]["due_24h"] == 4
    # The complaints due within 24 hours are still named, soonest due first.
    assert [c["number"] for c in body["complaints"]] == [
        "TSF000001000",
        "TSF000001002",
        "TSF000001001",
        "TSF000001003",
    ]
    assert {c["breach_probability"] for c in body["complaints"]} == {None}


def test_the_api_names_the_complaints_likely_to_breach(
    backlog: dict[str, Any], api_as: Callable[[Any], Any], analyst: Any
) -> None:
    """API.md: "open complaints with breach_probability": the four due within 24 hours (not
    the overdue one, nor the one due in three days), the two major ones first, their
    probabilities adding up to the department's expected breaches."""
    jobs.forecast_train()
    body = api_as(analyst).get("/api/v1/forecast/backlog").json()
    complaints = body["complaints"]
    assert body["complaints_count"] == 4
    assert {c["number"] for c in complaints[:2]} == {"TSF000001000", "TSF000001001"}  # major
    assert {c["number"] for c in complaints[2:]} == {"TSF000001002", "TSF000001003"}
    probabilities = [c["breach_probability"] for c in complaints]
    assert probabilities == sorted(probabilities, reverse=True)
    assert all(0 < p < 1 for p in probabilities)
    expected = body["departments"][0]["expected_breaches_24h"]
    assert sum(probabilities) == pytest.approx(expected, abs=0.01)
    first = complaints[0]
    assert first["department"] == "billing"
    assert first["resolution_due"].endswith("+08:00")
    assert first["links"]["self"] == f"/api/v1/complaints/{first['number']}"


def test_the_api_shows_the_forecast_to_analysts_only(
    backlog: dict[str, Any], api_as: Callable[[Any], Any], analyst: Any, handler: Any
) -> None:
    jobs.forecast_train()
    response = api_as(analyst).get("/api/v1/forecast/backlog")
    assert response.status_code == 200
    body = response.json()
    assert body["as_of"].endswith("+08:00")
    assert body["model"]["rows"] > 400
    assert len(body["model"]["calibration"]) >= 2
    billing = body["departments"][0]
    assert billing["department"] == "billing"
    assert billing["department_name"]
    assert billing["open"] == 6
    assert 1.6 < billing["expected_breaches_24h"] < 3.2
    assert api_as(handler).get("/api/v1/forecast/backlog").status_code == 403


def test_the_dashboard_shows_the_forecast_table(
    backlog: dict[str, Any], client: Client, supervisor: Any
) -> None:
    client.force_login(supervisor)
    before = client.get("/dashboard/").content.decode()
    assert 'data-panel="backlog-forecast"' in before
    assert "尚未训练" in before  # no model yet
    jobs.forecast_train()
    page = client.get("/dashboard/").content.decode()
    assert 'data-department="billing"' in page
    assert "尚未训练" not in page
    # The complaints most likely to breach, the major ones first, each a link to its page.
    listed = page.split('data-list="at-risk"')[1].split("</ul>")[0]
    assert listed.index("TSF000001000") < listed.index("TSF000001002")
    assert listed.index("TSF000001001") < listed.index("TSF000001003")
    assert 'href="/complaints/TSF000001000/"' in listed


def test_a_complaint_nobody_accepted_in_time_counts_as_overdue_now(
    backlog: dict[str, Any], analyst: Any
) -> None:
    """The "overdue now" column counts the complaints nobody accepted within the first-
    response limit as well as those past their reply limit; one whose reply is due within
    24 hours is still forecast. Accepted late, it is overdue no more."""
    now = backlog["now"]
    customer = Customer.objects.get(phone="13800139999")
    billing = Department.objects.get(code="billing")
    late = _complaint(
        2000,
        customer,
        billing,
        status="dispatched",
        level="ordinary",
        registered_at=now - dt.timedelta(hours=21),
        resolution_due=now + dt.timedelta(hours=10),
    )
    late.save()
    (row,) = selectors.backlog_forecast(analyst)["departments"]
    assert (row["open"], row["overdue"], row["due_24h"]) == (7, 2, 5)
    assert "TSF000002000" in [c["number"] for c in selectors.backlog_forecast(analyst)["at_risk"]]
    Complaint.objects.filter(pk=late.pk).update(status="in_progress", accepted_at=now)
    (row,) = selectors.backlog_forecast(analyst)["departments"]
    assert (row["open"], row["overdue"], row["due_24h"]) == (7, 1, 5)
