"""Every permission predicate in one place. Pure functions of the user and the object, so that
pages, API and exports ask the same question and get the same answer.

Scope (which complaints a user may see) is applied in selectors with `scope_q`; the predicates
here decide what the user may *do* with a complaint they can see.
"""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db.models import Q, QuerySet

from tousu.accounts.choices import DataScope, Role
from tousu.core import clock

if TYPE_CHECKING:
    from tousu.accounts.models import User
    from tousu.complaints.models import Complaint

REGISTER_ROLES = {Role.AGENT, Role.HANDLER, Role.SUPERVISOR, Role.DEPT_HEAD, Role.ADMIN}
MANAGER_ROLES = {Role.SUPERVISOR, Role.DEPT_HEAD, Role.ADMIN}
BACK_OFFICE_ROLES = {Role.HANDLER, Role.SUPERVISOR, Role.DEPT_HEAD, Role.ADMIN}
CALLBACK_ROLES = {Role.AGENT, Role.SUPERVISOR, Role.DEPT_HEAD, Role.QUALITY, Role.ADMIN}
NOTE_ROLES = {Role.AGENT, Role.HANDLER, Role.SUPERVISOR, Role.DEPT_HEAD, Role.QUALITY, Role.ADMIN}
REOPEN_ROLES = {Role.AGENT, Role.HANDLER, Role.SUPERVISOR, Role.DEPT_HEAD, Role.ADMIN}
# Roles whose work needs the customer's real number (calling back, investigating a bill).
PII_ROLES = {Role.HANDLER, Role.SUPERVISOR, Role.DEPT_HEAD, Role.ADMIN}
# Who watches the high-risk complaints (R2.4) and who keeps special-customer profiles (R13.3).
WATCH_ROLES = {Role.SUPERVISOR, Role.DEPT_HEAD, Role.ADMIN, Role.QUALITY}
CUSTOMER_PROFILE_ROLES = MANAGER_ROLES
# Who may open the triage queue of complaints the model could not classify (D7).
TRIAGE_ROLES = {Role.AGENT, Role.SUPERVISOR, Role.DEPT_HEAD, Role.ADMIN}
# Who may export complaint lists (issue 6): managers, quality and analysts, not the front line.
EXPORT_ROLES = MANAGER_ROLES | {Role.QUALITY, Role.ANALYST}
# Who may import complaints from a file on the web (issue 17): thousands of registrations at
# once under the uploader's name is the complaint office's and managers' work, not an agent's.
IMPORT_ROLES = MANAGER_ROLES


def team_complaints(user: User) -> QuerySet[Any]:
    """The ids of the complaints on whose expert team `user` sits (R3.4), as a subquery."""
    member = apps.get_model("routing", "ExpertTeamMember")
    return member.objects.filter(user=user.pk).values("team__complaint")


def team_q(user: User, prefix: str = "") -> Q:
    """The complaints on whose expert team `user` sits (R3.4), as `pk IN (the user's teams'
    complaints)`: a join would repeat a complaint once per matching row, and a correlated
    EXISTS ran once per complaint read (a quarter of a supervisor's scope: 252,000 times)."""
    return Q(**{f"{prefix}pk__in": team_complaints(user)})


def on_team(user: User, complaint: Complaint) -> bool:
    """Whether `user` sits on the complaint's expert team; the member ids are read once per
    complaint object (a page asks many predicates about the same complaint)."""
    cache = complaint.__dict__.get("_team_user_ids")
    if cache is None:
        member = apps.get_model("routing", "ExpertTeamMember")
        cache = set(
            member.objects.filter(team__complaint=complaint.pk).values_list("user_id", flat=True)
        )
        complaint.__dict__["_team_user_ids"] = cache
    return user.pk in cache


@dataclass(frozen=True)
class ScopeAlternatives:
    """The complaints a user may see, as alternatives: a complaint field equal to a value
    (`fields`, such as `("department", 3)`), or a complaint of one of the user's expert teams
    (`teams`, the subquery of `team_complaints`, or None). `scope_q` is their OR; a search on
    PostgreSQL walks each alternative along an index of its own (complaints.search)."""

    fields: tuple[tuple[str, int], ...]
    teams: QuerySet[Any] | None


