"""The transports that carry messages to the customer, behind one interface: each channel's
transport takes a queued message and returns the provider's id for it, or raises `SendFailed`.

A transport registered for a channel (`transport_register`, e.g. WeChat's by its app, a test's
recorder) is used as it is; otherwise the channel's transport is the one the settings name
(TOUSU_SMS_TRANSPORT: smpp, http or file; TOUSU_CUSTOMER_EMAIL_TRANSPORT: smtp or file), built
for each use so that a changed setting takes effect at once."""

from __future__ import annotations

from typing import Protocol

from tousu.messages.models import Message


class SendFailed(Exception):
    """The transport could not send: `retry` False when trying again cannot help (the address
    is refused), True for a timeout or a busy gateway."""

    def __init__(self, message: str, *, retry: bool = True) -> None:
        super().__init__(message)
        self.retry = retry


class Transport(Protocol):
    def send(self, message: Message) -> str:
        """Send `message`; return the provider's id for it (delivery receipts find it by it)."""
        ...


TRANSPORTS: dict[str, Transport] = {}


def transport_register(channel: str, transport: Transport) -> None:
    TRANSPORTS[channel] = transport


def transport_for(channel: str) -> Transport:
    if channel in TRANSPORTS:
        return TRANSPORTS[channel]
    transport = configured(channel)
    if transport is None:
        raise SendFailed(f"no transport for {channel}", retry=False)
    return transport


def configured(channel: str) -> Transport | None:
    """The transport the settings name for `channel`, None when there is none."""
    from django.conf import settings

    from tousu.messages import gateway, outbox, smpp, smtp

    if channel == "sms":
        name = settings.TOUSU_SMS_TRANSPORT
        if name == "smpp":
            return smpp.SmppTransport()
        if name == "http":
            return gateway.GatewayTransport()
        return outbox.OutboxTransport()
    if channel == "email":
        if settings.TOUSU_CUSTOMER_EMAIL_TRANSPORT == "smtp":
            return smtp.SmtpTransport()
        return outbox.OutboxTransport()
    return None
