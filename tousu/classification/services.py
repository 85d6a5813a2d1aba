"""Writes of the classification app: storing and activating text models, and staff setting a
complaint's category (triage or correction), which feeds the next training."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections import Counter
from collections.abc import Callable, Sequence

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from sklearn.model_selection import train_test_split

from tousu.accounts import permissions
from tousu.accounts.models import User
from tousu.classification.model import ModelFormatError, TfidfClassifier, evaluate
from tousu.classification.models import (
    Category,
    CategoryCorrection,
    ChallengeOutcome,
    ModelChallenge,
    TextModel,
)
from tousu.classification.rules import Classifier, KeywordClassifier
from tousu.classification.selectors import (
    Labelled,
    active_classifier_reset,
    keyword_examples,
    labelled_complaints,
    training_data,
)
from tousu.complaints.choices import CategorySource, EventType
from tousu.complaints.models import Complaint
from tousu.complaints.services import event_record
from tousu.core import clock
from tousu.core.errors import NotAllowed, ValidationFailed

# Training: a category needs this many examples to be learnt (fewer are left out); a model is
# scored on a held-out fifth when there are eight examples per category.
MIN_PER_CLASS = 5
HELD_OUT_PER_CLASS = 8
# `text_model_refresh` (the demo) trains only from this many usable complaints on.
REFRESH_MIN_ROWS = 50
# The learning loop scores on the newest fifth of the labelled complaints, at least this many.
HOLDOUT_SHARE = 0.2
HOLDOUT_MIN = 10
# The champion's name when no model is active: the keyword rules classify then.
KEYWORD_RULES = "keywords"

logger = logging.getLogger(__name__)


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


def text_model_train(
    *,
    texts: Sequence[str],
    labels: Sequence[str],
    source: str,
    seeds: Sequence[tuple[str, str]] = (),
    min_per_class: int = MIN_PER_CLASS,
    step: Callable[[str], None] | None = None,
    score: bool = True,
) -> TextModel:
    """Train a model on labelled texts and store it, not active.

    `seeds` are (text, label) examples that are always trained on and never scored (the
    keywords of the categories, `selectors.keyword_examples`). Labels with fewer than
    `min_per_class` examples, seeds included (at least 2: calibration needs two), are left
    out; raises ValidationFailed when fewer than two labels remain. The stored metrics come
    from a stratified held-out fifth of `texts` when there are `HELD_OUT_PER_CLASS` texts per
    label (the stored model itself then trains on all of them; `score=False`: no such scoring,
    the caller scores). `step` is called after each of the three steps (a progress bar)."""
    minimum = max(2, min_per_class)
    counts = Counter(labels) + Counter(label for _, label in seeds)
    keep = {label for label, n in counts.items() if n >= minimum}
    if len(keep) < 2:
        raise ValidationFailed(
            _(
                "need at least two classes with %(minimum)s examples each; "
                "found %(found)s (%(rows)s rows)"
            )
            % {
                "minimum": minimum,
                "found": len(keep),
                "rows": sum(counts[label] for label in keep),
            }
        )
    rows = [(t, lab) for t, lab in zip(texts, labels, strict=True) if lab in keep]
    seeded = [(t, lab) for t, lab in seeds if lab in keep]
    metrics: dict[str, object]
    per_label = Counter(lab for _, lab in rows)
    if not score:
        metrics = {"method": "none (scored by the caller)", "n": 0}
    elif per_label and len(rows) >= HELD_OUT_PER_CLASS * len(per_label):
        # Labels with one or two texts are only trained on: split, they could leave fewer than
        # the two training texts that calibration needs.
        split = [r for r in rows if per_label[r[1]] >= 3]
        train, test = train_test_split(
            split, test_size=0.2, stratify=[lab for _, lab in split], random_state=0
        )
        train += [r for r in rows if per_label[r[1]] < 3] + seeded
        scorer = TfidfClassifier().fit([t for t, _ in train], [lab for _, lab in train])
        truth = [lab for _, lab in test]
        metrics = evaluate(truth, scorer.predict_many([t for t, _ in test])).as_json()
        metrics["method"] = "held-out 20%"
    else:
        metrics = {"method": "none (too few rows)", "n": 0}
    if seeded:
        metrics["seed_examples"] = len(seeded)
    if step:
        step(str(metrics["method"]))
    everything = rows + seeded
    classifier = TfidfClassifier(version=new_version()).fit(
        [t for t, _ in everything], [lab for _, lab in everything]
    )
    if step:
        step("trained")
    model = text_model_store(
        classifier=classifier, metrics=metrics, training_n=len(rows), source=source
    )
    if step:
        step("stored")
    return model


def text_model_refresh(*, min_rows: int | None = None) -> TextModel | None:
    """Train on the closed complaints (`selectors.training_data`) and the categories'
    keywords, and activate the new model, when there are at least `min_rows` (default
    `REFRESH_MIN_ROWS`) usable complaints; None when there are too few, or when the labels
    are not all categories of the tree."""
    texts, labels = training_data()
    if len(texts) < (REFRESH_MIN_ROWS if min_rows is None else min_rows):
        return None
    try:
        model = text_model_train(texts=texts, labels=labels, source="db", seeds=keyword_examples())
    except ValidationFailed:
        return None
    return text_model_activate(model) if model.taxonomy else None


def text_model_activate(model: TextModel) -> TextModel:
    """Make `model` the one active model. Refuses one whose labels are not all category codes
    of the tree (trained on an outside data set): it could not set a category."""
    codes = set(Category.objects.filter(active=True).values_list("code", flat=True))
    missing = sorted(label for label in model.labels if label not in codes)
    if not model.labels or missing:
        raise ValidationFailed(
            _(
                "Model %(version)s cannot be activated: not all its labels are category codes "
                "of the tree: %(labels)s"
            )
            % {"version": model.version, "labels": "、".join(missing[:10])}
        )
    with transaction.atomic():
        TextModel.objects.select_for_update().filter(active=True).exclude(pk=model.pk).update(
            active=False
        )
        TextModel.objects.filter(pk=model.pk).update(active=True, taxonomy=True)
    model.refresh_from_db()
    active_classifier_reset()
    return model


# ---- the learning loop -------------------------------------------------------------------------


def _data_key(rows: Sequence[Labelled]) -> str:
    """What a challenge learns from and is scored on: the labelled complaints (a correction
    changes a label). The same rows are challenged once; after an activation, training again
    on them would only make the same model."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update(f"{row.pk}:{row.label}\n".encode())
    return digest.hexdigest()


