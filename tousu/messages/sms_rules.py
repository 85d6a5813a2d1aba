"""Pure rules of SMS from the customer (mobile-originated, MO): what one deliver_sm carries —
which part of which long SMS, in which coding — and how parts decode to text.

A long SMS arrives in parts, each with a user data header (UDH, esm_class bit 0x40) naming the
concatenated message: IEI 0x00 (an 8-bit reference) or 0x08 (a 16-bit one), the number of parts
and this part's place. Centres that do not use a UDH send the same in the SAR parameters
(sar_msg_ref_num …), or the whole text at once in message_payload."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

UDHI = 0x40  # esm_class bit: short_message begins with a user data header
IEI_CONCAT_8 = 0x00
IEI_CONCAT_16 = 0x08
# data_coding values and how their bytes read. 0 is the centre's default alphabet: Chinese
# centres hand over ASCII there, others GSM 03.38 unpacked (one septet a byte).
CODING_DEFAULT, CODING_IA5, CODING_LATIN1, CODING_UCS2, CODING_GBK = 0x00, 0x01, 0x03, 0x08, 0x0F
TEXT_CODINGS = frozenset({CODING_DEFAULT, CODING_IA5, CODING_LATIN1, CODING_UCS2, CODING_GBK})

_GSM = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>"
    "?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION = {
    0x0A: "\f",
    0x14: "^",
    0x28: "{",
    0x29: "}",
    0x2F: "\\",
    0x3C: "[",
    0x3D: "~",
    0x3E: "]",
    0x40: "|",
    0x65: "€",
}
_ASCII_TEXT = frozenset({0x0A, 0x0D, *range(0x20, 0x7F)})


@dataclass(frozen=True)
class SmsPartIn:
    """One deliver_sm from a customer, read: the sender and the number they wrote to, the
    coding, this part's bytes without the header, and its place in a long SMS (ref None and
    1 of 1 for a whole one). `raw` is the PDU's user data as it came, header and all."""

    sender: str
    recipient: str
    data_coding: int
    payload: bytes
    raw: bytes
    ref: int | None = None
    total: int = 1
    seq: int = 1

    @property
    def key(self) -> str:
        """The same SMS handed over again (the centre resends until acknowledged) has the same
        key: everything it carries, hashed."""
        digest = hashlib.sha256()
        for value in (self.sender, self.recipient, str(self.data_coding), self.raw.hex()):
            digest.update(value.encode() + b"\0")
        return digest.hexdigest()


def udh_concat(data: bytes) -> tuple[tuple[int, int, int] | None, bytes]:
    """(reference, total, this part's number) of the concatenation element of the UDH at the
    head of `data`, or None when it has none, and the text after the header. A header longer
    than the data is not a header: the data is returned whole."""
    if not data or 1 + data[0] > len(data):
        return None, data
    end = 1 + data[0]
    at, found = 1, None
    while at + 2 <= end:
        iei, length = data[at], data[at + 1]
        element = data[at + 2 : at + 2 + length]
        if iei == IEI_CONCAT_8 and length == 3:
            found = (element[0], element[1], element[2])
        elif iei == IEI_CONCAT_16 and length == 4:
            found = ((element[0] << 8) | element[1], element[2], element[3])
        at += 2 + length
    return found, data[end:]


def part_read(
    *,
    sender: str,
    recipient: str,
    esm_class: int,
    data_coding: int,
    short_message: bytes,
    sar: tuple[int, int, int] | None = None,
) -> SmsPartIn:
    """One MO deliver_sm as a part. A concatenation header that makes no sense (no parts, or a
    place beyond their number) is read as a whole SMS: its text is kept, not lost."""
    concat, payload = None, short_message
    if esm_class & UDHI:
        concat, payload = udh_concat(short_message)
    concat = concat or sar
    if concat is None or not 1 <= concat[2] <= concat[1] or concat[1] == 1:
        return SmsPartIn(sender, recipient, data_coding, payload, short_message)
    ref, total, seq = concat
    return SmsPartIn(sender, recipient, data_coding, payload, short_message, ref, total, seq)


def sms_decode(data_coding: int, data: bytes) -> str | None:
    """The text of SMS bytes in `data_coding`; None for a coding that is not text (binary,
    a ringtone) or bytes that are not valid in it."""
    try:
        if data_coding == CODING_UCS2:
            # UTF-16 rather than UCS-2: a handset's emoji arrives as a surrogate pair.
            return data.decode("utf-16-be")
        if data_coding == CODING_GBK:
            return data.decode("gb18030")
        if data_coding == CODING_LATIN1:
            return data.decode("latin-1")
        if data_coding in (CODING_DEFAULT, CODING_IA5):
            return _default_decode(data)
    except UnicodeDecodeError:
        return None
    return None


def _default_decode(data: bytes) -> str | None:
    if all(b in _ASCII_TEXT for b in data):
        return data.decode("ascii")
    text, escape = [], False
    for b in data:
        if b > 0x7F:
            return None
        if escape:
            text.append(_GSM_EXTENSION.get(b, " "))
            escape = False
        elif b == 0x1B:
            escape = True
        else:
            text.append(_GSM[b])
    return "".join(text)