def scope_alternatives(user: User) -> ScopeAlternatives | None:
    """The complaints `user` may see as alternatives (none for an inactive user); None when
    they may see every complaint."""
    if not user.is_active:
        return ScopeAlternatives(fields=(), teams=None)
    scope = user.effective_scope
    if scope == DataScope.ALL:
        return None
    fields = [("handler", user.pk), ("registered_by", user.pk)]
    if scope == DataScope.REGION:
        if user.region_id:
            fields.append(("region", user.region_id))
    elif user.department_id:
        fields += [
            ("department", user.department_id),
            ("responsible_department", user.department_id),
        ]
    return ScopeAlternatives(fields=tuple(fields), teams=team_complaints(user))


def scope_q(user: User, prefix: str = "") -> Q:
    """The complaints `user` may see, as a filter on the Complaint model (or a relation to it)."""
    alternatives = scope_alternatives(user)
    if alternatives is None:
        return Q()
    parts = [Q(**{f"{prefix}{field}": value}) for field, value in alternatives.fields]
    if alternatives.teams is not None:
        parts.append(Q(**{f"{prefix}pk__in": alternatives.teams}))
    if not parts:
        return Q(pk__in=[])
    return reduce(operator.or_, parts)


def can_view(user: User, complaint: Complaint) -> bool:
    scope = user.effective_scope
    if not user.is_active:
        return False
    if scope == DataScope.ALL:
        return True
    if user.pk in (complaint.handler_id, complaint.registered_by_id):
        return True
    if scope == DataScope.REGION:
        if complaint.region_id is not None and complaint.region_id == user.region_id:
            return True
    elif user.department_id is not None and user.department_id in (
        complaint.department_id,
        complaint.responsible_department_id,
    ):
        return True
    return on_team(user, complaint)


def _in_department(user: User, complaint: Complaint) -> bool:
    if not user.is_active:
        return False
    return user.role == Role.ADMIN or (
        user.department_id is not None and user.department_id == complaint.department_id
    )


def can_register(user: User) -> bool:
    return user.role in REGISTER_ROLES


def can_watch(user: User) -> bool:
    """May open the watch list of high-risk complaints (still scoped to what they may see)."""
    return user.is_active and user.role in WATCH_ROLES


def can_edit_customer_profile(user: User) -> bool:
    """May set a customer's special type and note (R13.3)."""
    return user.is_active and user.role in CUSTOMER_PROFILE_ROLES


def can_edit_customer_contact(user: User) -> bool:
    """May record how the customer wants to be told (channel, e-mail, no messages): whoever
    takes their calls and handles their complaints, since the customer says it to them."""
    return user.is_active and user.role in REGISTER_ROLES


def can_dispatch(user: User, complaint: Complaint) -> bool:
    """Managers dispatch anywhere in their scope; agents may correct the routing of what they
    registered until someone accepts it; handlers transfer or return (退单) what sits in their
    department."""
    if not can_view(user, complaint):
        return False
    if user.role in MANAGER_ROLES:
        return True
    if user.role == Role.AGENT:
        return complaint.status == "registered" or (
            complaint.status == "dispatched" and complaint.registered_by_id == user.pk
        )
    if user.role == Role.HANDLER:
        return _in_department(user, complaint) and complaint.handler_id in (None, user.pk)
    return False


def can_accept(user: User, complaint: Complaint) -> bool:
    if user.role not in BACK_OFFICE_ROLES or not _in_department(user, complaint):
        return False
    return user.role != Role.HANDLER or complaint.handler_id in (None, user.pk)


def can_handle(user: User, complaint: Complaint) -> bool:
    """Resolve, close, record investigation steps and evidence: the handler in charge or a
    manager of the department."""
    if user.role in MANAGER_ROLES:
        return _in_department(user, complaint) or user.role == Role.ADMIN
    if user.role == Role.HANDLER:
        return _in_department(user, complaint) and complaint.handler_id in (None, user.pk)
    return False


def can_act_in_bulk(user: User) -> bool:
    """May use the list's bulk actions; each complaint is still checked on its own."""
    return user.is_active and user.role in REGISTER_ROLES


