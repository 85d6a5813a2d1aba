from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, connections, transaction
from django.utils.translation import gettext as _

from tousu.accounts import permissions
from tousu.accounts.choices import AuditAction
from tousu.accounts.models import Region, User
from tousu.accounts.services import audit_changes, audit_record
from tousu.core.errors import Conflict, FieldErrors, NotAllowed
from tousu.core.rows import Columns, insert_sql, prepared_cursor
from tousu.core.text import clean_text
from tousu.customers.choices import ContactChannel, SpecialType
from tousu.customers.models import Customer

SPECIAL_NOTE_MAX_CHARS = 1_000


def _insert_unless_known(customer: Customer) -> bool:
    """INSERT a new customer unless their phone is known by now (a concurrent registration
    created them since we looked), in one statement: `get_or_create` needs a savepoint around
    its INSERT, two more statements, to survive the duplicate that this one skips. Sets the pk
    and returns True when inserted."""
    meta = Customer._meta
    insert, values = insert_sql(Customer, [customer], connection.alias)
    quote = connection.ops.quote_name
    phone, pk = quote(meta.get_field("phone").column), quote(meta.pk.column)
    with prepared_cursor(connection) as cursor:
        cursor.execute(f"{insert} ON CONFLICT ({phone}) DO NOTHING RETURNING {pk}", values)
        row = cursor.fetchone()
    if row is None:
        return False
    customer.pk = row[0]
    customer._state.adding, customer._state.db = False, connection.alias
    return True


def _customer_by_phone(phone: str) -> Customer | None:
    """The customer with this phone, their region with them; None if unknown."""
    sql, customers, regions = _customer_query(connection.alias)
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, [phone])
        row = cursor.fetchone()
    return None if row is None else _with_region(row, customers, regions)


@functools.lru_cache(maxsize=4)
def _customer_query(alias: str) -> tuple[str, Columns, Columns]:
    """`_customer_by_phone`'s SQL, written once per process: every registration runs it, and
    the ORM's building of it cost more than the database's reading (issue 19). Parameter:
    the phone."""
    quote = connections[alias].ops.quote_name
    phone = quote(Customer._meta.get_field("phone").column)
    sql, customers, regions = _with_region_select(alias, quote(Customer._meta.db_table))
    return f"{sql} WHERE c.{phone} = %s", customers, regions


def _with_region_select(alias: str, table: str, marker: str = "") -> tuple[str, Columns, Columns]:
    """SELECT of the customers' columns, their region's, then `marker` (a constant column, if
    any) from `table` (a table or a CTE's name) as c."""
    quote = connections[alias].ops.quote_name
    customer, region = Customer._meta, Region._meta
    customers, regions = Columns.of(Customer, "c", alias), Columns.of(Region, "r", alias)
    sql = (
        f"SELECT {customers.sql}, {regions.sql}{marker} "  # noqa: S608 (quoted model names; values bound)
        f"FROM {table} c LEFT JOIN {quote(region.db_table)} r "
        f"ON r.{quote(region.pk.column)} = c.{quote(customer.get_field('region').column)}"
    )
    return sql, customers, regions


def _customer_find_or_insert(
    phone: str, name: str, account: str, region: Region | None
) -> tuple[Customer, bool]:
    # The region comes with the customer: a registration routes by it when the channel gives
    # none.
    customers = Customer.objects.select_related("region")
    if not connection.features.can_return_columns_from_insert:  # SQLite before 3.35
        return customers.get_or_create(
            phone=phone, defaults={"name": name, "account": account, "region": region}
        )
    customer = Customer(phone=phone, name=name, account=account, region=region)
    if connection.vendor == "postgresql":
        found = _insert_or_find(customer)
        if found is not None:
            return found
    else:
        if (known := _customer_by_phone(phone)) is not None:
            return known, False
        if _insert_unless_known(customer):
            return customer, True
    return customers.get(phone=phone), False


