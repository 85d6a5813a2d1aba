"""The audit log (issue 11 item 4): configuration changes made in the admin and logins are
written to a keyed, hash-chained, append-only log, in the change's transaction; an entry
edited or deleted in the database is found by the verification."""

from __future__ import annotations

from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client

from conftest import PASSWORD
from tousu.accounts.models import AuditEntry, AuditHead, User
from tousu.accounts.selectors import audit_verify
from tousu.accounts.services import audit_record
from tousu.resolution.models import AuthorityLimit, StandardClause
from tousu.routing.models import RoutingRule

pytestmark = pytest.mark.django_db


class _Form(HTMLParser):
    """The fields of the admin's change form, with the values it shows."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, Any] = {}
        self._select: str | None = None
        self._multiple = False
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.data[name] = a.get("value") or "on"
            else:
                self.data[name] = a.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self._multiple = "multiple" in a
            if not self._multiple:
                self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            value = a.get("value") or ""
            if self._multiple:
                self.data.setdefault(self._select, []).append(value)
            else:
                self.data[self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea] += data.lstrip("\n")


def admin_change(client: Client, path: str, **changes: Any) -> Any:
    """Submit the admin's change form at `path` as it shows, with `changes`."""
    form = _Form()
    form.feed(client.get(path).content.decode())
    data = {**form.data, **changes, "_save": "Save"}
    return client.post(path, data)


@pytest.fixture
def admin_client(client: Client, admin_user: User) -> Client:
    client.login(username=admin_user.username, password=PASSWORD)
    return client


def last_entry() -> AuditEntry:
    return AuditEntry.objects.order_by("-seq").first()  # type: ignore[return-value]


def test_an_authority_limit_changed_in_the_admin_is_on_the_log(
    admin_client: Client, admin_user: User
) -> None:
    limit = AuthorityLimit.objects.filter(max_amount__isnull=False).first()
    assert limit is not None
    path = f"/admin/resolution/authoritylimit/{limit.pk}/change/"
    assert admin_change(admin_client, path, max_amount="9999").status_code == 302
    entry = last_entry()
    assert (entry.action, entry.actor, entry.object_type, entry.object_id) == (
        "change",
        admin_user,
        "resolution.authoritylimit",
        str(limit.pk),
    )
    assert entry.changes == {"max_amount": [str(limit.max_amount), "9999"]}
    assert audit_verify().broken == []


