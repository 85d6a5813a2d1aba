"""Reads of the classification app: the active classifier (cached in-process) and the triage
queue."""

from __future__ import annotations

import logging
import threading
import time

from django.db.models import QuerySet

from tousu.accounts.models import User
from tousu.accounts.permissions import scope_q
from tousu.classification.keywords import KEYWORDS
from tousu.classification.model import ModelFormatError, TfidfClassifier
from tousu.classification.models import Category, CategoryCorrection, TextModel
from tousu.classification.rules import Classifier, KeywordClassifier
from tousu.complaints.choices import CategorySource, Status
from tousu.complaints.models import Complaint
from tousu.complaints.rules import OPEN_STATUSES

RECHECK_SECONDS = 60.0

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_cache: dict[str, object] = {"checked": 0.0, "version": None, "classifier": None}
_keywords = KeywordClassifier()


def active_classifier() -> Classifier:
    """The active trained model, loaded once per version and process (which version is active
    is re-read at most every 60 s); the keyword rules when no model is active, so that a fresh
    install still classifies, and when the active model cannot be read (logged: registration
    must not fail for it)."""
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
            try:
                classifier = TfidfClassifier.loads(bytes(blob), version)
            except ModelFormatError:
                logger.exception("active text model %s unreadable; keyword rules instead", version)
                classifier = _keywords
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


def training_data() -> tuple[list[str], list[str]]:
    """Texts and category codes to train on: closed complaints with a confirmed category
    (given or set by staff, or set by the model and never corrected); a corrected complaint
    counts with its corrected category."""
    corrected = set(CategoryCorrection.objects.values_list("complaint_id", flat=True))
    qs = (
        Complaint.objects.filter(status=Status.CLOSED, category__isnull=False)
        .select_related("category")
        .only("pk", "content", "demand", "category__code", "category_source")
        .order_by("pk")
    )
    texts, labels = [], []
    for c in qs.iterator(chunk_size=2000):
        confirmed = c.category_source in (CategorySource.GIVEN, CategorySource.MANUAL)
        uncorrected_model = c.category_source == CategorySource.MODEL and c.pk not in corrected
        if (confirmed or uncorrected_model or c.pk in corrected) and c.category is not None:
            texts.append(c.content + "\n" + c.demand)
            labels.append(c.category.code)
    return texts, labels


def keyword_examples() -> list[tuple[str, str]]:
    """Each keyword of the keyword rules as a one-phrase example of its category (active ones
    only): trained on together with the complaints, they teach the model the categories that
    have few closed complaints yet (a new install, the demo), and weigh little once there are
    many."""
    active = set(Category.objects.filter(active=True).values_list("code", flat=True))
    return [(word, code) for code, words in KEYWORDS.items() if code in active for word in words]