def _insert_or_find(customer: Customer) -> tuple[Customer, bool] | None:
    """PostgreSQL: `customer` inserted unless their phone is known, else the known one with
    their region, in one statement and one round trip (a SELECT, then an INSERT for a new
    customer, were two: issue 19), and whether it was inserted. The statement's SELECT sees
    the table as it was when the statement began: the row it inserts comes from the CTE
    alone, a known one from the table alone. None when a concurrent registration inserted the
    phone after that: neither part has it, and the caller reads it afresh.

    A known phone still draws a key from the sequence before its conflict is found: customers'
    keys then leave gaps, as after any rolled-back insert."""
    insert, values = insert_sql(Customer, [customer], connection.alias)
    sql, customers, regions = _insert_or_find_query(connection.alias)
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql.format(insert=insert), [*values, customer.phone])
        row = cursor.fetchone()
    if row is None:
        return None
    return _with_region(row[:-1], customers, regions), row[-1]


@functools.lru_cache(maxsize=4)
def _insert_or_find_query(alias: str) -> tuple[str, Columns, Columns]:
    """`_insert_or_find`'s SQL around the customer's INSERT (`{insert}`), written once per
    process; its last column says whether the row is the one inserted. Parameters: the
    INSERT's values, then the phone."""
    quote = connections[alias].ops.quote_name
    phone = quote(Customer._meta.get_field("phone").column)
    inserted, customers, regions = _with_region_select(alias, "inserted", ", TRUE")
    known, _, _ = _with_region_select(alias, quote(Customer._meta.db_table), ", FALSE")
    sql = (
        f"WITH inserted AS ({{insert}} ON CONFLICT ({phone}) DO NOTHING RETURNING *) "
        f"{inserted} UNION ALL {known} WHERE c.{phone} = %s"
    )
    return sql, customers, regions


def _with_region(row: Sequence[Any], customers: Columns, regions: Columns) -> Customer:
    """The customer of a row of their columns then their region's, the region set on them."""
    customer: Customer = customers.instance(row[: len(customers)])
    Customer._meta.get_field("region").set_cached_value(
        customer, regions.instance(row[len(customers) :])
    )
    return customer


def customer_get_or_create(
    *, phone: str, name: str = "", account: str = "", region: Region | None = None
) -> tuple[Customer, bool]:
    """The customer with this (normalised) phone, created on first contact, and whether it was
    created now. Known details are filled in when missing, never overwritten: the CRM, not a
    complaint form, is the master. A concurrent registration creating the same customer between
    our look-up and our INSERT is caught by the INSERT (nothing inserted; theirs is read)."""
    customer, created = _customer_find_or_insert(phone, name, account, region)
    if not created:
        changed = []
        for field, value in (("name", name), ("account", account), ("region", region)):
            if value and not getattr(customer, field):
                setattr(customer, field, value)
                changed.append(field)
        if changed:
            customer.save(update_fields=[*changed, "updated_at"])
    return customer, created


def customer_special_set(
    *, customer: Customer, actor: User, special_type: str, note: str
) -> Customer:
    """Set (or clear, with a blank type) the customer's special-customer type and note
    (R2.6, R13.3). Only supervisors, department heads and administrators keep these."""
    if not permissions.can_edit_customer_profile(actor):
        raise NotAllowed(_("Your role may not change a customer's special-customer marking"))
    if customer.anonymised_at is not None:  # the retention period ended (R12.2)
        raise Conflict(_("This customer was anonymised; their profile is kept no more"))
    note = clean_text(note or "")
    errors = FieldErrors()
    if special_type and special_type not in SpecialType.values:
        errors.add("special_type", _("Unknown type “%(type)s”") % {"type": special_type})
    if len(note) > SPECIAL_NOTE_MAX_CHARS:
        errors.add(
            "special_note",
            _("The note takes at most %(limit)s characters") % {"limit": SPECIAL_NOTE_MAX_CHARS},
        )
    errors.raise_if_any()
    _changed_and_audited(customer, actor, special_type=special_type, special_note=note)
    return customer