def test_a_routing_rule_changed_and_deleted_in_the_admin_is_on_the_log(
    admin_client: Client,
) -> None:
    rule = RoutingRule.objects.first()
    assert rule is not None
    path = f"/admin/routing/routingrule/{rule.pk}/change/"
    assert admin_change(admin_client, path, priority="77").status_code == 302
    assert last_entry().changes["priority"][1] == 77
    response = admin_client.post(f"/admin/routing/routingrule/{rule.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    entry = last_entry()
    assert (entry.action, entry.object_id) == ("delete", str(rule.pk))
    assert entry.changes["priority"] == [77, None]


def test_a_clause_changed_in_the_admin_is_on_the_log(admin_client: Client) -> None:
    from tousu.resolution.services import standard_clauses_load

    standard_clauses_load()
    clause = StandardClause.objects.first()
    assert clause is not None
    path = f"/admin/resolution/standardclause/{clause.pk}/change/"
    assert admin_change(admin_client, path, title="新的标题").status_code == 302
    assert AuditEntry.objects.filter(
        object_type="resolution.standardclause", object_id=str(clause.pk), action="change"
    ).get().changes["title"] == [clause.title, "新的标题"]


def test_a_user_role_changed_in_the_admin_is_on_the_log_without_the_password(
    admin_client: Client, handler: User
) -> None:
    path = f"/admin/accounts/user/{handler.pk}/change/"
    response = admin_change(admin_client, path, role="supervisor", email="zhang@example.com")
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = last_entry()
    assert entry.object_type == "accounts.user"
    assert entry.changes["role"] == ["handler", "supervisor"]
    assert "zhang@example.com" not in str(entry.changes)  # personal data masked
    assert "password" not in entry.changes
    password_path = f"/admin/accounts/user/{handler.pk}/password/"
    new = "Another-pass-2026"
    response = admin_client.post(password_path, {"password1": new, "password2": new})
    assert response.status_code == 302
    entry = last_entry()
    assert entry.changes == {"password": ["(changed)", "(changed)"]}
    assert User.objects.get(pk=handler.pk).password not in str(
        AuditEntry.objects.values_list("changes")
    )


def test_a_customer_changed_in_the_admin_is_on_the_log_masked(
    admin_client: Client, admin_user: User
) -> None:
    from tousu.customers.models import Customer

    customer = Customer.objects.create(phone="13800138000", name="张三")
    path = f"/admin/customers/customer/{customer.pk}/change/"
    assert admin_change(admin_client, path, name="张三丰", value_tier="五星").status_code == 302
    entry = last_entry()
    assert (entry.action, entry.object_type, entry.actor) == (
        "change",
        "customers.customer",
        admin_user,
    )
    assert entry.changes["name"] == ["张*", "张**"]  # the name masked, as every personal field
    assert entry.changes["value_tier"] == ["", "五星"]
    assert "张三" not in str(entry.changes)
    response = admin_client.post(
        f"/admin/customers/customer/{customer.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    deleted = last_entry()
    assert (deleted.action, deleted.changes["name"]) == ("delete", ["张**", None])
    assert "张三" not in str(deleted.changes)  # masked on a deletion too
    assert audit_verify().broken == []


def test_a_customers_profile_and_contact_set_by_staff_are_on_the_log(
    supervisor: User, admin_user: User
) -> None:
    from tousu.customers.models import Customer
    from tousu.customers.services import customer_contact_set, customer_special_set

    customer = Customer.objects.create(phone="13800138000", name="张三")
    customer_special_set(
        customer=customer, actor=supervisor, special_type="irritable", note="晚上来电"
    )
    entry = last_entry()
    assert (entry.actor, entry.object_type, entry.object_id) == (
        supervisor,
        "customers.customer",
        str(customer.pk),
    )
    assert entry.changes == {"special_note": ["", "晚上来电"], "special_type": ["", "irritable"]}
    customer_contact_set(
        customer=customer,
        actor=admin_user,
        preferred_channel="email",
        email="zs@qq.com",
        opt_out=False,
    )
    entry = last_entry()
    assert entry.changes["preferred_channel"] == ["", "email"]
    assert "zs@qq.com" not in str(entry.changes)  # the address masked
    before = AuditEntry.objects.count()
    customer_special_set(
        customer=customer, actor=supervisor, special_type="irritable", note="晚上来电"
    )
    assert AuditEntry.objects.count() == before  # nothing changed, nothing logged


def test_the_log_is_read_only_in_the_admin(admin_client: Client) -> None:
    entry = audit_record(actor=None, action="change", object_type="x", object_repr="y")
    assert admin_client.get(f"/admin/accounts/auditentry/{entry.pk}/change/").status_code == 200
    assert admin_client.get("/admin/accounts/auditentry/add/").status_code == 403
    response = admin_client.post(f"/admin/accounts/auditentry/{entry.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_a_login_and_a_failed_login_are_on_the_log(client: Client, handler: User) -> None:
    client.post("/login/", {"username": handler.username, "password": "wrong"})
    failed = last_entry()
    assert (failed.action, failed.actor_name, failed.actor) == (
        "login_failed",
        handler.username,
        None,
    )
    assert "wrong" not in str(failed.changes)
    client.post("/login/", {"username": handler.username, "password": PASSWORD})
    entry = last_entry()
    assert (entry.action, entry.actor) == ("login", handler)
    assert entry.changes["path"] == "/login/"


def test_an_edited_or_deleted_entry_is_found() -> None:
    entries = [audit_record(actor=None, action="change", object_repr=f"#{n}") for n in range(3)]
    assert audit_verify().broken == []
    AuditEntry.objects.filter(pk=entries[1].pk).update(changes={"max_amount": ["1", "2"]})
    assert audit_verify().broken == [(entries[1].seq, "content changed after it was written")]
    AuditEntry.objects.filter(pk=entries[1].pk).delete()
    assert audit_verify().broken == [(entries[2].seq, f"sequence gap: expected {entries[1].seq}")]


def test_a_cut_tail_is_found_by_the_head_and_by_the_seal() -> None:
    entries = [audit_record(actor=None, action="change", object_repr=f"#{n}") for n in range(3)]
    sealed = (entries[-1].seq, entries[-1].hash)
    AuditEntry.objects.filter(pk=entries[-1].pk).delete()
    assert audit_verify().broken == [(entries[-1].seq, "entries missing at the end")]
    AuditHead.objects.update(seq=entries[1].seq, hash=entries[1].hash)  # the head rewound too
    assert audit_verify().broken == []
    assert audit_verify(sealed=sealed).broken == [(sealed[0], "sealed entry missing or changed")]


def test_an_amount_is_kept_as_decimal_text() -> None:
    entry = audit_record(
        actor=None, action="change", changes={"max_amount": [Decimal("1.50"), None]}
    )
    assert AuditEntry.objects.get(pk=entry.pk).changes == {"max_amount": ["1.50", None]}
    assert audit_verify().broken == []