def _champion_classifier(champion: TextModel | None) -> Classifier:
    """The model that classifies now, as `selectors.active_classifier` loads it."""
    if champion is None:
        return KeywordClassifier()
    blob = TextModel.objects.values_list("blob", flat=True).get(pk=champion.pk)
    try:
        return TfidfClassifier.loads(bytes(blob), champion.version)
    except ModelFormatError:
        logger.exception("active text model %s unreadable; keyword rules instead", champion)
        return KeywordClassifier()


def _macro_f1(classifier: Classifier, rows: Sequence[Labelled]) -> dict[str, object]:
    predicted = [classifier.predict(row.text).label or "" for row in rows]
    return evaluate([row.label for row in rows], predicted).as_json()


def text_model_challenge(*, min_rows: int | None = None) -> ModelChallenge | None:
    """One run of the learning loop (the daily job `classification.retrain`).

    The labelled complaints (`selectors.labelled_complaints`: closed ones and staff
    corrections), oldest first, are cut in time: a challenger is trained on the older part
    (with the categories' keywords), and it and the active model (the champion; the keyword
    rules when none is) predict the newest part, which the challenger never saw. The
    challenger is activated only when its macro-F1 there is strictly higher, and only if the
    champion is still the active one; a challenger that lost is deleted (the run keeps its
    version and score). Every run is recorded with both scores.

    Returns None, doing nothing, when these labelled complaints were challenged already (a
    second run, or another worker running it now: the run's `data_key` is unique); a model
    activated by hand meanwhile is challenged when new complaints are labelled. Fewer
    than `min_rows` (default `REFRESH_MIN_ROWS`) labelled complaints: a `too_few` run, no
    training.

    Caveat: a champion trained on everything (`tousu classifier train --from-db`, the demo's
    first model) may have seen the newest complaints; its score is then flattering and the
    loop errs towards keeping it. Models the loop activates never saw them."""
    rows = labelled_complaints()
    champion = TextModel.objects.defer("blob").filter(active=True).first()
    champion_version = champion.version if champion else KEYWORD_RULES
    try:
        with transaction.atomic():
            run = ModelChallenge.objects.create(
                at=clock.now(),
                data_key=_data_key(rows),
                champion=champion,
                champion_version=champion_version,
            )
    except IntegrityError:
        return None
    try:
        _challenge(run, rows, champion, REFRESH_MIN_ROWS if min_rows is None else min_rows)
    except Exception:
        # Free the key: the next run tries this data again.
        ModelChallenge.objects.filter(pk=run.pk).delete()
        raise
    return run


