"""Special-customer types (R2.6, R13.3) and the handling tips shown to whoever handles them."""

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SpecialType(models.TextChoices):
    """The seven difficult-customer types of the complaint-handling guide (S1), and the
    professional complainant (职业投诉人). Blank on the customer means none."""

    IRRITABLE = "irritable", _("Irritable")
    DRUNK = "drunk", _("Drunk")
    DOMINEERING = "domineering", _("Domineering")
    TALKATIVE = "talkative", _("Talkative")
    ARGUMENTATIVE = "argumentative", _("Argumentative")
    RESERVED = "reserved", _("Reserved")
    ODD = "odd", _("Odd")
    PROFESSIONAL = "professional", _("Professional complainant")


# How to handle each type: shown on every complaint of the customer and in the 360° view.
HANDLING_TIPS: dict[str, Any] = {
    SpecialType.IRRITABLE: _(
        "Let the customer finish and let their feelings out: do not interrupt, and never "
        "argue. Keep your tone calm; once they are calm, confirm the facts point by point and "
        "say clearly what happens next and when."
    ),
    SpecialType.DRUNK: _(
        "A customer who has been drinking cannot talk things through: do not promise an "
        "outcome or argue now. Note what they ask for politely and agree to call back when "
        "they are sober; if they turn aggressive, look after your own safety and tell your "
        "supervisor."
    ),
    SpecialType.DOMINEERING: _(
        "The customer is used to looking down on others: stay professional and respectful, "
        "neither servile nor defiant, and do not let their manner carry you along. Let the "
        "facts and the policy speak, make them feel taken seriously, and keep to the handling "
        "standard."
    ),
    SpecialType.TALKATIVE: _(
        "The customer talks a lot and drifts off the subject: listen patiently, but bring the "
        "talk back to the complaint with questions. Sum up what they want and ask them to "
        "confirm it, and keep the call in bounds."
    ),
    SpecialType.ARGUMENTATIVE: _(
        "The customer argues every word: do not try to win, and avoid absolute statements. "
        "Grant what is reasonable first, then explain with the clauses and bills in writing, "
        "and keep the wording the same from start to finish."
    ),
    SpecialType.RESERVED: _(
        "The customer says little and does not easily show displeasure: ask open questions to "
        "learn what they really want. Confirm and repeat back often, do not take silence for "
        "agreement, and call back after the handling to check they are really satisfied."
    ),
    SpecialType.ODD: _(
        "The customer's requests or way of putting them are unusual: do not jump to "
        "conclusions, and take the time to find out what they really care about. Be flexible "
        "within the rules, and explain clearly and politely why a request beyond them cannot "
        "be met."
    ),
    SpecialType.PROFESSIONAL: _(
        "A suspected professional complainant: the demand is usually compensation, and they "
        "know the complaint channels well. Follow the handling standard and the authority "
        "limits strictly, make no spoken promises, keep evidence throughout, reply with the "
        "approved wording, and involve a supervisor when needed."
    ),
}


class ContactChannel(models.TextChoices):
    """The channels a customer may prefer to be told on (messages.choices.MessageChannel)."""

    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    WECHAT = "wechat", _("WeChat")


# The value tiers the CRM sends (settings.TOUSU_VALUE_TIERS, its own Chinese names), as people
# read them in each language. The stored value stays the CRM's; a tier not listed here reads
# as the CRM wrote it.
VALUE_TIER_LABELS: dict[str, Any] = {
    "五星": pgettext_lazy("value tier", "5-star"),
    "四星": pgettext_lazy("value tier", "4-star"),
    "三星": pgettext_lazy("value tier", "3-star"),
    "二星": pgettext_lazy("value tier", "2-star"),
    "一星": pgettext_lazy("value tier", "1-star"),
}


def value_tier_label(tier: str | None) -> str:
    """A customer's value tier in the reader's language (a known CRM tier), else as stored."""
    if not tier:
        return ""
    label = VALUE_TIER_LABELS.get(tier)
    return str(label) if label is not None else tier
