"""A small SMS centre speaking SMPP 3.4 over TCP on 127.0.0.1, for the SMPP transport's tests.

Written from the specification with its own struct packing (not smpplib's), so that the
transport is tested against an independent peer: bind_transmitter / _receiver / _transceiver
(checked credentials), submit_sm → submit_sm_resp with a message id (or a refusal for the
numbers in `refuse`), enquire_link, unbind, delivery receipts ("id:… stat:DELIVRD") sent as
deliver_sm (esm_class 0x04) to the next receiver or transceiver bind, and customers' SMS
(mobile-originated, `sms_from`): deliver_sm with esm_class 0 — or 0x40 and a UDH for each part
of a long one — handed to every receiver bind until one acknowledges it (deliver_sm_resp ROK),
as a centre does."""

from __future__ import annotations

import itertools
import socket
import socketserver
import struct
import threading
from dataclasses import dataclass, field
from typing import Any

BIND_RECEIVER, BIND_TRANSMITTER, BIND_TRANSCEIVER = 0x01, 0x02, 0x09
SUBMIT_SM, DELIVER_SM, UNBIND, ENQUIRE_LINK = 0x04, 0x05, 0x06, 0x15
GENERIC_NACK, RESP = 0x80000000, 0x80000000
ROK, RINVPASWD, RINVDSTADR, RINVBNDSTS = 0x00, 0x0E, 0x0B, 0x04


def pdu(command: int, sequence: int, body: bytes = b"", status: int = ROK) -> bytes:
    return struct.pack(">IIII", 16 + len(body), command, status, sequence) + body


def cstr(value: str) -> bytes:
    return value.encode("ascii") + b"\0"


class Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def cstr(self) -> str:
        end = self.data.index(b"\0", self.at)
        value, self.at = self.data[self.at : end].decode("ascii"), end + 1
        return value

    def u8(self) -> int:
        self.at += 1
        return self.data[self.at - 1]

    def take(self, n: int) -> bytes:
        self.at += n
        return self.data[self.at - n : self.at]


@dataclass
class Submitted:
    message_id: str
    source: str
    destination: str
    esm_class: int
    data_coding: int
    registered_delivery: int
    short_message: bytes


@dataclass
class Mo:
    """A customer's SMS, or one part of a long one, as the centre hands it over."""

    source: str
    destination: str
    esm_class: int
    data_coding: int
    short_message: bytes


def mo_parts(
    source: str,
    text: str,
    *,
    destination: str = "10000",
    ref: int = 0x2A,
    iei: int = 0x00,
    coding: int = 8,
) -> list[Mo]:
    """`text` as a phone sends it: UCS-2 (coding 8) or ASCII (coding 0); past 70 (160)
    characters in parts of 67 (153) behind a UDH, concatenation element IEI 0x00 (8-bit
    reference) or 0x08 (16-bit)."""
    single, size = (70, 67) if coding == 8 else (160, 153)
    encode = (lambda t: t.encode("utf-16-be")) if coding == 8 else (lambda t: t.encode("ascii"))
    if len(text) <= single:
        return [Mo(source, destination, 0, coding, encode(text))]
    chunks = [text[i : i + size] for i in range(0, len(text), size)]
    parts = []
    for n, chunk in enumerate(chunks, 1):
        if iei == 0x00:
            udh = bytes([5, 0x00, 3, ref & 0xFF, len(chunks), n])
        else:
            udh = bytes([6, 0x08, 4, (ref >> 8) & 0xFF, ref & 0xFF, len(chunks), n])
        parts.append(Mo(source, destination, 0x40, coding, udh + encode(chunk)))
    return parts


@dataclass
class Smsc:
    system_id: str = "tousu"
    password: str = "secret"
    refuse: set[str] = field(default_factory=set)
    # Destination → final state of its receipt (DELIVRD unless said otherwise).
    states: dict[str, str] = field(default_factory=dict)
    submitted: list[Submitted] = field(default_factory=list)
    pending: list[Submitted] = field(default_factory=list)
    binds: list[tuple[int, str]] = field(default_factory=list)
    # Customers' SMS not yet acknowledged by a receiver, and those acknowledged.
    mo: list[Mo] = field(default_factory=list)
    mo_acknowledged: list[Mo] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    ids: Any = field(default_factory=lambda: itertools.count(1001))

    def texts(self) -> list[str]:
        """What the handsets show: concatenated parts (UDH 05 00 03 ref total n) joined."""
        whole: list[str] = []
        groups: dict[int, dict[int, bytes]] = {}
        for sub in self.submitted:
            data = sub.short_message
            if sub.esm_class & 0x40:
                ref, total, n = data[3], data[4], data[5]
                groups.setdefault(ref, {})[n] = data[6:]
                if len(groups[ref]) == total:
                    joined = b"".join(groups[ref][i] for i in range(1, total + 1))
                    whole.append(joined.decode("utf-16-be"))
            else:
                whole.append(data.decode("utf-16-be" if sub.data_coding == 8 else "latin-1"))
        return whole

    def sms_from(self, source: str, text: str, **how: Any) -> list[Mo]:
        """A customer's SMS to hand over at the next receiver bind (its parts: `mo_parts`)."""
        parts = mo_parts(source, text, **how)
        self.queue(parts)
        return parts

    def queue(self, parts: list[Mo]) -> None:
        with self.lock:
            self.mo.extend(parts)

    def mo_again(self) -> None:
        """Hand the acknowledged SMS over once more: a centre that missed the acknowledgement
        (the connection dropped after the receiver recorded it) resends."""
        with self.lock:
            self.mo.extend(self.mo_acknowledged)
            self.mo_acknowledged = []

    def receipts_again(self) -> None:
        """Hand every receipt over once more (a centre that repeats them)."""
        with self.lock:
            self.pending = [s for s in self.submitted if s.registered_delivery]


