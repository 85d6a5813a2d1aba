"""Writes of the classification app: storing and activating text models, and staff setting a
complaint's category (triage or correction), which feeds the next training."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction

from tousu.accounts import permissions
from tousu.accounts.choices import Role
from tousu.accounts.models import User
from tousu.classification.model import TfidfClassifier
from tousu.classification.models import Category, CategoryCorrection, TextModel
from tousu.classification.selectors import active_classifier_reset
from tousu.complaints.choices import CategorySource, EventType, Status
from tousu.complaints.models import Complaint
from tousu.complaints.rules import OPEN_STATUSES
from tousu.complaints.services import complaint_lock, event_record
from tousu.core import clock
from tousu.core.errors import NotAllowed, ValidationFailed

TRIAGE_ROLES = {Role.AGENT, Role.SUPERVISOR, Role.DEPT_HEAD, Role.ADMIN}


def can_triage(user: User) -> bool:
    """May open the triage queue of unclassified complaints (still scoped)."""
    return user.is_active and user.role in TRIAGE_ROLES


def can_categorise(user: User, complaint: Complaint) -> bool:
    """Set or change the category of an open complaint: triage roles while it has none, the
    handler in charge and the department's managers at any time while it is open."""
    if complaint.status not in OPEN_STATUSES or not permissions.can_view(user, complaint):
        return False
    if complaint.category_id is None and can_triage(user):
        return True
    return permissions.can_handle(user, complaint)


def new_version(prefix: str = "tfidf") -> str:
    stamp = clock.now().astimezone(dt.UTC).strftime("%Y%m%d-%H%M%S")
    return f"{prefix}-{stamp}-{secrets.token_hex(2)}"


def text_model_store(
    *, classifier: TfidfClassifier, metrics: dict[str, object], training_n: int, source: str
) -> TextModel:
    """Store a classifier trained by `tousu classifier train` (the only writer of blobs)."""
    labels = classifier.labels
    codes = set(Category.objects.filter(active=True).values_list("code", flat=True))
    return TextModel.objects.create(
        version=classifier.version,
        algorithm=classifier.algorithm,
        labels=labels,
        taxonomy=bool(labels) and all(label in codes for label in labels),
        metrics=metrics,
        training_n=training_n,
        source=source[:255],
        blob=classifier.dumps(),
    )


def text_model_activate(model: TextModel) -> TextModel:
    """Make `model` the one active model. Refuses one whose labels are not all category codes
    of the tree (trained on an outside data set): it could not set a category."""
    codes = set(Category.objects.filter(active=True).values_list("code", flat=True))
    missing = sorted(label for label in model.labels if label not in codes)
    if not model.labels or missing:
        raise ValidationFailed(
            f"模型 {model.version} 的标签不全是类别树中的类别编码，不能启用："
            + "、".join(missing[:10])
        )
    with transaction.atomic():
        TextModel.objects.select_for_update().filter(active=True).exclude(pk=model.pk).update(
            active=False
        )
        TextModel.objects.filter(pk=model.pk).update(active=True, taxonomy=True)
    model.refresh_from_db()
    active_classifier_reset()
    return model


def complaint_categorise(*, complaint: Complaint, actor: User, category: Category) -> Complaint:
    """Staff set the category (from triage, or correcting the model's): source 'manual', a
    CategoryCorrection row for the next training, a `classified` event; a complaint still
    waiting unaccepted in the default department is routed again by its new category."""
    from tousu.routing.selectors import department_for
    from tousu.routing.services import complaint_dispatch
    from tousu.setup.reference import DEFAULT_DEPARTMENT

    with transaction.atomic():
        complaint = complaint_lock(complaint)
        if not can_categorise(actor, complaint):
            raise NotAllowed("你不能修改这个投诉的类别")
        if not category.active:
            raise ValidationFailed("类别已停用", fields={"category": ["该类别已停用"]})
        previous = complaint.category
        if previous is not None and previous.pk == category.pk:
            return complaint
        now = clock.now()
        CategoryCorrection.objects.create(
            complaint=complaint, from_category=previous, to_category=category, by=actor, at=now
        )
        complaint.category = category
        complaint.category_source = CategorySource.MANUAL
        complaint.category_confidence = None
        complaint.save(update_fields=["category", "category_source", "category_confidence"])
        event_record(
            complaint=complaint,
            type=EventType.CLASSIFIED,
            actor=actor,
            data={
                "category": category.code,
                "source": CategorySource.MANUAL,
                "from": previous.code if previous else None,
            },
        )
        in_default = complaint.department is not None and (
            complaint.department.code == DEFAULT_DEPARTMENT
        )
        waiting = complaint.accepted_at is None and complaint.status in (
            Status.REGISTERED,
            Status.DISPATCHED,
        )
        if in_default and waiting:
            department, why = department_for(
                category, complaint.region, complaint.channel, complaint.level
            )
            if department.pk != complaint.department_id:
                complaint = complaint_dispatch(
                    complaint=complaint,
                    actor=None,
                    department=department,
                    rule=why,
                    reason="类别确定后重新派单",
                )
    return complaint
