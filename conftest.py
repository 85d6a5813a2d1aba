"""Shared fixtures: reference data and named personas (agent, handler, supervisor, …, outsider).

Personas work in the billing department unless their name says otherwise; `outsider` is a
handler of the network department, who must not see billing's complaints.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

pytest_plugins = ["tests.browser"]

PASSWORD = "Tousu-test-2026"


@pytest.fixture(autouse=True)
def _isolated_files(settings: Any, tmp_path: Any) -> None:
    """Uploads go to a temporary folder: tests never write into the real data directory."""
    settings.MEDIA_ROOT = tmp_path / "uploads"


@pytest.fixture(autouse=True, scope="session")
def _client_login_with_a_request() -> Any:
    """`Client.login` calls `authenticate()` without a request, which the login policy refuses
    (tousu/accounts/lockout.py: an attempt it cannot count). Tests' logins pass one from the
    test client's address, and so are counted like a browser's."""
    from django.http import HttpRequest

    login = Client.login

    def login_with_request(self: Client, **credentials: Any) -> bool:
        if "request" not in credentials:
            request = HttpRequest()
            request.META["REMOTE_ADDR"] = "127.0.0.1"
            credentials["request"] = request
        return login(self, **credentials)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Client, "login", login_with_request)
        yield


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """Rate-limit counters live in the cache; one test's hits must not throttle the next."""
    from django.core.cache import cache

    yield
    # Tests without database access cannot reach the database cache; nothing to clear there.
    with contextlib.suppress(Exception):
        cache.clear()


@pytest.fixture(autouse=True)
def _fresh_reference_copies() -> None:
    """The per-process copies of reference tables (tousu.core.refcache) are dropped when a row
    is saved; a test's rolled-back transaction sends no signal for the rows it undoes, so the
    next test would read the rows of this one."""
    from tousu.core.refcache import refcache_clear_all

    refcache_clear_all()


@contextlib.contextmanager
def _statements_counted(
    num: int,
    exact: bool = True,
    connection: Any = None,
    info: str | None = None,
    *,
    using: str | None = None,
) -> Iterator[Any]:
    """pytest-django's query-count check, whose failure always lists the statements (pytest-
    django's shows them only under -v, which CI does not use): a count that fails once in a
    CI run of a thousand tests, and never alone, must say which statement was one too many."""
    from django.db import connection as default_connection
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    __tracebackhide__ = True
    if connection is not None and using is not None:
        raise ValueError("give `connection` or `using`, not both")
    conn = connection or (connections[using] if using else default_connection)
    with CaptureQueriesContext(conn) as context:
        yield context
    done = len(context)
    if done == num or (not exact and done < num):
        return
    expected = f"{num}" if exact else f"at most {num}"
    statements = "\n".join(
        f"{i:3}. {query['sql']}" for i, query in enumerate(context.captured_queries, 1)
    )
    pytest.fail(
        f"Expected {expected} statements, {done} were done"
        + (f"\n{info}" if info else "")
        + f"\n{statements}"
    )


@pytest.fixture
def django_assert_num_queries() -> Callable[..., Any]:
    return _statements_counted


@pytest.fixture
def django_assert_max_num_queries() -> Callable[..., Any]:
    return functools.partial(_statements_counted, exact=False)


