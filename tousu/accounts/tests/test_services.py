"""Creating staff accounts (accounts.services.user_create)."""

from __future__ import annotations

import pytest

from tousu.accounts.models import User
from tousu.accounts.services import user_create
from tousu.core.errors import ValidationFailed


def test_a_user_created_with_a_data_scope_sees_by_it_and_an_unknown_scope_creates_nobody(
    reference: None,
) -> None:
    lead = user_create(
        username="lead",
        role="supervisor",
        password="x",
        department="customer_service",
        data_scope="all",
        check_password=False,
    )
    assert (lead.data_scope, lead.effective_scope) == ("all", "all")
    plain = user_create(username="plain", role="supervisor", password="x", check_password=False)
    assert plain.effective_scope == "department"
    with pytest.raises(ValidationFailed) as refused:
        user_create(
            username="nosy", role="handler", password="x", data_scope="galaxy", check_password=False
        )
    assert "galaxy" in str(refused.value.fields["data_scope"])
    assert not User.objects.filter(username="nosy").exists()
