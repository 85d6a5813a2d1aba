"""Writing to the complaint's customer from the complaint page: a free message, queued like
every other (on the timeline, withheld for a customer who opted out, sent after commit). The
API's endpoint is the messages app's own (`POST /api/v1/complaints/{number}/messages`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tousu.accounts import permissions
from tousu.accounts.models import User
from tousu.complaints.models import Complaint
from tousu.core.errors import required_message
from tousu.core.forms import blank, textarea
from tousu.desk.actions.base import Action, ActionForm
from tousu.messages.choices import MessageChannel, MessageStatus
from tousu.messages.selectors import error_text
from tousu.messages.services import FREE_TEXT_MAX_CHARS, message_free_send

CHANNEL_CHOICES = blank(_("The customer's preferred channel")) + [
    (c.value, c.label) for c in (MessageChannel.SMS, MessageChannel.EMAIL)
]


class MessageForm(ActionForm):
    text = forms.CharField(
        label=_("Message to the customer"),
        max_length=FREE_TEXT_MAX_CHARS,
        widget=textarea(FREE_TEXT_MAX_CHARS, rows=3),
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=CHANNEL_CHOICES, required=False)

    def clean_text(self) -> str:
        text = (self.cleaned_data.get("text") or "").strip()
        if not text:
            raise forms.ValidationError(required_message())
        return text


def _message(c: Complaint, u: User, f: MessageForm) -> str:
    message = message_free_send(
        complaint=c, text=f.cleaned_data["text"], channel=f.cleaned_data["channel"], actor=u
    )
    if message.status == MessageStatus.WITHHELD:
        return gettext("Recorded, not sent: %(why)s") % {"why": error_text(message)}
    return gettext("The message is on its way to the customer.")


def _reachable(c: Complaint) -> bool:
    # An anonymised customer has no address any more: nothing to write to.
    return c.customer.anonymised_at is None


ACTIONS: dict[str, Action] = {
    "message": Action(MessageForm, permissions.can_note, None, _message, ready=_reachable),
}