def can_close_duplicate(user: User, complaint: Complaint) -> bool:
    """Close a complaint as a duplicate of another (issue 13): whoever may handle it, or a
    manager in whose scope it is (the complaint office weeding out double registrations)."""
    return can_handle(user, complaint) or (user.role in MANAGER_ROLES and can_view(user, complaint))


def can_unmerge(user: User, complaint: Complaint) -> bool:
    """Undo a merge (issue 15): administrators only, a correction of the record."""
    return user.is_active and user.role == Role.ADMIN


# ---- front-line resolution (S3 授权, issue 13) ---------------------------------------------

# A complaint nobody in the back office has taken up yet: registered, or dispatched by routing.
FIRST_CONTACT_STATUSES = ("registered", "dispatched")


def first_contact_window(user: User) -> dt.timedelta | None:
    """How long after registering a complaint `user`'s role may still resolve it themselves at
    first contact: the `first_contact_minutes` of the role's total authority-limit row, which
    the administrators set per role (None = the role does not resolve at first contact). Read
    once per user object: a page asks about many complaints."""
    if "_first_contact_window" not in user.__dict__:
        limit = apps.get_model("resolution", "AuthorityLimit")
        minutes = (
            limit.objects.filter(role=user.role, remedy_type="")
            .values_list("first_contact_minutes", flat=True)
            .first()
        )
        window = dt.timedelta(minutes=minutes) if minutes else None
        user.__dict__["_first_contact_window"] = window
    return user.__dict__["_first_contact_window"]


def _others_acted(user: User, complaint: Complaint) -> bool:
    """Whether anybody but `user` has acted on the complaint: an event by another person
    (accepted, dispatched again, transferred, returned, escalated, a note…). The system's own
    events — classifying and routing at registration, reminders — do not count."""
    event = apps.get_model("complaints", "ComplaintEvent")
    return (
        event.objects.filter(complaint=complaint.pk, actor__isnull=False)
        .exclude(actor=user.pk)
        .exists()
    )


def at_first_contact(user: User, complaint: Complaint) -> bool:
    """Whether `user` is still at the first contact about this complaint (S3 授权: the person
    facing the customer settles it there and then): they registered it, nobody else has taken
    it up or acted on it (not accepted, moved, escalated or written on by the back office),
    and their role's first-contact window since registering (`first_contact_window`) has not
    passed. What they may then grant alone is their authority limit; beyond it, approval."""
    if not user.is_active or complaint.registered_by_id != user.pk:
        return False
    if complaint.status not in FIRST_CONTACT_STATUSES or complaint.accepted_at is not None:
        return False
    window = first_contact_window(user)
    if window is None or clock.now() > complaint.registered_at + window:
        return False
    return not _others_acted(user, complaint)


def can_resolve(user: User, complaint: Complaint) -> bool:
    """Record the outcome: whoever may handle the complaint, or the person who registered it
    while still at first contact (`at_first_contact`)."""
    return can_handle(user, complaint) or at_first_contact(user, complaint)


def can_close(user: User, complaint: Complaint) -> bool:
    """Close: whoever may handle the complaint, or the person who resolved it at first contact
    (its `first_contact` outcome): they heard the customer accept or refuse it, and S3 has the
    front line answer for its own decisions rather than leave them in a department's queue."""
    if can_handle(user, complaint):
        return True
    return user.is_active and complaint.first_contact and complaint.registered_by_id == user.pk


def can_triage(user: User) -> bool:
    """May open the triage queue of unclassified complaints (still scoped)."""
    return user.is_active and user.role in TRIAGE_ROLES


def can_view_classifier(user: User) -> bool:
    """The classifier page (its models and the learning loop's history): managers."""
    return user.is_active and user.role in MANAGER_ROLES


def can_categorise(user: User, complaint: Complaint) -> bool:
    """Set or change the category of an open complaint: triage roles while it has none, the
    handler in charge and the department's managers at any time while it is open."""
    if not complaint.is_open or not can_view(user, complaint):
        return False
    if complaint.category_id is None and can_triage(user):
        return True
    return can_handle(user, complaint)