@pytest.fixture(autouse=True)
def _default_language() -> Any:
    """A request in English (Accept-Language, the language cookie) leaves English active in the
    test's thread; services translate their messages, so the next test would read English
    where a fresh process reads the default, Chinese."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """Reference data (regions, departments, categories, routes, limits, time-limit policies) is
    loaded once per test database, not per test: every test's transaction rolls back to it.
    Loading it cost 613 queries, a third of a second, for each of a thousand tests."""
    from tousu.setup.services import reference_data_load

    with django_db_blocker.unblock():
        reference_data_load()


@pytest.fixture
def reference(db: None) -> None:
    """The reference data, there for the test. A transactional test (`transaction=True`) empties
    the database when it ends; the next one that asks for reference data loads it again."""
    from tousu.accounts.models import Department
    from tousu.accounts.reference import DEFAULT_DEPARTMENT
    from tousu.setup.services import reference_data_load

    if not Department.objects.filter(code=DEFAULT_DEPARTMENT).exists():
        reference_data_load()


def persona_create(username: str, role: str, department: str = "billing", **kw: Any) -> Any:
    """A member of staff with the personas' password; what `make_user` makes. A plain function
    so that module-scoped data sets (tests/test_query_counts.py) make the same people."""
    from tousu.accounts.services import user_create

    return user_create(username=username, role=role, password=PASSWORD, department=department, **kw)


@pytest.fixture
def make_user(reference: None) -> Callable[..., Any]:
    return persona_create


@pytest.fixture
def agent(make_user: Callable[..., Any]) -> Any:
    return make_user("agent", "agent", department="customer_service")


@pytest.fixture
def handler(make_user: Callable[..., Any]) -> Any:
    return make_user("handler", "handler")


@pytest.fixture
def handler2(make_user: Callable[..., Any]) -> Any:
    return make_user("handler2", "handler")


@pytest.fixture
def supervisor(make_user: Callable[..., Any]) -> Any:
    return make_user("supervisor", "supervisor")


@pytest.fixture
def dept_head(make_user: Callable[..., Any]) -> Any:
    return make_user("dept_head", "dept_head")


@pytest.fixture
def quality(make_user: Callable[..., Any]) -> Any:
    return make_user("quality", "quality", department="complaint_office")


@pytest.fixture
def analyst(make_user: Callable[..., Any]) -> Any:
    return make_user("analyst", "analyst", department="complaint_office")


@pytest.fixture
def admin_user(make_user: Callable[..., Any]) -> Any:
    return make_user("admin", "admin", department="complaint_office")


@pytest.fixture
def outsider(make_user: Callable[..., Any]) -> Any:
    return make_user("outsider", "handler", department="network")


class ApiClient:
    """A test client speaking JSON with a bearer token."""

    def __init__(self, token: str | None):
        self.client = Client()
        self.headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params, **self.headers)

    def post(self, path: str, body: Any = None, raw: str | None = None, **headers: Any) -> Any:
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.post(
            path, data, content_type="application/json", **self.headers, **headers
        )


@pytest.fixture
def api_as() -> Callable[[Any], ApiClient]:
    from tousu.accounts.services import token_create

    def make(user: Any | None) -> ApiClient:
        return ApiClient(token_create(user=user) if user is not None else None)

    return make


def complaint_register_billing(actor: Any = None, **fields: Any) -> Any:
    """Register a billing complaint through the real service (actor may be None = public);
    what the `register` fixture does."""
    from tousu.intake.services import Registration, complaint_register

    data: dict[str, Any] = {
        "channel": "hotline",
        "content": "上个月话费无故多扣了58元，客服说查不到原因",
        "customer_phone": "13800138000",
        "customer_name": "张三",
        "category": "billing.unexplained_charge",
    }
    data.update(fields)
    return complaint_register(registration=Registration(**data), actor=actor)


@pytest.fixture
def register(reference: None) -> Callable[..., Any]:
    """Register a billing complaint through the real service (actor may be None = public)."""
    return complaint_register_billing


LIFECYCLE_STATUSES = ("dispatched", "in_progress", "awaiting_approval", "resolved", "closed")


def complaint_drive(
    status: str,
    handler: Any,
    register: Callable[..., Any] = complaint_register_billing,
    **fields: Any,
) -> Any:
    """Drive a fresh billing complaint to `status` through the real services and return it
    re-read; what the `lifecycle` fixture does, with the handler given."""
    from decimal import Decimal

    from tousu.accounts.models import Department
    from tousu.complaints.models import Complaint
    from tousu.complaints.services import complaint_accept
    from tousu.resolution.services import RemedyInput, complaint_close, complaint_resolve

    if status not in LIFECYCLE_STATUSES:
        raise ValueError(f"lifecycle cannot reach {status!r}; one of {LIFECYCLE_STATUSES}")
    complaint = register(**fields)
    if status != "dispatched":
        complaint = complaint_accept(complaint=complaint, actor=handler)
    if status in ("awaiting_approval", "resolved", "closed"):
        remedies = [RemedyInput("refund", Decimal("58"))]
        if status == "awaiting_approval":
            remedies.append(RemedyInput("bill_credit", Decimal("200")))
        complaint = complaint_resolve(
            complaint=complaint,
            actor=handler,
            finding="true",
            cause="process_error",
            responsible_department=Department.objects.get(code="billing"),
            remedies=remedies,
            reply="经核查系计费系统错误，已退还多扣的58元，给您带来不便深表歉意。",
        )
        reply_release(complaint)
    if status == "closed":
        complaint = complaint_close(complaint=complaint, actor=handler, customer_accepted=True)
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.status == status
    return complaint


def reply_release(complaint: Any) -> None:
    """Let the complaint's reply SMS go out now even in the quiet hours, as it would by day:
    tests run at any hour, and a complaint is closed as accepted only once its reply has left
    (resolution's `accepted_close_waits`). The quiet hours have tests of their own."""
    from tousu.core import clock
    from tousu.messages.models import Message

    Message.objects.filter(
        complaint=complaint, kind="reply", status="queued", next_attempt_at__gt=clock.now()
    ).update(next_attempt_at=clock.now())


@pytest.fixture
def lifecycle(register: Callable[..., Any], handler: Any) -> Callable[..., Any]:
    """Drive a fresh billing complaint to `status` through the real services and return it
    re-read: `handler` accepts and resolves (a 58 yuan refund, within a handler's authority;
    for `awaiting_approval` 58 + 200, over it) and closes; fields go to `register`."""

    def drive(status: str, **fields: Any) -> Any:
        return complaint_drive(status, handler, register, **fields)

    return drive


@pytest.fixture
def complaint_in(reference: None, request: pytest.FixtureRequest) -> Callable[..., Any]:
    """`complaint_in(status, **fields)`: a billing complaint in any status (registered …
    closed), built directly in about a dozen statements instead of driven through the
    services, with consistent fields and a timeline that verifies (tests/factories.py). For
    tests that need a complaint in some status and are not about how it got there; the
    handler of an accepted one is the `handler` persona unless `handler=` is given."""
    from tests.factories import ComplaintBuilder

    return ComplaintBuilder(lambda: request.getfixturevalue("handler"))


@pytest.fixture
def tousu_cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., tuple[int, str, str]]:
    """Run `tousu ARGS…` in this process, against the test database, as a person would type it
    (aliases included) → (exit status, stdout, stderr)."""
    from django.db import connections

    from tousu.cli import main

    # A command run from the command line closes every connection when it ends; on PostgreSQL
    # that would end the test's transaction with it.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code: int = 0
        try:
            main(["tousu", *args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Argon2 takes ~0.4 s per password by design; personas need no such protection in tests.
    Argon2 stays listed, so hashes made with it still verify."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]


# ---- real mail servers (tests/mail_servers.py) ----------------------------------------------


@pytest.fixture(scope="session")
def dovecot() -> Any:
    """Dovecot on 127.0.0.1 (IMAP + LMTP), one per session; `dovecot.mailbox(name)` makes a
    fresh user. Skipped where Dovecot cannot run, failed instead with CI=true."""
    from tests.mail_servers import dovecot_running, require_dovecot

    require_dovecot()
    with dovecot_running() as server:
        yield server


@pytest.fixture(scope="session")
def smtp_relay(dovecot: Any) -> Any:
    """An SMTP server on 127.0.0.1 that delivers every mail it receives into Dovecot over LMTP:
    point Tousu's SMTP transport at (smtp_relay.host, smtp_relay.port) and read the recipient's
    mailbox with `dovecot.messages(address)`."""
    from tests.mail_servers import smtp_relay_running

    with smtp_relay_running(dovecot) as relay:
        yield relay


# ---- an SMS centre speaking SMPP 3.4 (tousu/messages/tests/smsc.py) -------------------------


@pytest.fixture
def smsc(settings: Any) -> Iterator[Any]:
    """The SMS centre on 127.0.0.1, Tousu's SMS transport pointed at it: what was submitted,
    receipts and the customers' SMS (`smsc.sms_from`) handed to the next receiver bind."""
    from tousu.messages.tests import smsc as smsc_module

    centre = smsc_module.Smsc()
    server = smsc_module.start(centre)
    settings.TOUSU_SMS_TRANSPORT = "smpp"
    settings.TOUSU_SMPP_HOST, settings.TOUSU_SMPP_PORT = "127.0.0.1", server.port
    settings.TOUSU_SMPP_SYSTEM_ID, settings.TOUSU_SMPP_PASSWORD = "tousu", "secret"
    settings.TOUSU_SMPP_SOURCE = "10010"
    settings.TOUSU_SMPP_RECEIPT_IDLE = 0.3
    settings.TOUSU_SMPP_TIMEOUT = 5.0
    yield centre
    server.shutdown()
    server.server_close()
