from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tousu.core.models import TimeStampedModel
from tousu.core.pii import mask_name, mask_phone
from tousu.customers.choices import HANDLING_TIPS, ContactChannel, SpecialType


class Customer(TimeStampedModel):
    """A complainant. The phone number identifies them across channels (R13); the account,
    plan and tier come from the CRM when known."""

    phone = models.CharField(_("phone"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=64, blank=True)
    account = models.CharField(_("account"), max_length=32, blank=True, db_index=True)
    id_number = models.CharField(_("ID number"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    region = models.ForeignKey(
        "accounts.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    plan = models.CharField(_("plan"), max_length=64, blank=True)
    value_tier = models.CharField(_("value tier"), max_length=16, blank=True)
    customer_since = models.DateField(_("customer since"), null=True, blank=True)
    # Special-customer profile (R2.6, R13.3), kept by supervisors: the type shows its handling
    # tips on every complaint of the customer; blank = not a special customer.
    special_type = models.CharField(
        _("special type"), max_length=16, choices=SpecialType.choices, blank=True
    )
    special_note = models.TextField(_("special note"), blank=True)
    # How the customer wants to be told about their complaints (issue 17): their e-mail
    # address and WeChat openid as channels besides the phone, the preferred one (blank: the
    # channel the complaint came in by), and whether they asked for no messages at all.
    email = models.EmailField(_("e-mail"), blank=True, db_index=True)
    wechat_openid = models.CharField(_("WeChat openid"), max_length=64, blank=True, db_index=True)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=8, choices=ContactChannel.choices, blank=True
    )
    contact_opt_out = models.BooleanField(
        _("no messages"),
        default=False,
        help_text=_("The customer asked not to receive messages about their complaints."),
    )
    # Set when the retention period ended and the personal data above was anonymised
    # (complaints.retention): the phone is then a token, the other personal fields blank.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        # Masked: the admin shows this in its breadcrumbs, confirmations, history and recent
        # actions, to staff who may not see personal data and without logging a reveal.
        return mask_name(self.name) if self.name else mask_phone(self.phone)

    @property
    def handling_tips(self) -> str:
        return str(HANDLING_TIPS.get(self.special_type, ""))
