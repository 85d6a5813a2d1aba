"""SMS over SMPP 3.4, the protocol of the operators' own SMS centres (smpplib).

A message is sent on its own bind (transmitter): submit_sm in UCS-2, which Chinese needs, split
into concatenated parts (UDH) past 70 characters; the centre's message_id of the first part is
the provider id. Delivery receipts and the customers' own SMS come back as deliver_sm on a
receiver bind, read by the `intake.sms_read` job for a short window."""

from __future__ import annotations

import logging
from typing import Any

import smpplib.client
import smpplib.consts
import smpplib.exceptions
import smpplib.gsm
from django.conf import settings
from django.db import DatabaseError

from tousu.messages import sms_rules
from tousu.messages.models import Message
from tousu.messages.receipts import (
    DELIVERED_STATES,
    FAILED_STATES,
    receipt_record,
    smpp_receipt_parse,
)
from tousu.messages.services import sms_part_record
from tousu.messages.transports import SendFailed

logger = logging.getLogger("tousu.messages")

UCS2 = smpplib.consts.SMPP_ENCODING_ISO10646
# Command statuses after which trying again cannot help: the number or the message is wrong.
PERMANENT = frozenset(
    {
        smpplib.consts.SMPP_ESME_RINVDSTADR,
        smpplib.consts.SMPP_ESME_RINVSRCADR,
        smpplib.consts.SMPP_ESME_RINVMSGLEN,
        smpplib.consts.SMPP_ESME_RINVESMCLASS,
    }
)
ESM_RECEIPT = 0x04  # esm_class bit: this deliver_sm is a delivery receipt
# esm_class bits 2-5, the message type: none set is a customer's SMS (mobile-originated);
# a receipt, an SME acknowledgement or an intermediate notification sets one.
ESM_MESSAGE_TYPE = 0x3C


def parts_of(text: str) -> tuple[list[bytes], int]:
    """The UCS-2 parts of `text` (one up to 70 characters, else 67 per part behind a UDH) and
    the esm_class that says whether they carry a UDH."""
    parts, _encoding, esm_class = smpplib.gsm.make_parts(text, encoding=UCS2)
    return list(parts), int(esm_class)


def _client() -> smpplib.client.Client:
    client = smpplib.client.Client(
        settings.TOUSU_SMPP_HOST,
        settings.TOUSU_SMPP_PORT,
        timeout=settings.TOUSU_SMPP_TIMEOUT,
        allow_unknown_opt_params=True,
    )
    client.connect()
    return client


def _credentials() -> dict[str, Any]:
    return {
        "system_id": settings.TOUSU_SMPP_SYSTEM_ID,
        "password": settings.TOUSU_SMPP_PASSWORD,
    }


class SmppTransport:
    def send(self, message: Message) -> str:
        parts, esm_class = parts_of(message.text)
        try:
            client = _client()
        except smpplib.exceptions.ConnectionError as exc:
            raise SendFailed(f"SMPP: cannot connect to the SMS centre: {exc}") from exc
        try:
            client.bind_transmitter(**_credentials())
            ids = [self._submit(client, message, part, esm_class) for part in parts]
        except smpplib.exceptions.PDUError as exc:
            status = exc.args[1] if len(exc.args) > 1 else None
            raise SendFailed(f"SMPP: {exc.args[0]}", retry=status not in PERMANENT) from exc
        except (TimeoutError, smpplib.exceptions.ConnectionError, OSError) as exc:
            raise SendFailed(f"SMPP: connection lost or timed out: {exc!r}") from exc
        finally:
            _close(client)
        return ids[0]

    def _submit(
        self, client: smpplib.client.Client, message: Message, part: bytes, esm_class: int
    ) -> str:
        client.send_message(
            source_addr_ton=smpplib.consts.SMPP_TON_UNK,
            source_addr_npi=smpplib.consts.SMPP_NPI_UNK,
            source_addr=settings.TOUSU_SMPP_SOURCE,
            dest_addr_ton=smpplib.consts.SMPP_TON_UNK,
            dest_addr_npi=smpplib.consts.SMPP_NPI_ISDN,
            destination_addr=message.address,
            short_message=part,
            data_coding=UCS2,
            esm_class=esm_class,
            registered_delivery=True,
        )
        # The answer to this submit_sm, skipping an enquire_link the centre may send between.
        while True:
            pdu = client.read_pdu()
            if pdu.is_error():
                client.error_pdu_handler(pdu)
            if pdu.command == "submit_sm_resp":
                return _text(pdu.message_id)
            if pdu.command == "enquire_link":
                client._enquire_link_received(pdu)


