"""Reads of the classification app: the active classifier (cached in-process) and the triage
queue."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from tousu.accounts.models import User
from tousu.accounts.permissions import scope_q
from tousu.classification.keywords import KEYWORDS
from tousu.classification.model import ModelFormatError, TfidfClassifier
from tousu.classification.models import (
    Category,
    CategoryCorrection,
    ModelChallenge,
    TextModel,
)
from tousu.classification.rules import (
    Classifier,
    KeywordClassifier,
    Prediction,
    needs_triage,
)
from tousu.complaints.choices import CategorySource, Status
from tousu.complaints.models import Complaint
from tousu.complaints.rules import OPEN_STATUSES
from tousu.core.refcache import RefCache

logger = logging.getLogger(__name__)

_keywords = KeywordClassifier()


def _active_version() -> str | None:
    return TextModel.objects.filter(active=True).values_list("version", flat=True).first()


# Which model is active: a per-process copy (tousu.core.refcache), re-read after a model is
# saved in this process, at the latest a minute after one is activated in another, and dropped
# with the other copies between tests. The model itself (its blob, unpickled) is loaded once
# per version: re-reading which one is active costs a query, not a load.
_active = RefCache("active text model", _active_version, models=("classification.TextModel",))
_lock = threading.Lock()
_loaded: tuple[str, Classifier] | None = None  # (version, what it loaded as), under _lock


def active_classifier() -> Classifier:
    """The active trained model, loaded once per version and process; the keyword rules when
    no model is active, so that a fresh install still classifies, and when the active model
    cannot be read (logged once per version: registration must not fail for it)."""
    global _loaded
    version = _active.get()
    if version is None:
        return _keywords
    with _lock:
        if _loaded is not None and _loaded[0] == version:
            return _loaded[1]
        blob = TextModel.objects.values_list("blob", flat=True).get(version=version)
        classifier: Classifier
        try:
            classifier = TfidfClassifier.loads(bytes(blob), version)
        except ModelFormatError:
            logger.exception("active text model %s unreadable; keyword rules instead", version)
            classifier = _keywords
        _loaded = (version, classifier)
        return classifier


def active_classifier_reset() -> None:
    """Forget the cached model (after activating one in this process, and in tests)."""
    global _loaded
    _active.clear()
    with _lock:
        _loaded = None


@dataclass(frozen=True)
class CategoryDecision:
    """The category a complaint is registered with and how it was decided (R2.1): given by the
    channel, predicted by the active model, or none — with the model's suggestion when it was
    too unsure, for the triage queue to show."""

    category: Category | None
    source: str = ""  # CategorySource, or "" when there is no category
    confidence: float | None = None
    model_version: str = ""
    suggestion: Prediction | None = None

    @property
    def given(self) -> bool:
        return self.source == CategorySource.GIVEN

    def event_data(self) -> dict[str, Any] | None:
        """The data of the registration's `classified` event; None when there is nothing to
        record (no category, and no suggestion)."""
        if self.category is not None:
            return {
                "category": self.category.code,
                "source": self.source,
                "confidence": self.confidence,
                "model_version": self.model_version,
            }
        if self.suggestion is not None:
            return {
                "category": None,
                "source": "",
                "suggestion": self.suggestion.label,
                "confidence": self.suggestion.confidence,
                "model_version": self.suggestion.model_version,
            }
        return None


def _active_categories() -> dict[str, Category]:
    rows = Category.objects.select_related("parent").filter(active=True)
    return {c.code: c for c in rows}


# Every registration names or predicts a category: the (small) active tree, per process.
_categories = RefCache("active categories", _active_categories, models=("classification.Category",))


def active_category(code: str) -> Category | None:
    """The active category of that code, with its parent (from the per-process copy: a shared
    instance, not to be changed); None when there is none."""
    return _categories.get().get(code) if code else None


def category_decide(*, given: Category | None, text: str) -> CategoryDecision:
    """The category of a complaint being registered: the one the channel gave, else the active
    classifier's prediction for `text` when it names an active category — unless the model is
    below the triage threshold (settings.TOUSU_TRIAGE_CONFIDENCE), which leaves the complaint
    uncategorised with the prediction as a suggestion."""
    if given is not None:
        return CategoryDecision(given, CategorySource.GIVEN)
    prediction = active_classifier().predict(text)
    if not prediction.label:
        return CategoryDecision(None)
    category = active_category(prediction.label)
    if category is None:
        return CategoryDecision(None)
    if needs_triage(prediction, settings.TOUSU_TRIAGE_CONFIDENCE):
        return CategoryDecision(None, suggestion=prediction)
    return CategoryDecision(
        category, CategorySource.MODEL, prediction.confidence, prediction.model_version
    )


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


@dataclass(frozen=True)
class Labelled:
    """A complaint whose category staff confirmed, as the model learns from it."""

    pk: int
    received_at: dt.datetime
    text: str
    label: str


def labelled_complaints() -> list[Labelled]:
    """The complaints to learn from, oldest first: closed ones with a confirmed category (given
    or set by staff, or set by the model and never corrected), and any complaint whose category
    staff corrected (in triage or on its page), open or not, with the corrected category."""
    corrected = set(CategoryCorrection.objects.values_list("complaint_id", flat=True))
    qs = (
        Complaint.objects.filter(category__isnull=False)
        .filter(Q(status=Status.CLOSED) | Q(pk__in=corrected))
        .select_related("category")
        .only("pk", "received_at", "content", "demand", "category__code", "category_source")
        .order_by("received_at", "pk")
    )
    rows = []
    for c in qs.iterator(chunk_size=2000):
        confirmed = c.category_source in (CategorySource.GIVEN, CategorySource.MANUAL)
        uncorrected_model = c.category_source == CategorySource.MODEL and c.pk not in corrected
        if (confirmed or uncorrected_model or c.pk in corrected) and c.category is not None:
            rows.append(Labelled(c.pk, c.received_at, c.content + "\n" + c.demand, c.category.code))
    return rows


def training_data() -> tuple[list[str], list[str]]:
    """Texts and category codes of `labelled_complaints`."""
    rows = labelled_complaints()
    return [r.text for r in rows], [r.label for r in rows]


def model_challenges(limit: int = 50) -> list[ModelChallenge]:
    """The learning loop's latest runs, newest first, with their models (no blobs)."""
    return list(
        ModelChallenge.objects.select_related("challenger", "champion")
        .defer("challenger__blob", "champion__blob")
        .order_by("-at", "-pk")[:limit]
    )


def text_models(limit: int = 50) -> list[TextModel]:
    """The stored models, the active one first, then the newest (no blobs)."""
    return list(TextModel.objects.defer("blob").order_by("-active", "-created_at", "-pk")[:limit])


def keyword_examples() -> list[tuple[str, str]]:
    """Each keyword of the keyword rules as a one-phrase example of its category (active ones
    only): trained on together with the complaints, they teach the model the categories that
    have few closed complaints yet (a new install, the demo), and weigh little once there are
    many."""
    active = set(Category.objects.filter(active=True).values_list("code", flat=True))
    return [(word, code) for code, words in KEYWORDS.items() if code in active for word in words]