def _challenge(
    run: ModelChallenge, rows: list[Labelled], champion: TextModel | None, min_rows: int
) -> None:
    holdout_n = max(HOLDOUT_MIN, round(len(rows) * HOLDOUT_SHARE))
    train, holdout = rows[:-holdout_n], rows[-holdout_n:]
    run.outcome = ChallengeOutcome.TOO_FEW
    if len(rows) < max(min_rows, holdout_n + 2):
        run.save(update_fields=["outcome"])
        return
    try:
        model = text_model_train(
            texts=[r.text for r in train],
            labels=[r.label for r in train],
            source="loop",
            seeds=keyword_examples(),
            score=False,
        )
    except ValidationFailed:
        run.save(update_fields=["outcome"])
        return
    challenger = TfidfClassifier.loads(bytes(model.blob), model.version)
    challenger_metrics = _macro_f1(challenger, holdout)
    champion_metrics = _macro_f1(_champion_classifier(champion), holdout)
    challenger_metrics["method"] = "time-ordered holdout"
    model.metrics = challenger_metrics
    model.save(update_fields=["metrics"])
    run.challenger, run.challenger_version = model, model.version
    run.challenger_f1 = float(challenger_metrics["macro_f1"])  # type: ignore[arg-type]
    run.champion_f1 = float(champion_metrics["macro_f1"])  # type: ignore[arg-type]
    run.training_n, run.holdout_n = len(train), len(holdout)
    run.holdout_from = holdout[0].received_at
    run.outcome = ChallengeOutcome.KEPT
    with transaction.atomic():
        active = (
            TextModel.objects.select_for_update()
            .filter(active=True)
            .values_list("version", flat=True)
            .first()
        )
        better = run.challenger_f1 > run.champion_f1
        if better and model.taxonomy and (active or KEYWORD_RULES) == run.champion_version:
            text_model_activate(model)
            run.outcome = ChallengeOutcome.ACTIVATED
        run.save()
    if run.outcome != ChallengeOutcome.ACTIVATED:
        model.delete()


def complaint_category_set(
    *, complaint: Complaint, actor: User, category: Category
) -> tuple[Complaint, bool]:
    """Staff set the category (from triage, or correcting the model's): source 'manual', a
    CategoryCorrection row for the next training, a `classified` event. Returns the complaint
    and whether the category changed. Call inside the caller's transaction, with the complaint
    locked (`routing.services.complaint_categorise` does both, and routes it again)."""
    if not permissions.can_categorise(actor, complaint):
        raise NotAllowed(_("You may not change this complaint's category"))
    if not category.active:
        raise ValidationFailed.for_field(
            "category",
            _("This category is inactive"),
            message=_("The category is inactive"),
        )
    previous = complaint.category
    if previous is not None and previous.pk == category.pk:
        return complaint, False
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
    return complaint, True
