"""The transports that carry messages to the customer, behind one interface: each channel's
transport takes a queued message and returns the provider's id for it, or raises `SendFailed`.

Only the interface lives here so far; the SMTP, SMPP, HTTP-gateway and WeChat transports are
chosen per channel by settings."""

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
    try:
        return TRANSPORTS[channel]
    except KeyError:
        raise SendFailed(f"no transport for {channel}", retry=False) from None
