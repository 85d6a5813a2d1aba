"""Loading reference data. Idempotent: running it again updates names, adds what is missing and
never deletes or duplicates (admins may have added their own rows)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from tousu.accounts.choices import Role
from tousu.accounts.models import Department, Region
from tousu.accounts.reference import DEFAULT_DEPARTMENT, DEPARTMENTS, REGIONS
from tousu.classification.models import Category
from tousu.complaints.choices import Channel
from tousu.knowledge.services import message_wording_load
from tousu.quality.services import objectives_load, sheet_defaults_load
from tousu.repair.services import playbooks_load
from tousu.resolution.models import AuthorityLimit
from tousu.routing.models import RoutingRule
from tousu.setup.reference import CATEGORIES
from tousu.sla.services import sla_defaults_load

# What each role may grant alone, in yuan (R6.2); admins change these in the admin pages.
DEFAULT_AUTHORITY: dict[str, Decimal | None] = {
    Role.AGENT: Decimal("50"),
    Role.HANDLER: Decimal("200"),
    Role.SUPERVISOR: Decimal("1000"),
    Role.DEPT_HEAD: Decimal("5000"),
    Role.ADMIN: None,
    Role.QUALITY: Decimal("0"),
    Role.ANALYST: Decimal("0"),
}
# Front-line resolution (S3 授权): for how many minutes after registering a complaint the role
# may resolve it itself, while nobody else has acted on it — the length of a hotline call or a
# visit to a store, with the time to write the outcome down. Other roles resolve by handling.
DEFAULT_FIRST_CONTACT_MINUTES: dict[str, int] = {Role.AGENT: 30}
# The time limit of each step of the approval chain (R6.2), in hours.
DEFAULT_APPROVAL_HOURS: dict[str, int] = {Role.SUPERVISOR: 24, Role.DEPT_HEAD: 48, Role.ADMIN: 72}

# Routing rules that do not depend on the category (R3.1). A referral from the regulator
# (工信部/通管局) and a complaint raised through the media are handled by the complaint office
# whatever they are about: they have their own short time limits and reporting duties towards
# the referring body, and the office pulls in the specialist departments (or an expert team)
# itself. Rules naming a channel are more specific than the category table, so they win.
CHANNEL_RULES: tuple[tuple[str, str, str], ...] = (
    (Channel.REGULATOR, DEFAULT_DEPARTMENT, "工信部/通管局转办由投诉管理办公室统一处理"),
    (Channel.MEDIA, DEFAULT_DEPARTMENT, "媒体曝光投诉由投诉管理办公室统一处理"),
)


def _rule_ensure(
    *, category: Category | None, channel: str, department: Department, note: str
) -> bool:
    """Create the default rule for these criteria unless one exists (an admin may have changed
    its department, or added a second one with another priority). True when created."""
    criteria = {"category": category, "region": None, "channel": channel, "level": ""}
    if RoutingRule.objects.filter(**criteria).exists():
        return False
    RoutingRule.objects.create(**criteria, department=department, note=note)
    return True


@transaction.atomic
def reference_data_load() -> dict[str, int]:
    created = {"regions": 0, "departments": 0, "categories": 0, "routes": 0, "limits": 0}
    for region in REGIONS:
        _, new = Region.objects.update_or_create(
            code=region.code,
            defaults={
                "name": region.name,
                "name_en": region.name_en,
                "customers": region.customers,
            },
        )
        created["regions"] += new
    departments = {}
    for dept in DEPARTMENTS:
        departments[dept.code], new = Department.objects.update_or_create(
            code=dept.code, defaults={"name": dept.name, "name_en": dept.name_en}
        )
        created["departments"] += new
    for sort, row in enumerate(CATEGORIES):
        parent_code, _, _ = row.code.rpartition(".")
        parent = Category.objects.get(code=parent_code) if parent_code else None
        category, new = Category.objects.update_or_create(
            code=row.code,
            defaults={"name": row.name, "name_en": row.name_en, "parent": parent, "sort": sort},
        )
        created["categories"] += new
        # Rules are configuration: create the default once, never overwrite an admin's edit.
        created["routes"] += _rule_ensure(
            category=category, channel="", department=departments[row.department], note=""
        )
    for channel, department, note in CHANNEL_RULES:
        created["routes"] += _rule_ensure(
            category=None, channel=channel, department=departments[department], note=note
        )
    for role, amount in DEFAULT_AUTHORITY.items():
        _, new = AuthorityLimit.objects.get_or_create(
            role=role,
            remedy_type="",
            defaults={
                "max_amount": amount,
                "approval_hours": DEFAULT_APPROVAL_HOURS.get(role),
                "first_contact_minutes": DEFAULT_FIRST_CONTACT_MINUTES.get(role),
            },
        )
        created["limits"] += new
    # Time limits (R4): the default calendar with its holidays, policies and escalation ladder.
    created.update(sla_defaults_load())
    # Repair measures per type (issue 14): configuration, loaded once, never overwritten.
    created["playbooks"] = playbooks_load()
    # The quality inspection sheet and sampling plan (issue 16): configuration, loaded once.
    created["inspection_defaults"] = sheet_defaults_load()
    # The complaint-handling objectives the management review measures against (S0).
    created["objectives"] = objectives_load()
    # The approved wording of what Tousu tells customers by itself (issue 17), editable.
    created["message_wording"] = message_wording_load()
    return created
