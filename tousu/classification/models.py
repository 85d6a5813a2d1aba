from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tousu.core.refcache import RefCache


class Category(models.Model):
    """A node of the configurable multi-level complaint category tree (R2.1).

    Codes are dotted paths (`billing.unexplained_charge`) so that "this category and its
    sub-categories" is a prefix match, with no recursive query.
    """

    code = models.CharField(max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=64)
    name_en = models.CharField(max_length=64, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    active = models.BooleanField(default=True)
    sort = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.path_name

    @property
    def local_name(self) -> str:
        return _in_language(self.name, self.name_en)

    @property
    def path_name(self) -> str:
        """`资费计费 > 不明扣费`: the name users read, with its parent for context. The parent's
        name comes from the row when it was read with it (select_related), else from the
        process's copy of the names: a select or list of categories read one parent per
        option otherwise (an admin form with a category field: 25 statements)."""
        if not self.parent_id:
            return self.local_name
        if Category.parent.is_cached(self):
            parent = self.parent.local_name if self.parent is not None else ""
        else:
            name, name_en = _category_names.get().get(self.parent_id, ("", ""))
            parent = _in_language(name, name_en)
        return f"{parent} > {self.local_name}" if parent else self.local_name


def _in_language(name: str, name_en: str) -> str:
    lang = get_language() or ""
    return name_en if lang.startswith("en") and name_en else name


def _names() -> dict[int, tuple[str, str]]:
    rows = Category.objects.values_list("pk", "name", "name_en")
    return {pk: (name, name_en) for pk, name, name_en in rows}


_category_names = RefCache("category names", _names, models=("classification.Category",))


class TextModel(models.Model):
    """A trained text classifier (D7): its version, the labels and taxonomy it was trained on,
    its evaluation, and the model itself (`blob`: `model.MAGIC`, then an .npz archive of the
    vocabulary, idf, weights and sigmoids, read without pickle). At most one is active
    (`services.text_model_activate` enforces it in a transaction).

    Security: blobs stored before that format are joblib-pickled scikit-learn pipelines, still
    loaded (`model.LegacyClassifier`), and unpickling runs code. Blobs are only ever written by
    our own `tousu classifier train` command; never store one from elsewhere (the admin is
    read-only and excludes it).
    """

    version = models.CharField(_("version"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    algorithm = models.CharField(_("algorithm"), max_length=128)
    labels = models.JSONField(_("labels"), default=list)
    taxonomy = models.BooleanField(
        _("category tree"), default=False, help_text=_("All labels are category codes.")
    )
    metrics = models.JSONField(_("metrics"), default=dict)
    training_n = models.PositiveIntegerField(_("training size"), default=0)
    source = models.CharField(_("trained on"), max_length=255, blank=True)
    active = models.BooleanField(_("active"), default=False)
    blob = models.BinaryField(editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("text model")
        verbose_name_plural = _("text models")

    def __str__(self) -> str:
        return self.version

    @property
    def macro_f1(self) -> float | None:
        value = (self.metrics or {}).get("macro_f1")
        return float(value) if value is not None else None


class CategoryCorrection(models.Model):
    """A category set by staff over the model's (or over none, from triage): the feedback the
    next `tousu classifier train --from-db` learns from."""

    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="category_corrections"
    )
    from_category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("category correction")
        verbose_name_plural = _("category corrections")

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.from_category_id} → {self.to_category_id}"


class ChallengeOutcome(models.TextChoices):
    RUNNING = "running", _("running")
    ACTIVATED = "activated", _("activated")
    KEPT = "kept", _("kept the active model")
    TOO_FEW = "too_few", _("too few complaints")


class ModelChallenge(models.Model):
    """One run of the learning loop (`classification.retrain`): a challenger trained on the
    older part of the system's own labelled complaints, scored with the model that was active
    (the champion) on the newest part, and activated only when it scored better. Both scores
    are kept, whatever the outcome: the classifier page's history.

    `data_key` is the fingerprint of the labelled complaints: the same data is never
    challenged twice (a second run, or a second worker, finds the key taken)."""

    at = models.DateTimeField(_("at"))
    data_key = models.CharField(max_length=64, unique=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=ChallengeOutcome.choices, default="running"
    )
    champion = models.ForeignKey(
        TextModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The version (or "keywords", the rules a fresh install classifies with) as it was then.
    champion_version = models.CharField(_("active model"), max_length=64, blank=True)
    # A challenger that lost is not kept (a model is megabytes); its version and score are.
    challenger = models.ForeignKey(
        TextModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="challenges"
    )
    challenger_version = models.CharField(_("challenger"), max_length=64, blank=True)
    champion_f1 = models.FloatField(_("active model's macro-F1"), null=True, blank=True)
    challenger_f1 = models.FloatField(_("challenger's macro-F1"), null=True, blank=True)
    training_n = models.PositiveIntegerField(_("training size"), default=0)
    holdout_n = models.PositiveIntegerField(_("holdout size"), default=0)
    holdout_from = models.DateTimeField(_("holdout from"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("model challenge")
        verbose_name_plural = _("model challenges")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.outcome}"
