"""API tokens: `token_authenticate` reads the token, its user and their department in one
statement written by hand (issue 19), and must give what the ORM would."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tousu.accounts.models import ApiToken, User
from tousu.accounts.services import token_authenticate, token_create

pytestmark = pytest.mark.django_db


def test_a_token_gives_its_user_as_the_orm_reads_them_with_the_department(agent: Any) -> None:
    token = token_create(user=agent)
    with CaptureQueriesContext(connection) as queries:
        user = token_authenticate(token)
        assert user is not None
        assert user.department is not None
        department = user.department.code
    # The read and the first use's time: the department came with the user.
    assert len(queries) == 2
    assert department == "customer_service"
    expected = User.objects.get(pk=agent.pk)
    fields = [f.attname for f in User._meta.concrete_fields]
    assert [getattr(user, f) for f in fields] == [getattr(expected, f) for f in fields]
    assert isinstance(user.is_active, bool)
    assert user.date_joined.tzinfo is not None
    assert not user._state.adding
    assert user.has_usable_password() == expected.has_usable_password()


def test_the_last_use_is_written_at_most_once_a_minute(agent: Any) -> None:
    token = token_create(user=agent)
    assert token_authenticate(token) is not None
    first = ApiToken.objects.get(user=agent).last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as queries:
        assert token_authenticate(token) is not None
    assert len(queries) == 1  # no second write within the minute
    ApiToken.objects.filter(user=agent).update(last_used_at=timezone.now() - dt.timedelta(hours=1))
    assert token_authenticate(token) is not None
    again = ApiToken.objects.get(user=agent).last_used_at
    assert again is not None
    assert again > timezone.now() - dt.timedelta(minutes=1)  # written again


def test_an_unknown_or_revoked_token_or_an_inactive_user_gets_nobody(agent: Any) -> None:
    token = token_create(user=agent)
    assert token_authenticate("ts_unknown") is None
    User.objects.filter(pk=agent.pk).update(is_active=False)
    assert token_authenticate(token) is None
    User.objects.filter(pk=agent.pk).update(is_active=True)
    assert token_authenticate(token) == agent
    ApiToken.objects.filter(user=agent).update(revoked=True)
    assert token_authenticate(token) is None


def test_a_user_without_a_department(make_user: Any) -> None:
    user = make_user("admin2", "admin", department=None)
    found = token_authenticate(token_create(user=user))
    assert found == user
    assert found is not None
    assert found.department is None