def can_escalate(user: User, complaint: Complaint) -> bool:
    return can_handle(user, complaint) or (user.role in MANAGER_ROLES and can_view(user, complaint))


def can_note(user: User, complaint: Complaint) -> bool:
    """Everyone who sees it except read-only roles; every expert team member writes on the
    timeline of the team's complaint."""
    if user.role in NOTE_ROLES and can_view(user, complaint):
        return True
    return user.is_active and on_team(user, complaint)


def can_return(user: User, complaint: Complaint) -> bool:
    """Return (退单): the handling department sends back what is not theirs — its managers,
    or a handler holding it or seeing it unassigned in the queue."""
    if user.role in MANAGER_ROLES:
        return _in_department(user, complaint)
    if user.role == Role.HANDLER:
        return _in_department(user, complaint) and complaint.handler_id in (None, user.pk)
    return False


def can_form_team(user: User, complaint: Complaint) -> bool:
    """Managers who see a complaint may gather an expert team for it (R3.4)."""
    return user.role in MANAGER_ROLES and can_view(user, complaint)


def can_reopen(user: User, complaint: Complaint) -> bool:
    """The front line reopens for a customer who calls back; a handler only reopens what their
    own department handled (seeing it as the responsible department is not enough)."""
    if user.role == Role.HANDLER:
        return _in_department(user, complaint)
    return user.role in REOPEN_ROLES and can_view(user, complaint)


def can_callback(user: User, complaint: Complaint) -> bool:
    return user.role in CALLBACK_ROLES and can_view(user, complaint)


def can_approve(user: User, complaint: Complaint, amount: Decimal, limit: Decimal | None) -> bool:
    """An approver must be a manager of the handling department (or an admin) whose own
    authority limit covers the amount (None = unlimited). A manager of the department only
    held responsible sees the complaint but does not approve its compensation."""
    if user.role not in MANAGER_ROLES or not _in_department(user, complaint):
        return False
    return limit is None or amount <= limit


def can_add_evidence(user: User, complaint: Complaint) -> bool:
    """Whoever handles the complaint, or may write notes on it, may attach evidence."""
    return can_handle(user, complaint) or can_note(user, complaint)


def can_administer(user: User) -> bool:
    """May open the administration pages (users, reference data, limits)."""
    return user.role == Role.ADMIN


def can_anonymise(user: User) -> bool:
    """Anonymising a customer before the retention job would (R12.2): administrators only."""
    return user.role == Role.ADMIN


def can_download_report(user: User) -> bool:
    """The quarterly report covers the whole operation, not a data scope: only those who see
    everything download it."""
    return can_view_dashboard(user) and user.effective_scope == DataScope.ALL


def can_view_pii(user: User) -> bool:
    return user.is_active and user.role in PII_ROLES


def can_import(user: User) -> bool:
    """May upload a CSV/Excel file of complaints and see their import runs."""
    return user.is_active and user.role in IMPORT_ROLES


def can_export(user: User) -> bool:
    """Lists leave the system in bulk only for those who manage or study them; what they
    export is still limited to their data scope, and personal data to `can_view_pii`."""
    return user.is_active and user.role in EXPORT_ROLES


# ---- knowledge: case library and approved wording (issue 5) ----------------------------------

# Who curates the case library (R7.1): quality staff, and managers who know the handling.
CASE_CURATOR_ROLES = {Role.QUALITY, Role.SUPERVISOR, Role.DEPT_HEAD, Role.ADMIN}
# Who approves wording (R7.2): one voice for every channel, so few hands.
WORDING_EDITOR_ROLES = {Role.QUALITY, Role.ADMIN}


def can_curate_cases(user: User) -> bool:
    """May turn closed complaints into cases, edit them, publish them and see drafts."""
    return user.is_active and user.role in CASE_CURATOR_ROLES


def can_curate_case(user: User, complaint: Complaint | None) -> bool:
    """May edit and publish this case: a curator who can see the complaint it was made from (a
    department's supervisor curates the cases of their own department's complaints)."""
    return can_curate_cases(user) and (complaint is None or can_view(user, complaint))


