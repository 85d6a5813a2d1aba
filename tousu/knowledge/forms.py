"""Forms of the knowledge pages: the case library's filters and curation, the wording list."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tousu.complaints.choices import Channel
from tousu.complaints.forms import blank, category_choices
from tousu.knowledge.choices import CaseStatus, WordingTopic
from tousu.knowledge.models import Case
from tousu.knowledge.selectors import CaseFilters
from tousu.knowledge.services import SUMMARY_MAX_CHARS, TITLE_MAX_CHARS
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
