"""Forms of the complaint pages. They parse what people type into the arguments of a service;
the services validate the business rules, and `apply_domain_error` puts what they refuse back
on the form, next to the field it concerns."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tousu.accounts.choices import DataScope
from tousu.accounts.models import Department, Region, User
from tousu.classification.forms import (
    active_categories,
    category_choices,
    category_from_code,
)
from tousu.classification.models import Category
from tousu.complaints.choices import ArchiveFilter, Channel, Level, Status, TimeLeft
from tousu.complaints.selectors import SORT_DEFAULT, ComplaintFilters, get_complaint_for_user
from tousu.complaints.services import REASON_MAX_CHARS, SAVED_VIEW_NAME_MAX
from tousu.core.api import parse_time_bound
from tousu.core.errors import NotFound
from tousu.core.forms import DayField, LocalNameChoiceField, blank, fast_selects
from tousu.core.refcache import RefCache
from tousu.core.templatetags.tousu_ui import local_name
from tousu.core.text import normalise_phone
from tousu.desk.bulk import BULK_ACTIONS, BULK_MAX, BulkRequest
from tousu.routing.services import HANDLER_ROLES


def local_date_bound(day: dt.date | None, field: str, *, end: bool = False) -> dt.datetime | None:
    return parse_time_bound(day.isoformat(), field, end=end) if day else None


# ---- the complaint list ---------------------------------------------------------------------


def _filter_rows() -> tuple[list[Category], list[Department], list[Region]]:
    return (
        active_categories(),
        list(Department.objects.filter(active=True)),
        list(Region.objects.all()),
    )


# The filters' choices on every list page: the reference rows per process (tousu.core.refcache),
# three statements fewer a page (issue 19); labels are made per request, in its language.
_filter_references = RefCache(
    "list filter choices",
    _filter_rows,
    models=("classification.Category", "accounts.Department", "accounts.Region"),
)


class ComplaintFilterForm(forms.Form):
    """The list page's filters (GET); every field optional."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Words in the text")}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    level = forms.ChoiceField(label=_("Level"), required=False)
    department = forms.ChoiceField(label=_("Department"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    # Free text, matched exactly: products are the CRM's plan names, not reference data here.
    # An alert on a product links to its complaints with it.
    product = forms.CharField(
        label=pgettext_lazy("product", "Product"), required=False, max_length=64
    )
    responsible_department = forms.ChoiceField(label=_("Responsible department"), required=False)
    received_from = DayField(
        label=_("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = DayField(
        label=_("Received to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    # The dashboard's table by responsible department opens the complaints it counts: those
    # closed in its months.
    closed_from = DayField(
        label=_("Closed from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    closed_to = DayField(
        label=_("Closed to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    customer_phone = forms.CharField(
        label=_("Customer phone"),
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    time_left = forms.ChoiceField(label=_("Time left"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    repeat = forms.BooleanField(label=_("Repeat complaints only"), required=False)
    archived = forms.ChoiceField(
        label=_("Archive"),
        required=False,
        choices=[("", _("Including archived")), *ArchiveFilter.choices],
    )
    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[
            ("", _("Newest first")),
            ("due", _("Least time left first")),
            ("level", _("Highest level first")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        any_value = _("All")
        fields = self.fields
        fields["status"].choices = blank(any_value) + list(Status.choices)  # type: ignore[attr-defined]
        self.references = _filter_references.get()
        categories, departments_active, regions = self.references
        fields["category"].choices = category_choices(any_value, categories)  # type: ignore[attr-defined]
        fields["channel"].choices = blank(any_value) + list(Channel.choices)  # type: ignore[attr-defined]
        fields["level"].choices = blank(any_value) + list(Level.choices)  # type: ignore[attr-defined]
        fields["time_left"].choices = blank(any_value) + list(TimeLeft.choices)  # type: ignore[attr-defined]
        departments = [(d.code, local_name(d)) for d in departments_active]
        fields["department"].choices = blank(any_value) + departments  # type: ignore[attr-defined]
        fields["responsible_department"].choices = blank(any_value) + departments  # type: ignore[attr-defined]
        fields["region"].choices = blank(any_value) + [  # type: ignore[attr-defined]
            (r.code, local_name(r)) for r in regions
        ]
        fast_selects(self)  # on every list page: its options written without templates

    def pristine_references(self) -> object | None:
        """The reference rows its choices came from, when no filter was given (no field of
        the form in its data, so nothing chosen and no error): its fields are then the same
        HTML for every such request in a language while those rows are unchanged. None
        otherwise."""
        if any(name in self.data for name in self.fields):
            return None
        return self.references

    def clean_customer_phone(self) -> str:
        value = self.cleaned_data["customer_phone"].strip()
        if value and normalise_phone(value) is None:
            raise forms.ValidationError(_("Not a valid phone number."))
        return normalise_phone(value) or ""

    def order(self) -> str:
        """The list's order (a key of complaints.selectors.SORTS); search results keep theirs,
        by relevance."""
        return (self.cleaned_data.get("sort") if hasattr(self, "cleaned_data") else "") or (
            SORT_DEFAULT
        )

    def filters(self) -> ComplaintFilters:
        """The filters from the fields that are valid; call after `is_valid()`."""
        data = self.cleaned_data
        phone, q = data.get("customer_phone", ""), data.get("q", "").strip()
        if not phone and (typed := normalise_phone(q)):
            # A phone number typed in the search box finds the customer's complaints (the
            # index holds words, and a number in a text is masked or written many ways).
            phone, q = typed, ""
        return ComplaintFilters(
            status=data.get("status", ""),
            category=data.get("category", ""),
            channel=data.get("channel", ""),
            level=data.get("level", ""),
            department=data.get("department", ""),
            region=data.get("region", ""),
            product=data.get("product", "").strip(),
            responsible_department=data.get("responsible_department", ""),
            overdue=data.get("overdue", False),
            time_left=data.get("time_left", ""),
            repeat=data.get("repeat", False),
            archived=data.get("archived", ""),
            received_from=local_date_bound(data.get("received_from"), "received_from"),
            received_to=local_date_bound(data.get("received_to"), "received_to", end=True),
            closed_from=local_date_bound(data.get("closed_from"), "closed_from"),
            closed_to=local_date_bound(data.get("closed_to"), "closed_to", end=True),
            customer_phone=phone,
            q=q,
        )


# ---- actions on the complaint page ----------------------------------------------------------


class TriageForm(forms.Form):
    """One row of the triage queue: which complaint, which category."""

    number = forms.CharField(max_length=32, widget=forms.HiddenInput)
    category = forms.ChoiceField(label=_("Category"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(_("Choose a category"))  # type: ignore[attr-defined]

    def clean_category(self) -> Category:
        return category_from_code(self.cleaned_data["category"])


# ---- bulk actions and saved views of the list (issue 13) ------------------------------------


def _bulk_handlers() -> list[User]:
    """Whom a bulk assignment may go to: active handlers with a department, by department."""
    return list(
        User.objects.filter(role__in=HANDLER_ROLES, is_active=True, department__isnull=False)
        .select_related("department")
        .order_by("department__code", "username")
    )


_bulk_references = RefCache(
    "bulk form choices",
    lambda: (_bulk_handlers(), list(Department.objects.filter(active=True))),
    models=("accounts.User", "accounts.Department"),
    # Not dropped by every login (which saves `last_login`): by a change of what it offers.
    fields={
        "accounts.User": frozenset(
            {"username", "display_name", "role", "is_active", "department", "department_id"}
        )
    },
)


class BulkForm(forms.Form):
    """A bulk action on the complaints ticked in the list (desk.bulk)."""

    numbers = forms.MultipleChoiceField(label=_("Complaints"))
    action = forms.ChoiceField(label=_("Action"), choices=list(BULK_ACTIONS.items()))
    handler = forms.ChoiceField(label=_("Handler"), required=False)
    department = LocalNameChoiceField(
        label=_("Department"), queryset=Department.objects.filter(active=True), required=False
    )
    original = forms.CharField(label=_("Duplicate of (number)"), required=False, max_length=24)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": str(REASON_MAX_CHARS)}),
    )

    # Which action needs which field: the page shows only those of the action chosen (app.js).
    FIELDS_FOR = {
        "handler": "assign",
        "department": "transfer",
        "reason": "transfer",
        "original": "close_duplicate",
    }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        for name, action in self.FIELDS_FOR.items():
            self.fields[name].widget.attrs["data-bulk-for"] = action
        numbers = self.data.getlist("numbers") if hasattr(self.data, "getlist") else []
        self.fields["numbers"].choices = [(n, n) for n in numbers[:BULK_MAX]]  # type: ignore[attr-defined]
        if self.is_bound:
            # What is posted is checked against the database as it is now.
            handlers = _bulk_handlers()
        else:
            # Offered on every list page: the handlers and departments of a per-process copy
            # (tousu.core.refcache), two statements fewer a page (issue 19); the post is
            # checked against the database.
            handlers, departments = _bulk_references.get()
            self.fields["department"].choices = [("", self.fields["department"].empty_label)] + [  # type: ignore[attr-defined]
                (d.pk, local_name(d)) for d in departments
            ]
        if user.effective_scope == DataScope.DEPARTMENT and user.department_id:
            # A complaint goes only to a handler of its own department, and a manager of one
            # department sees its complaints: offer that department's people, not everyone's.
            handlers = [h for h in handlers if h.department_id == user.department_id]
        groups: dict[str, list[tuple[str, str]]] = {}
        for person in handlers:
            groups.setdefault(local_name(person.department), []).append(
                (person.username, str(person))
            )
        self.fields["handler"].choices = blank(_("Choose a handler")) + list(groups.items())  # type: ignore[attr-defined]
        fast_selects(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        if action == "assign" and not data.get("handler"):
            self.add_error("handler", _("Choose the handler to assign to."))
        if action == "transfer" and not data.get("department"):
            self.add_error("department", _("Choose the department to transfer to."))
        if action == "transfer" and not data.get("reason", "").strip():
            self.add_error("reason", _("A transfer needs a reason."))
        if action == "close_duplicate":
            number = data.get("original", "").strip()
            try:
                data["original"] = get_complaint_for_user(self.user, number) if number else None
            except NotFound:
                data["original"] = None
            if data["original"] is None:
                self.add_error("original", _("Give the number of a complaint you may see."))
        return data

    def request(self) -> BulkRequest:
        data = self.cleaned_data
        username = data.get("handler")
        return BulkRequest(
            action=data["action"],
            handler=User.objects.filter(username=username).first() if username else None,
            department=data.get("department"),
            reason=data.get("reason", ""),
            original=data.get("original") or None,
        )


class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("Name of the view"), max_length=SAVED_VIEW_NAME_MAX)
    query = forms.CharField(required=False, widget=forms.HiddenInput)