def _text(value: Any) -> str:
    return value.decode("ascii", "replace") if isinstance(value, bytes) else str(value or "")


def _close(client: smpplib.client.Client) -> None:
    try:
        if client.state in (
            smpplib.consts.SMPP_CLIENT_STATE_BOUND_TX,
            smpplib.consts.SMPP_CLIENT_STATE_BOUND_RX,
            smpplib.consts.SMPP_CLIENT_STATE_BOUND_TRX,
        ):
            client.unbind()
    except (smpplib.exceptions.PDUError, smpplib.exceptions.ConnectionError, OSError):
        pass  # the centre went away first: nothing left to close politely
    client.disconnect()


def deliveries_read() -> dict[str, int]:
    """Bind as a receiver and take what the centre hands over, until nothing has come for
    TOUSU_SMPP_RECEIPT_IDLE seconds: delivery receipts (recorded on their messages) and SMS
    from customers (recorded as parts for the intake, `sms_part_record`). One bind for both:
    the centre gives any deliver_sm to whichever receiver binds. Each is acknowledged after
    its record is committed; one that could not be recorded is refused with a temporary error,
    and the centre hands it over again later. Safe twice: a receipt changes a message once,
    and an SMS handed over again is recorded once."""
    counts = {"delivered": 0, "failed": 0, "ignored": 0, "received": 0, "resent": 0}

    def on_deliver(pdu: Any, **_: Any) -> int:
        if int(pdu.esm_class or 0) & ESM_MESSAGE_TYPE:
            counts[_receipt_handle(pdu)] += 1
            return int(smpplib.consts.SMPP_ESME_ROK)
        try:
            counts["received" if _mo_record(pdu) else "resent"] += 1
        except DatabaseError:
            logger.exception("SMPP: an SMS from a customer could not be recorded")
            counts["deferred"] = counts.get("deferred", 0) + 1
            return int(smpplib.consts.SMPP_ESME_RX_T_APPN)
        return int(smpplib.consts.SMPP_ESME_ROK)

    client = _client()
    try:
        client._socket.settimeout(settings.TOUSU_SMPP_RECEIPT_IDLE)
        client.set_message_received_handler(on_deliver)
        client.bind_receiver(**_credentials())
        while True:
            try:
                client.read_once(auto_send_enquire_link=False)
            except TimeoutError:
                break
    finally:
        client._socket.settimeout(settings.TOUSU_SMPP_TIMEOUT)
        _close(client)
    return counts


def _mo_record(pdu: Any) -> bool:
    """Record a customer's SMS (mobile-originated: no message type in esm_class); False when
    the centre handed it over before."""
    data = pdu.short_message or getattr(pdu, "message_payload", None) or b""
    sar_fields = ("sar_msg_ref_num", "sar_total_segments", "sar_segment_seqnum")
    sar = tuple(getattr(pdu, name, None) for name in sar_fields)
    part = sms_rules.part_read(
        sender=_text(pdu.source_addr),
        recipient=_text(pdu.destination_addr),
        esm_class=int(pdu.esm_class or 0),
        data_coding=int(pdu.data_coding or 0),
        short_message=data if isinstance(data, bytes) else str(data).encode("utf-8"),
        sar=None if None in sar else (int(sar[0]), int(sar[1]), int(sar[2])),  # type: ignore[arg-type]
    )
    return sms_part_record(part=part) is not None


def _receipt_handle(pdu: Any) -> str:
    if not int(pdu.esm_class or 0) & ESM_RECEIPT:
        return "ignored"  # an SME acknowledgement or intermediate notification: nothing to do
    parsed = smpp_receipt_parse(_text(pdu.short_message))
    if parsed is None:
        return "ignored"
    provider_id, state = parsed
    if state in DELIVERED_STATES:
        changed = receipt_record(channel="sms", provider_id=provider_id, delivered=True)
        return "delivered" if changed else "ignored"
    if state in FAILED_STATES:
        changed = receipt_record(
            channel="sms", provider_id=provider_id, delivered=False, error=f"SMS centre: {state}"
        )
        return "failed" if changed else "ignored"
    return "ignored"