def can_make_case(user: User, complaint: Complaint) -> bool:
    """May turn this complaint into a case: a curator who can see it (closed is checked by
    the service, which says why)."""
    return can_curate_cases(user) and can_view(user, complaint)


def can_edit_wording(user: User) -> bool:
    return user.is_active and user.role in WORDING_EDITOR_ROLES


# Who reads the consistency of outcomes across channels and departments (R6.3).
CONSISTENCY_ROLES = MANAGER_ROLES | {Role.QUALITY, Role.ANALYST}


def can_view_consistency(user: User) -> bool:
    """May open the consistency report; what it covers is still limited to their data scope."""
    return user.is_active and user.role in CONSISTENCY_ROLES


# ---- analytics: the dashboard (issue 6, R11.2) -------------------------------------------------

# Who reads the dashboard: those who manage, inspect or study the handling, not the front line.
DASHBOARD_ROLES = MANAGER_ROLES | {Role.QUALITY, Role.ANALYST}


def can_view_dashboard(user: User) -> bool:
    """May open the dashboard; its figures are still limited to their data scope."""
    return user.is_active and user.role in DASHBOARD_ROLES


# ---- repair: dissatisfied-customer repair (issue 14, R9) --------------------------------------

# Who opens a repair case by hand: managers, quality and the callback team that hears the
# customer; the cases found automatically need nobody's hand.
REPAIR_OPEN_ROLES = MANAGER_ROLES | {Role.QUALITY, Role.AGENT}
# Who sees the repair programme's cases and its effect at all (within their scope).
REPAIR_VIEW_ROLES = BACK_OFFICE_ROLES | {Role.QUALITY, Role.ANALYST, Role.AGENT}


def can_view_repair(user: User) -> bool:
    return user.is_active and user.role in REPAIR_VIEW_ROLES


def can_open_repair(user: User) -> bool:
    return user.is_active and user.role in REPAIR_OPEN_ROLES


def repair_scope_q(user: User) -> Q:
    """The repair cases `user` may see, as a filter on RepairCase: like complaints, a
    department's are its own (the owner department's, or a department with a step in the
    plan), a region's its customers', all for the roles that see all; and whoever owns or
    opened the case."""
    if not can_view_repair(user):
        return Q(pk__in=[])
    scope = user.effective_scope
    if scope == DataScope.ALL:
        return Q()
    mine = Q(owner=user) | Q(opened_by=user)
    if scope == DataScope.REGION:
        return mine | Q(customer__region=user.region_id) if user.region_id else mine
    if user.department_id:
        action = apps.get_model("repair", "RepairAction")
        stepping = action.objects.filter(department=user.department_id).values("case")
        return mine | Q(department=user.department_id) | Q(pk__in=stepping)
    return mine


def can_act_repair(user: User, case: object) -> bool:
    """May do the steps of the case, log contacts and close it: its owner, the back office of
    its owner department or of a department with a step in its plan, an administrator."""
    if not user.is_active:
        return False
    if user.role == Role.ADMIN or user.pk == getattr(case, "owner_id", None):
        return True
    if user.role not in BACK_OFFICE_ROLES or user.department_id is None:
        return False
    if user.department_id == getattr(case, "department_id", None):
        return True
    departments = {a.department_id for a in case.actions.all()}  # type: ignore[attr-defined]
    return user.department_id in departments


# Who gives a repair case its owner, or another one: the supervisors and the head of the case's
# owner department (the department answers for the repair), and administrators.
REPAIR_ASSIGN_ROLES = {Role.SUPERVISOR, Role.DEPT_HEAD}
# Who may own a repair case: the back office of its owner department.
REPAIR_OWNER_ROLES = {Role.HANDLER, Role.SUPERVISOR, Role.DEPT_HEAD}


def can_assign_repair(user: User, case: object) -> bool:
    """May assign (or reassign) the owner of the case."""
    if not user.is_active:
        return False
    if user.role == Role.ADMIN:
        return True
    return user.role in REPAIR_ASSIGN_ROLES and user.department_id == getattr(
        case, "department_id", None
    )


