"""Real mail servers on 127.0.0.1 for tests (issue 17): Debian's Dovecot serving IMAP and
accepting mail over LMTP, and an SMTP relay (aiosmtpd) that hands what it receives to Dovecot
over LMTP — so that a mail "sent to the test mailbox" really travels SMTP → LMTP → Maildir →
IMAP, as it does in production.

Each test session (each xdist worker) starts its own Dovecot with its own configuration in a
temporary folder and free ports; nothing is shared with the machine's mail system. With
CI=true a missing Dovecot fails the session instead of skipping the tests that need it."""

from __future__ import annotations

import contextlib
import imaplib
import os
import shutil
import smtplib
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
DOMAIN = "tousu.test"
PASSWORD = "Mailbox-test-2026"


def free_port() -> int:
    """A port nobody listens on now (bind to port 0, read it, let it go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(200):  # a readiness poll, not a timing assertion: ~10 s at most
        if process.poll() is not None:
            raise RuntimeError(f"dovecot exited: {log.read_text(errors='replace')[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"dovecot did not listen on {port}: {log.read_text(errors='replace')}")


CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 0
mail_location = maildir:~/Maildir
default_internal_user = {internal}
default_login_user = {login}
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp_port}
  }}
}}
protocol lmtp {{
  postmaster_address = postmaster@{domain}
}}
"""


@dataclass
class Dovecot:
    """A running Dovecot: IMAP on `imap_port`, LMTP on `lmtp_port`; `mailbox(name)` is a
    fresh user (its address and password) so that tests never read each other's mail."""

    root: Path
    imap_port: int
    lmtp_port: int
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        home = self.root / "home"
        home.mkdir()
        uid, gid = _mail_owner()
        os.chown(home, uid, gid)
        (self.root / "dovecot.conf").write_text(
            CONFIG.format(
                root=self.root,
                imap_port=self.imap_port,
                lmtp_port=self.lmtp_port,
                domain=DOMAIN,
                internal=_system_user("dovecot"),
                login=_system_user("dovenull"),
                password=PASSWORD,
                uid=uid,
                gid=gid,
            )
        )
        log = self.root / "dovecot.log"
        self.process = subprocess.Popen(  # noqa: S603 - a fixed binary and our own config
            [DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        _wait_for_port(self.imap_port, self.process, log)
        _wait_for_port(self.lmtp_port, self.process, log)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def mailbox(self, name: str) -> str:
        """The address of user `name` (password PASSWORD): every user exists (a static user
        database), its Maildir made on first delivery; a fresh name is a fresh mailbox."""
        return f"{name}@{DOMAIN}"

    def deliver(self, recipient: str, raw: bytes, sender: str = "") -> None:
        """Deliver `raw` (a whole RFC 5322 message) into `recipient`'s INBOX over LMTP."""
        with smtplib.LMTP("127.0.0.1", self.lmtp_port) as lmtp:
            lmtp.sendmail(sender or "sender@example.com", [recipient], raw)

    def imap(self, address: str) -> imaplib.IMAP4:
        """A logged-in IMAP session of `address` (the caller logs out)."""
        client = imaplib.IMAP4("127.0.0.1", self.imap_port)
        client.login(address, PASSWORD)
        return client

    def messages(self, address: str, folder: str = "INBOX") -> list[bytes]:
        """Every message in `address`'s folder, raw, oldest first."""
        client = self.imap(address)
        try:
            client.select(folder, readonly=True)
            _, data = client.uid("SEARCH", "ALL")
            found = []
            for uid in data[0].split():
                _, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
                found.append(bytes(parts[0][1]))
            return found
        finally:
            client.logout()


def _system_user(name: str) -> str:
    """Dovecot's unprivileged users, created by the Debian package; root otherwise (CI runs as
    root, and a throwaway test server needs no privilege separation)."""
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return "root"
    return name


def _mail_owner() -> tuple[int, int]:
    """Who owns the test mail: Dovecot's own system user (Dovecot refuses to store mail as root)."""
    import pwd

    entry = pwd.getpwnam(_system_user("dovecot"))
    return entry.pw_uid, entry.pw_gid


def dovecot_missing() -> str | None:
    """Why a test Dovecot cannot run here, or None when it can."""
    if not Path(DOVECOT).exists():
        return "Dovecot is not installed (apt-get install dovecot-imapd dovecot-lmtpd)"
    if not Path("/usr/lib/dovecot/lmtp").exists():
        return "Dovecot's LMTP server is not installed (apt-get install dovecot-lmtpd)"
    if _system_user("dovecot") == "root":
        return "the system user `dovecot` is missing (installed by the Debian package)"
    if os.getuid() != 0:
        return "the test Dovecot runs as root (mail owned by the test user needs privileges)"
    return None


@contextlib.contextmanager
def dovecot_running() -> Iterator[Dovecot]:
    """A Dovecot in a folder of its own, removed after. Not under pytest's tmp_path: that is
    private to root (0700), and Dovecot's unprivileged auth process must read the users."""
    root = Path(tempfile.mkdtemp(prefix="tousu-dovecot-"))
    root.chmod(0o755)
    server = Dovecot(root=root, imap_port=free_port(), lmtp_port=free_port())
    try:
        server.start()
        yield server
    finally:
        server.stop()
        if not os.environ.get("TOUSU_KEEP_DOVECOT"):
            shutil.rmtree(root, ignore_errors=True)


class LmtpRelay:
    """aiosmtpd handler: every mail received over SMTP is delivered to Dovecot over LMTP, as a
    mail relay (Postfix) in front of the mailbox would."""

    def __init__(self, dovecot: Dovecot) -> None:
        self.dovecot = dovecot
        self.received: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(envelope)
        content = envelope.original_content or envelope.content
        with smtplib.LMTP("127.0.0.1", self.dovecot.lmtp_port) as lmtp:
            refused = lmtp.sendmail(envelope.mail_from, envelope.rcpt_tos, content)
        if refused:
            return "550 some recipients were refused by the mailbox"
        return "250 delivered to the test mailbox"


@dataclass
class SmtpRelay:
    host: str
    port: int
    handler: LmtpRelay


@contextlib.contextmanager
def smtp_relay_running(dovecot: Dovecot) -> Iterator[SmtpRelay]:
    from aiosmtpd.controller import Controller

    handler = LmtpRelay(dovecot)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpRelay("127.0.0.1", port, handler)
    finally:
        controller.stop()


def require_dovecot() -> None:
    """Skip when Dovecot cannot run here; with CI=true fail instead: CI must test the mail
    intake against a real server, never pass by skipping it."""
    problem = dovecot_missing()
    if problem is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI needs the test mail server: {problem}")
    pytest.skip(problem)