def customer_contact_set(
    *, customer: Customer, actor: User, preferred_channel: str, email: str, opt_out: bool
) -> Customer:
    """Record how the customer wants to be told about their complaints (issue 17): the
    preferred channel (blank: the one the complaint came by), the e-mail address, and whether
    they asked for no messages at all (messages then withholds everything but one-time codes)."""
    if not permissions.can_edit_customer_contact(actor):
        raise NotAllowed(_("Your role may not change a customer's contact preferences"))
    if customer.anonymised_at is not None:  # the retention period ended (R12.2)
        raise Conflict(_("This customer was anonymised; their profile is kept no more"))
    email = (email or "").strip()
    errors = FieldErrors()
    if preferred_channel and preferred_channel not in ContactChannel.values:
        errors.add("preferred_channel", _("Unknown channel “%(c)s”") % {"c": preferred_channel})
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.add("email", _("Enter a valid e-mail address"))
    if preferred_channel == ContactChannel.EMAIL and not email:
        errors.add("email", _("Give the e-mail address the customer prefers to be told at"))
    if preferred_channel == ContactChannel.WECHAT and not customer.wechat_openid:
        errors.add("preferred_channel", _("The customer has not written to us on WeChat yet"))
    errors.raise_if_any()
    _changed_and_audited(
        customer, actor, preferred_channel=preferred_channel, email=email, contact_opt_out=opt_out
    )
    return customer


def customer_opt_out(*, customer: Customer, via: str) -> bool:
    """The customer asked, themselves, for no more messages (an SMS "TD"/"退订"): the same
    flag staff set on their request (`customer_contact_set`), on the audit log with the
    channel `via` as its author. True when it changed; asking again changes nothing."""
    if customer.contact_opt_out or customer.anonymised_at is not None:
        return False
    changes = audit_changes({"contact_opt_out": False}, {"contact_opt_out": True})
    with transaction.atomic():
        customer.contact_opt_out = True
        customer.save(update_fields=["contact_opt_out", "updated_at"])
        audit_record(
            actor=None,
            actor_name=via,
            action=AuditAction.CHANGE,
            obj=customer,
            changes=changes,
        )
    return True


def _changed_and_audited(customer: Customer, actor: User, **values: Any) -> None:
    """Save the customer's `values` and, in the same transaction, an audit entry of what
    changed (R12.2: every change to a customer's profile is on the record, masked as the log
    keeps personal data). Nothing is written when nothing changed."""
    before = {name: getattr(customer, name) for name in values}
    changes = audit_changes(before, values)
    if not changes:
        return
    with transaction.atomic():
        for name, value in values.items():
            setattr(customer, name, value)
        customer.save(update_fields=[*values, "updated_at"])
        audit_record(actor=actor, action=AuditAction.CHANGE, obj=customer, changes=changes)


def customers_ensure(
    *, people: Mapping[str, tuple[str, Region | None]]
) -> tuple[dict[str, Customer], int]:
    """The customers with these (normalised) phones, those not known yet created with the
    given (name, region), in a fixed number of statements however many: an import of a
    satisfaction survey reaches customers who never complained. Known customers are left as
    they are (the CRM is the master). Returns them by phone, and how many were created.
    Precondition: inside a transaction."""
    phones = list(people)
    known = set(Customer.objects.filter(phone__in=phones).values_list("phone", flat=True))
    new = [
        Customer(phone=phone, name=name, region=region)
        for phone, (name, region) in people.items()
        if phone not in known
    ]
    # A concurrent registration may create one of them meanwhile: theirs is kept.
    Customer.objects.bulk_create(new, ignore_conflicts=True)
    found = {c.phone: c for c in Customer.objects.filter(phone__in=phones)}
    return found, len(found) - len(known)