def can_take_repair(user: User, case: object) -> bool:
    """A handler of the owner department takes a case nobody owns yet (as doing its first step
    does)."""
    return (
        user.is_active
        and user.role == Role.HANDLER
        and getattr(case, "owner_id", None) is None
        and user.department_id is not None
        and user.department_id == getattr(case, "department_id", None)
    )


def may_own_repair(user: User, case: object) -> bool:
    """May be the owner of the case: active back office of its owner department."""
    return (
        user.is_active
        and user.role in REPAIR_OWNER_ROLES
        and user.department_id is not None
        and user.department_id == getattr(case, "department_id", None)
    )


# ---- proactive care from known faults (issue 15 item 3, S3 先于客户发现问题) --------------------

# Who sees the known faults and their care lists (within their scope): the back office that
# calls the customers, and quality staff who review how it went.
CARE_VIEW_ROLES = BACK_OFFICE_ROLES | {Role.QUALITY}


def can_view_care(user: User) -> bool:
    return user.is_active and user.role in CARE_VIEW_ROLES


def care_scope_q(user: User) -> Q:
    """The care items `user` may see, as a filter on CareItem: like complaints, a department's
    are its own (the fault's owner department), a region's its customers', all for the roles
    that see all; and whatever they recorded themselves."""
    if not can_view_care(user):
        return Q(pk__in=[])
    scope = user.effective_scope
    if scope == DataScope.ALL:
        return Q()
    mine = Q(handled_by=user)
    if scope == DataScope.REGION:
        return mine | Q(customer__region=user.region_id) if user.region_id else mine
    if user.department_id:
        return mine | Q(department=user.department_id)
    return mine


def can_act_care(user: User, item: object) -> bool:
    """May record the outcome of contacting the customer: the back office of the department
    that owns the fault, and administrators."""
    if not user.is_active:
        return False
    if user.role == Role.ADMIN:
        return True
    return (
        user.role in BACK_OFFICE_ROLES
        and user.department_id is not None
        and user.department_id == getattr(item, "department_id", None)
    )


# ---- incidents (危机事件, issue 15, R10.4) -------------------------------------------------------

# Who opens and owns an incident: the managers who can answer for a crisis.
INCIDENT_OPEN_ROLES = MANAGER_ROLES
# Who sees the incidents' pages (all of them: an incident crosses departments): those who
# manage, inspect or study the handling, as for alerts; the children's handlers see their
# complaint's incident and its statement in force on the complaint page.
INCIDENT_VIEW_ROLES = MANAGER_ROLES | {Role.QUALITY, Role.ANALYST}
# Who approves an external statement (对外口径): department heads and administrators, never
# its own author — a statement that goes to hundreds of customers and the press is read twice.
STATEMENT_APPROVE_ROLES = {Role.DEPT_HEAD, Role.ADMIN}


def can_view_incidents(user: User) -> bool:
    return user.is_active and user.role in INCIDENT_VIEW_ROLES


def can_open_incident(user: User) -> bool:
    """Open an incident (by hand or from an alert) and be its owner."""
    return user.is_active and user.role in INCIDENT_OPEN_ROLES


def can_act_incident(user: User, incident: object) -> bool:
    """Add and remove children, decide proposals, draft statements, log media, run the
    actions on the children and close the incident: its owner, an administrator, or a manager
    of its department. Each child is still checked on its own when an action reaches it."""
    if not user.is_active or user.role not in INCIDENT_OPEN_ROLES:
        return False
    if user.role == Role.ADMIN or user.pk == getattr(incident, "owner_id", None):
        return True
    department = getattr(incident, "department_id", None)
    return department is not None and department == user.department_id


def can_approve_statement(user: User, statement: object) -> bool:
    """Approve a draft statement: a department head or administrator who did not write it."""
    return (
        user.is_active
        and user.role in STATEMENT_APPROVE_ROLES
        and user.pk != getattr(statement, "author_id", None)
    )


# ---- quality inspection (issue 16, R12.3) --------------------------------------------------

