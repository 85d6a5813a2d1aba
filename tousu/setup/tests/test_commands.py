"""The `tousu` commands as people run them: init, createuser, token create, timeline_verify."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tousu.accounts.models import Department, Region, User
from tousu.classification.models import Category
from tousu.complaints.models import ComplaintEvent
from tousu.resolution.models import AuthorityLimit
from tousu.routing.models import RoutingRule

Cli = Callable[..., tuple[int, str, str]]


def reference_counts() -> dict[str, int]:
    models: list[Any] = [Region, Department, Category, RoutingRule, AuthorityLimit]
    return {model.__name__: model.objects.count() for model in models}


@pytest.mark.django_db
def test_init_twice_gives_the_same_reference_data(tousu_cli: Cli) -> None:
    code, out, _ = tousu_cli("init")
    assert code == 0
    assert "Database ready" in out
    first = reference_counts()
    assert all(first.values()), first

    code, out, _ = tousu_cli("init")
    assert code == 0
    assert reference_counts() == first
    assert "regions +0, departments +0, categories +0, routes +0, limits +0" in out


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--role", "overlord", "--department", "billing"], "invalid choice"),
        (["--role", "handler", "--department", "nowhere"], "unknown department"),
    ],
)
def test_createuser_with_a_bad_role_or_department_creates_nobody(
    tousu_cli: Cli, reference: None, options: list[str], message: str
) -> None:
    code, _, err = tousu_cli("createuser", "newbie", *options, "--password", "Correct-horse-2026")
    assert code != 0
    assert message in err
    assert not User.objects.filter(username="newbie").exists()


def test_createuser_creates_a_user_who_can_log_in(tousu_cli: Cli, reference: None) -> None:
    options = ["--role", "handler", "--department", "billing", "--name", "李娜"]
    code, out, _ = tousu_cli("createuser", "li.na", *options, "--password", "Correct-horse-2026")
    assert code == 0, out
    user = User.objects.get(username="li.na")
    assert (user.role, user.department.code if user.department else None) == ("handler", "billing")
    assert Client().login(username="li.na", password="Correct-horse-2026")


def test_token_create_prints_a_token_that_authenticates(tousu_cli: Cli, agent: Any) -> None:
    code, out, _ = tousu_cli("token", "create", agent.username)
    assert code == 0
    token = out.strip().splitlines()[-1]

    client = Client()
    assert client.get("/api/v1/complaints").status_code == 401
    response = client.get("/api/v1/complaints", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_token_create_for_an_unknown_user_fails(tousu_cli: Cli, reference: None) -> None:
    code, _, err = tousu_cli("token", "create", "nobody")
    assert code == 1
    assert "nobody" in err


def test_timeline_verify_exit_status(tousu_cli: Cli, register: Callable[..., Any]) -> None:
    complaints = [register(), register(customer_phone="13900139000")]
    code, out, _ = tousu_cli("timeline_verify")
    assert code == 0
    assert "2 timelines verified, none broken" in out

    # Someone edits history behind the services' back.
    event = ComplaintEvent.objects.filter(complaint=complaints[1]).order_by("seq").first()
    assert event is not None
    ComplaintEvent.objects.filter(pk=event.pk).update(data={"channel": "web"})

    code, out, err = tousu_cli("timeline_verify")
    assert code == 1
    assert f"BROKEN {complaints[1].number} at event 1" in out
    assert "1 of 2 timelines are broken" in err
    # Only the numbers asked about are checked.
    assert tousu_cli("timeline_verify", complaints[0].number)[0] == 0
