"""Reads of the classification app: the active classifier (cached in-process) and the triage
queue."""

from __future__ import annotations

import threading
import time

from django.db.models import QuerySet

from tousu.accounts.models import User
from tousu.accounts.permissions import scope_q
from tousu.classification.model import TfidfClassifier
from tousu.classification.models import TextModel
from tousu.classification.rules import Classifier, KeywordClassifier
from tousu.complaints.models import Complaint
from tousu.complaints.rules import OPEN_STATUSES

RECHECK_SECONDS = 60.0

_lock = threading.Lock()
_cache: dict[str, object] = {"checked": 0.0, "version": None, "classifier": None}
_keywords = KeywordClassifier()


def active_classifier() -> Classifier:
    """The active trained model, loaded once per version and process (which version is active
    is re-read at most every 60 s); the keyword rules when no model is active, so that a fresh
    install still classifies."""
    now = time.monotonic()
    with _lock:
        if _cache["classifier"] is not None and now - float(_cache["checked"]) < RECHECK_SECONDS:  # type: ignore[arg-type]
            return _cache["classifier"]  # type: ignore[return-value]
        version = TextModel.objects.filter(active=True).values_list("version", flat=True).first()
        classifier: Classifier
        if version is None:
            classifier = _keywords
        elif version == _cache["version"] and _cache["classifier"] is not None:
            classifier = _cache["classifier"]  # type: ignore[assignment]
        else:
            blob = TextModel.objects.values_list("blob", flat=True).get(version=version)
            classifier = TfidfClassifier.loads(bytes(blob), version)
        _cache.update(checked=now, version=version, classifier=classifier)
        return classifier


def active_classifier_reset() -> None:
    """Forget the cached model (after activating one in this process, and in tests)."""
    with _lock:
        _cache.update(checked=0.0, version=None, classifier=None)


def triage_queue(user: User) -> QuerySet[Complaint]:
    """Open complaints in the user's scope that have no category yet, oldest first."""
    return (
        Complaint.objects.select_related("customer", "department", "handler", "region")
        .filter(scope_q(user))
        .filter(category__isnull=True, status__in=OPEN_STATUSES)
        .order_by("received_at", "pk")
    )


def text_model_get(version: str | None = None) -> TextModel | None:
    """The model of that version, or the newest trained."""
    qs = TextModel.objects.all()
    if version:
        return qs.filter(version=version).first()
    return qs.order_by("-created_at", "-pk").first()