class Handler(socketserver.BaseRequestHandler):
    server: Server

    def handle(self) -> None:
        smsc = self.server.smsc
        self.sequence = itertools.count(1)
        self.bound = 0
        while True:
            header = self._recv(16)
            if header is None:
                return
            length, command, status, sequence = struct.unpack(">IIII", header)
            body = self._recv(length - 16) or b""
            if command == DELIVER_SM | RESP:
                self._acknowledged(smsc, sequence, status)
            elif not self._answer(smsc, command, sequence, body):
                return

    def _answer(self, smsc: Smsc, command: int, sequence: int, body: bytes) -> bool:
        send = self.request.sendall
        if command in (BIND_RECEIVER, BIND_TRANSMITTER, BIND_TRANSCEIVER):
            reader = Reader(body)
            system_id, password = reader.cstr(), reader.cstr()
            ok = (system_id, password) == (smsc.system_id, smsc.password)
            send(pdu(command | RESP, sequence, cstr("smsc"), ROK if ok else RINVPASWD))
            if not ok:
                return False
            self.bound = command
            smsc.binds.append((command, system_id))
            if command != BIND_TRANSMITTER:
                self._deliver_receipts(smsc)
                self._deliver_mo(smsc)
        elif command == SUBMIT_SM:
            self._submit(smsc, sequence, body)
        elif command == ENQUIRE_LINK:
            send(pdu(ENQUIRE_LINK | RESP, sequence))
        elif command == UNBIND:
            send(pdu(UNBIND | RESP, sequence))
            return False
        else:
            send(pdu(GENERIC_NACK, sequence, status=0x03))
        return True

    def _submit(self, smsc: Smsc, sequence: int, body: bytes) -> None:
        if self.bound not in (BIND_TRANSMITTER, BIND_TRANSCEIVER):
            self.request.sendall(pdu(SUBMIT_SM | RESP, sequence, b"\0", RINVBNDSTS))
            return
        r = Reader(body)
        r.cstr()  # service_type
        r.u8(), r.u8()
        source = r.cstr()
        r.u8(), r.u8()
        destination = r.cstr()
        esm_class, _protocol, _priority = r.u8(), r.u8(), r.u8()
        r.cstr(), r.cstr()  # schedule_delivery_time, validity_period
        registered, _replace, data_coding, _default = r.u8(), r.u8(), r.u8(), r.u8()
        short_message = r.take(r.u8())
        if destination in smsc.refuse:
            self.request.sendall(pdu(SUBMIT_SM | RESP, sequence, b"\0", RINVDSTADR))
            return
        with smsc.lock:
            sub = Submitted(
                f"{next(smsc.ids):X}",
                source,
                destination,
                esm_class,
                data_coding,
                registered,
                short_message,
            )
            smsc.submitted.append(sub)
            if registered:
                smsc.pending.append(sub)
        self.request.sendall(pdu(SUBMIT_SM | RESP, sequence, cstr(sub.message_id)))

    def _deliver_receipts(self, smsc: Smsc) -> None:
        with smsc.lock:
            pending, smsc.pending = smsc.pending, []
        for sub in pending:
            state = smsc.states.get(sub.destination, "DELIVRD")
            text = (
                f"id:{sub.message_id} sub:001 dlvrd:{'001' if state == 'DELIVRD' else '000'} "
                f"submit date:2612081000 done date:2612081001 stat:{state} err:000 text:"
            ).encode("ascii")
            body = (
                cstr("")
                + bytes([0, 0])
                + cstr(sub.destination)
                + bytes([0, 0])
                + cstr(sub.source)
                + bytes([0x04, 0, 0])
                + cstr("")
                + cstr("")
                + bytes([0, 0, 0, 0, len(text)])
                + text
            )
            self.request.sendall(pdu(DELIVER_SM, next(self.sequence), body))

    def _deliver_mo(self, smsc: Smsc) -> None:
        """Every SMS not yet acknowledged, each kept until its deliver_sm_resp says ROK."""
        self.awaiting: dict[int, Mo] = {}
        with smsc.lock:
            waiting = list(smsc.mo)
        for mo in waiting:
            body = (
                cstr("")
                + bytes([1, 1])
                + cstr(mo.source)
                + bytes([0, 0])
                + cstr(mo.destination)
                + bytes([mo.esm_class, 0, 0])
                + cstr("")
                + cstr("")
                + bytes([0, 0, mo.data_coding, 0, len(mo.short_message)])
                + mo.short_message
            )
            sequence = next(self.sequence)
            self.awaiting[sequence] = mo
            self.request.sendall(pdu(DELIVER_SM, sequence, body))

    def _acknowledged(self, smsc: Smsc, sequence: int, status: int) -> None:
        mo = getattr(self, "awaiting", {}).pop(sequence, None)
        if mo is None or status != ROK:
            return  # a receipt's answer, or a refusal: an SMS refused stays for the next bind
        with smsc.lock:
            smsc.mo = [m for m in smsc.mo if m is not mo]
            smsc.mo_acknowledged.append(mo)

    def _recv(self, n: int) -> bytes | None:
        chunks = b""
        while len(chunks) < n:
            try:
                part = self.request.recv(n - len(chunks))
            except OSError:
                return None
            if not part:
                return None
            chunks += part
        return chunks


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, smsc: Smsc) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.smsc = smsc

    @property
    def port(self) -> int:
        return int(self.server_address[1])


def start(smsc: Smsc) -> Server:
    server = Server(smsc)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # Proves it listens before a test connects: a refused connection here fails the fixture.
    socket.create_connection(("127.0.0.1", server.port), timeout=5).close()
    return server
