"""Forms of the knowledge pages: the case library's filters and curation, the wording list and
the curation of approved wording (new article, new version)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tousu.classification.forms import category_choices
from tousu.classification.models import Category
from tousu.complaints.choices import Channel
from tousu.core.forms import DayField, blank, textarea
from tousu.core.pii import mask_text
from tousu.knowledge.choices import CaseStatus, WordingTopic
from tousu.knowledge.models import Case
from tousu.knowledge.selectors import CaseFilters
from tousu.knowledge.services import (
    CHANGE_NOTE_MAX_CHARS,
    KEY_MAX_CHARS,
    SUMMARY_MAX_CHARS,
    TITLE_MAX_CHARS,
    WORDING_MAX_CHARS,
    WordingVersionInput,
)
from tousu.resolution.models import StandardClause


class CaseFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Words in the text")}),
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    clause = forms.ChoiceField(label=_("Standard clause"), required=False)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=20)
    training = forms.BooleanField(label=_("Training cases only"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args: Any, curator: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        any_value = _("All")
        self.fields["category"].choices = category_choices(any_value)  # type: ignore[attr-defined]
        codes = (
            StandardClause.objects.order_by("code", "-version")
            .values_list("code", "title")
            .distinct()
        )
        seen: dict[str, str] = {}
        for code, title in codes:
            seen.setdefault(code, title)
        self.fields["clause"].choices = blank(any_value) + [  # type: ignore[attr-defined]
            (code, f"{code} {title}") for code, title in seen.items()
        ]
        if curator:
            self.fields["status"].choices = blank(any_value) + list(CaseStatus.choices)  # type: ignore[attr-defined]
        else:
            del self.fields["status"]

    def filters(self) -> CaseFilters:
        data = self.cleaned_data
        return CaseFilters(
            q=data.get("q", "").strip(),
            category=data.get("category", ""),
            clause=data.get("clause", ""),
            tag=data.get("tag", "").strip(),
            training=data.get("training", False),
            status=data.get("status", ""),
        )


class ClauseChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} v{obj.version} {obj.title}"


class CaseEditForm(forms.ModelForm):
    """Curation of a case; the service anonymises what is typed again."""

    tags_text = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=250,
        help_text=_("Separate tags with commas or spaces."),
    )
    clauses = ClauseChoiceField(
        label=_("Standard clauses"),
        required=False,
        queryset=StandardClause.objects.order_by("code", "-version"),
        widget=forms.SelectMultiple(attrs={"size": "6"}),
    )

    class Meta:
        model = Case
        fields = ["title", "summary", "clauses", "for_training", "status"]
        widgets = {
            "title": forms.TextInput(attrs={"maxlength": str(TITLE_MAX_CHARS)}),
            "summary": forms.Textarea(attrs={"rows": "5", "maxlength": str(SUMMARY_MAX_CHARS)}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tags_text"].initial = "，".join(self.instance.tag_list)
        # A case is nobody's personal data: what an older anonymisation left is shown masked,
        # and saved so (the service anonymises the rest).
        for name in ("title", "summary"):
            self.initial[name] = mask_text(self.initial.get(name) or "")
        # Field order: the tags after the summary.
        self.order_fields(["title", "summary", "tags_text", "clauses", "for_training", "status"])


class WordingFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Words in the text")}),
    )
    topic = forms.ChoiceField(label=_("Topic"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        any_value = _("All")
        self.fields["topic"].choices = blank(any_value) + list(WordingTopic.choices)  # type: ignore[attr-defined]
        self.fields["channel"].choices = blank(any_value) + list(Channel.choices)  # type: ignore[attr-defined]


# Keys that would collide with the pages under /knowledge/wording/<key>/.
RESERVED_KEYS = frozenset({"new"})
VARIANT_PREFIX = "variant_"


class WordingVersionForm(forms.Form):
    """A new version of an approved wording: its text, dates and per-channel variants (one
    optional text per channel; channels left empty use the version's text). The rules between
    fields (expiry after the effective date) are the service's, shown on the form by the view."""

    body = forms.CharField(
        label=_("Text"), max_length=WORDING_MAX_CHARS, widget=textarea(WORDING_MAX_CHARS, rows=6)
    )
    effective_from = DayField(
        label=_("Effective from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = DayField(
        label=_("Valid until"),
        required=False,
        help_text=_("The last day it applies; empty = until a later version takes effect."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    change_note = forms.CharField(
        label=_("What changed"),
        required=False,
        max_length=CHANGE_NOTE_MAX_CHARS,
        widget=forms.TextInput(attrs={"maxlength": str(CHANGE_NOTE_MAX_CHARS)}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for value, label in Channel.choices:
            self.fields[VARIANT_PREFIX + value] = forms.CharField(
                label=label,
                required=False,
                max_length=WORDING_MAX_CHARS,
                widget=textarea(WORDING_MAX_CHARS, rows=2),
            )

    def version_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("body", "effective_from", "valid_until", "change_note")]

    def variant_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(VARIANT_PREFIX)]

    def version_input(self) -> WordingVersionInput:
        data = self.cleaned_data
        return WordingVersionInput(
            body=data["body"],
            effective_from=data["effective_from"],
            valid_until=data["valid_until"],
            change_note=data["change_note"],
            variants={
                name.removeprefix(VARIANT_PREFIX): data[name]
                for name in self.fields
                if name.startswith(VARIANT_PREFIX) and data.get(name)
            },
        )


class WordingArticleForm(WordingVersionForm):
    """A new approved wording and its first version."""

    topic = forms.ChoiceField(label=_("Topic"), choices=WordingTopic.choices)
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_CHARS)
    key = forms.SlugField(
        label=_("Key"),
        max_length=KEY_MAX_CHARS,
        help_text=_("Its address in links: letters, digits, hyphens, e.g. roaming-day-pass."),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        required=False,
        queryset=Category.objects.filter(active=True)
        .select_related("parent")
        .order_by("sort", "code"),
        help_text=_("Suggested on complaints of this category and its sub-categories."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The article's fields first, then the first version's.
        self.order_fields(["topic", "title", "key", "category"])

    def article_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("topic", "title", "key", "category")]

    def clean_key(self) -> str:
        key: str = self.cleaned_data["key"]
        if key.lower() in RESERVED_KEYS:
            self.add_error("key", _("This key is reserved; choose another."))
        return key