# Who inspects: creates and scores inspection tasks, runs calibration, decides appeals of
# scores they did not give.
INSPECTOR_ROLES = {Role.QUALITY, Role.ADMIN}
# Who reads the quality scores per handler and department (their own department's only,
# unless their scope is all).
QUALITY_SCORE_ROLES = MANAGER_ROLES | {Role.QUALITY, Role.ANALYST}


def can_inspect(user: User) -> bool:
    """May open the inspections, create tasks by hand and calibration rounds."""
    return user.is_active and user.role in INSPECTOR_ROLES


def can_score_inspection(user: User, inspection: object) -> bool:
    """Only the inspector the task is assigned to scores it."""
    return user.is_active and user.pk == getattr(inspection, "inspector_id", None)


def can_appeal_inspection(user: User, inspection: object) -> bool:
    """The handler whose handling was scored appeals (the deadline is the service's)."""
    return user.is_active and user.pk == getattr(inspection, "handler_id", None)


def can_decide_appeal(user: User, inspection: object) -> bool:
    """Another inspector, or an administrator, decides an appeal: never the one who scored."""
    return can_inspect(user) and user.pk != getattr(inspection, "inspector_id", None)


def can_view_quality_scores(user: User) -> bool:
    """May open the quality scores per handler and department (still scoped)."""
    return user.is_active and user.role in QUALITY_SCORE_ROLES


def inspection_scope_q(user: User) -> Q:
    """The inspections `user` may see, as a filter on Inspection: inspectors all of them; a
    handler those of their own handling; managers their department's (or region's, all)."""
    if not user.is_active:
        return Q(pk__in=[])
    if can_inspect(user):
        return Q()
    # Calibration scores are about the inspectors, not the handler: not theirs to see.
    mine = Q(handler=user.pk, calibration__isnull=True)
    if user.role not in QUALITY_SCORE_ROLES:
        return mine
    scope = user.effective_scope
    if scope == DataScope.ALL:
        return Q()
    if scope == DataScope.REGION:
        return mine | Q(complaint__region=user.region_id) if user.region_id else mine
    return mine | Q(department=user.department_id) if user.department_id else mine


# ---- quality: corrective actions and controlled documents (issue 16, R12.1, R12.4) -----------

# Who opens and verifies corrective actions: those who manage the handling and quality.
CAPA_MANAGE_ROLES = MANAGER_ROLES | {Role.QUALITY}


def can_manage_capa(user: User) -> bool:
    return user.is_active and user.role in CAPA_MANAGE_ROLES


def capa_scope_q(user: User) -> Q:
    """The corrective actions `user` may see, as a filter on CorrectiveAction: every one for
    the roles that read the dashboard (they are about the whole, not one department's
    complaints); for anyone else those they own or hold an action of."""
    if not user.is_active:
        return Q(pk__in=[])
    if user.role in DASHBOARD_ROLES:
        return Q()
    action = apps.get_model("quality", "CapaAction")
    return Q(owner=user) | Q(pk__in=action.objects.filter(owner=user).values("capa"))


def can_act_capa(user: User, capa: object) -> bool:
    """May add actions to the corrective action and record them done: its owner, its
    opener, an administrator, and quality or a manager (they run the programme)."""
    if not user.is_active:
        return False
    if user.pk in (getattr(capa, "owner_id", None), getattr(capa, "opened_by_id", None)):
        return True
    return user.role in CAPA_MANAGE_ROLES


def can_do_capa_action(user: User, action: object) -> bool:
    """May record one action done: the action's owner, or whoever may act on its CAPA."""
    if user.is_active and user.pk == getattr(action, "owner_id", None):
        return True
    return can_act_capa(user, action.capa)  # type: ignore[attr-defined]


# Who issues versions of controlled documents and sees who has not read them.
DOCUMENT_EDITOR_ROLES = {Role.QUALITY, Role.ADMIN}
DOCUMENT_READER_ROLES = MANAGER_ROLES | {Role.QUALITY}


def can_issue_document(user: User) -> bool:
    return user.is_active and user.role in DOCUMENT_EDITOR_ROLES


def can_view_acknowledgements(user: User) -> bool:
    """May see who has not acknowledged a document (those who manage staff, and quality)."""
    return user.is_active and user.role in DOCUMENT_READER_ROLES
