"""Benchmark: registration through the API against a bare two-insert Django endpoint, side by
side in one run (issue 19 items 2 and 5).

Not a test. Creates a throw-away database (SQLite in a temporary folder, or a
`tousu_bench_intake` database on the PostgreSQL server of --database-url, created and dropped
here), preloads N complaints with bench/analytics.py's loader (timelines hash-chained as the
product writes them), runs the product's own breach scan over them and stops unless it passed,
then starts a real `tousu serve --workers W` on loopback with the settings of
bench/intake_server (the product's, plus one app of the bench's own whose endpoint inserts two
rows in one transaction: not part of the product). Clients on keep-alive connections then post
complaints to `POST /api/v1/complaints` (each with its own Idempotency-Key) and the same bodies
to `POST /api/bench/bare`, interleaved: every round runs each endpoint at each concurrency for
--seconds, the order reversed every other round, so drift on a shared machine falls on both.
Prints req/s, p50/p95 per endpoint and concurrency, the ratio product/bare and c4/c1.

    .venv/bin/python bench/intake.py --n 20000                      # SQLite
    .venv/bin/python bench/intake.py --n 20000 \\
        --database-url postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RUNNING = re.compile(r"Tousu is running on http://127\.0\.0\.1:(\d+)/")
JOB_DONE = re.compile(r"job ([\w.]+)(?: failed|: )")  # tousu/config/runner.py run_logged
JOB_TIME = re.compile(r"job ([\w.]+): .* \(([\d.]+) s\)$")
TEXTS = (
    "上个月话费无故多扣了58元，客服说查不到原因，要求退还",
    "家里宽带晚上经常断线，报修三次都没有解决",
    "手机信号在小区里很差，打电话经常听不清",
    "办理套餐时营业员承诺的赠送流量没有到账",
)


def prepare(n: int) -> str:
    """Load n complaints, check the breach scan accepts them, make the bench's tables and an
    agent's API token. Returns the token."""
    from django.db import connection

    from bench import analytics
    from bench.intake_server.models import BareEvent, BareTicket
    from tousu.accounts.models import User
    from tousu.accounts.services import token_create, user_create
    from tousu.config import jobs
    from tousu.core import clock

    now = clock.now().replace(microsecond=0)
    started = time.perf_counter()
    print(f"loading {n:,} complaints (bench/analytics.py's loader) …", flush=True)
    analytics.load(n, now)
    print(f"  loaded in {time.perf_counter() - started:.0f} s", flush=True)

    # The product's own breach scan over the loaded database (issue 19: the loader used to
    # leave timelines that made it fail). The loader leaves 0.3 % of complaints stuck open and
    # long overdue, so the scan has real escalations to make.
    started = time.perf_counter()
    counts = jobs.run("sla.breach_scan")
    seconds = time.perf_counter() - started
    print(f"breach scan: {counts} ({seconds:.1f} s)")
    if counts["failed"] or not counts["escalated"]:
        print("breach scan FAILED on the loaded database")
        raise SystemExit(1)
    print(f"breach scan passed: {counts['escalated']:,} escalations, none failed")
    # And the tamper-evidence check over every timeline, the scan's escalations included: the
    # old loader's chains (a head of "x", events that did not link) gave a finding for every
    # loaded complaint (2,614 findings at n=2,000).
    started = time.perf_counter()
    verified = jobs.run("resolution.integrity_verify")
    seconds = time.perf_counter() - started
    print(f"integrity verification: {verified} ({seconds:.1f} s)")
    if verified["findings"]:
        print("integrity verification FAILED on the loaded database")
        raise SystemExit(1)
    print("integrity verification passed: no findings")

    with connection.schema_editor() as editor:
        editor.create_model(BareTicket)
        editor.create_model(BareEvent)
    agent = user_create(
        username="bench_agent", role="agent", password=uuid.uuid4().hex, department="billing"
    )
    token = token_create(user=User.objects.get(pk=agent.pk))
    connection.close()
    return token


def body(i: int) -> bytes:
    return json.dumps(
        {
            "channel": "hotline",
            "content": f"{TEXTS[i % len(TEXTS)]}（第{i}次）",
            "customer": {"phone": f"138{i % 100_000_000:08d}", "name": "张三"},
            "demand": "尽快处理",
        },
        ensure_ascii=False,
    ).encode()


class Client(threading.Thread):
    """One client on one keep-alive connection, posting until `stop_at`."""

    counter = iter(range(10**9))  # shared: every body different, every key new

    def __init__(self, port: int, path: str, token: str, stop_at: float) -> None:
        super().__init__(daemon=True)
        self.port, self.path, self.token, self.stop_at = port, path, token, stop_at
        self.latencies: list[float] = []
        self.errors: list[str] = []

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"}
        while time.perf_counter() < self.stop_at:
            i = next(self.counter)
            headers["Idempotency-Key"] = f"bench-{uuid.uuid4()}"
            started = time.perf_counter()
            try:
                conn.request("POST", self.path, body=body(i), headers=headers)
                response = conn.getresponse()
                payload = response.read()
            except (OSError, http.client.HTTPException) as exc:
                self.errors.append(repr(exc))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                continue
            if response.status != 201:
                self.errors.append(f"{response.status} {payload[:200]!r}")
                continue
            self.latencies.append(time.perf_counter() - started)
        conn.close()


def burst(
    port: int, path: str, token: str, clients: int, seconds: float
) -> tuple[list[float], float, list[str]]:
    stop_at = time.perf_counter() + seconds
    threads = [Client(port, path, token, stop_at) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return (
        [x for t in threads for x in t.latencies],
        elapsed,
        [e for t in threads for e in t.errors],
    )


def serve(workers: int, threads: int) -> tuple[subprocess.Popen, int]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.intake_server.settings",
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]),
        PYTHONUNBUFFERED="1",
        TOUSU_LOG_LEVEL="INFO",  # the job runner's "job X: …" lines: wait_for_startup_jobs
    )
    command = [sys.executable, "-m", "tousu.cli", "serve", "--port", "0"]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [*command, "--workers", str(workers), "--threads", str(threads)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        SERVER_LOG.append(line)
        if match := RUNNING.search(line):
            # Keep reading its output (a full pipe would stall it) for wait_for_startup_jobs.
            threading.Thread(target=drain, args=(process,), daemon=True).start()
            return process, int(match.group(1))
    raise SystemExit(f"tousu serve did not start: {''.join(SERVER_LOG)}")


SERVER_LOG: list[str] = []
TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> tuple[int, float, int, float] | None:
    """(parent pid, CPU seconds so far, start time in ticks, CPU seconds of its children that
    exited and were reaped) of a process, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # After the name: state, ppid, … utime (14th field of the line), stime, cutime, cstime, …
    # starttime (22nd).
    own = (int(fields[11]) + int(fields[12])) / TICK
    return int(fields[1]), own, int(fields[19]), (int(fields[13]) + int(fields[14])) / TICK


def cpu_by_part(server_pid: int, database: str) -> dict[str, float]:
    """CPU seconds used so far by each part of the system under test: the server's master, its
    job runner (the first child it forks, before the workers), its workers, the PostgreSQL
    server when `database` names one (every postgres process, and the backends that exited
    since it started: the postmaster reaps them, their time is its children's — connections
    come and go within a run), and this process (the clients). Linux only (an empty dict
    elsewhere). The PostgreSQL server's share counts whatever else uses it: run it alone."""
    if not Path("/proc/self/stat").exists():
        return {}
    parts = {"server master": 0.0, "job runner": 0.0, "server workers": 0.0}
    children: list[tuple[int, float]] = []
    postgres: dict[int, tuple[int, float, float]] = {}  # pid: (parent, own, reaped children)
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        stat = _stat(pid)
        if stat is None:
            continue
        parent, cpu, started, reaped = stat
        if pid == server_pid:
            parts["server master"] = cpu
        elif parent == server_pid:
            children.append((started, cpu))
        elif database:
            try:
                name = Path(f"/proc/{pid}/comm").read_text().strip()
            except OSError:
                continue
            if name == "postgres":
                postgres[pid] = (parent, cpu, reaped)
    children.sort()
    if children:
        parts["job runner"] = children[0][1]
        parts["server workers"] = sum(cpu for _, cpu in children[1:])
        for number, (_, cpu) in enumerate(children[1:], 1):  # in the order they started
            parts[f"worker {number}"] = cpu
    if database:
        # The postmaster's own, its reaped children's, and its live children's.
        parts["postgres server"] = sum(
            own + (reaped if parent not in postgres else 0.0)
            for parent, own, reaped in postgres.values()
        )
    parts["bench clients"] = time.process_time()
    return parts


def drain(process: subprocess.Popen) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        SERVER_LOG.append(line)


def wait_for_startup_jobs(timeout: float = 900) -> None:
    """The server's job runner runs every scheduled job once right after it starts (the
    classifier's retraining, the forecast, the count tables…): wait until each has, so that the
    figures are the steady state's, not a start-up's."""
    from tousu.config import jobs

    scheduled = {name for name, job in jobs.JOBS.items() if job.every}
    done: set[str] = set()
    read = 0
    started = time.perf_counter()
    shown = started
    while time.perf_counter() - started < timeout:
        lines, read = SERVER_LOG[read:], len(SERVER_LOG)
        done |= {name for line in lines if (m := JOB_DONE.search(line)) for name in [m.group(1)]}
        if scheduled <= done:
            print(f"  start-up jobs done after {time.perf_counter() - started:.0f} s", flush=True)
            return
        if time.perf_counter() - shown > 60:
            shown = time.perf_counter()
            print(f"  start-up jobs still to run: {sorted(scheduled - done)}", flush=True)
        time.sleep(1)
    print(f"  start-up jobs still running after {timeout:.0f} s: {sorted(scheduled - done)}")


def warm(port: int, token: str, workers: int) -> None:
    """Requests on each endpoint until every worker has loaded what it loads on first use (the
    classifier, the reference data, connections): until a burst is no faster than the one
    before, at least two, at most ten."""
    for path in ("/api/v1/complaints", "/api/bench/bare"):
        previous = 0.0
        for attempt in range(10):
            latencies, elapsed, _ = burst(port, path, token, workers * 2, 3.0)
            rate = len(latencies) / elapsed
            if attempt >= 1 and rate <= previous * 1.1:
                break
            previous = rate
        print(f"  warmed {path}: {rate:.1f} req/s after {attempt + 1} bursts", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="complaints preloaded")
    parser.add_argument("--database-url", default="", help="a PostgreSQL server (default SQLite)")
    parser.add_argument(
        "--bench-db", default="tousu_bench_intake", help="PostgreSQL database created, dropped"
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--threads", type=int, default=8, help="threads per worker")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5.0, help="per endpoint per round")
    parser.add_argument("--clients", default="1,4", help="concurrencies, comma-separated")
    args = parser.parse_args(argv)
    concurrencies = [int(c) for c in args.clients.split(",")]

    sys.path.insert(0, str(ROOT))
    from bench import throwaway

    throwaway.BENCH_DB = args.bench_db  # not the other benches' database
    with throwaway.django_on_throwaway_database(args.database_url):
        token = prepare(args.n)
        process, port = serve(args.workers, args.threads)
        try:
            print(f"tousu serve --workers {args.workers} --threads {args.threads} on :{port}")
            wait_for_startup_jobs()
            warm(port, token, args.workers)
            endpoints = {"product": "/api/v1/complaints", "bare": "/api/bench/bare"}
            runs: dict[tuple[str, int], list[tuple[list[float], float]]] = {}
            cpu: dict[tuple[str, int], dict[str, float]] = {}
            errors: list[str] = []
            plan = [(name, c) for c in concurrencies for name in endpoints]
            database = _postgres_name()
            log_from = len(SERVER_LOG)
            for round_ in range(args.rounds):
                for name, c in plan if round_ % 2 == 0 else plan[::-1]:
                    before = cpu_by_part(process.pid, database)
                    latencies, elapsed, errs = burst(port, endpoints[name], token, c, args.seconds)
                    after = cpu_by_part(process.pid, database)
                    runs.setdefault((name, c), []).append((latencies, elapsed))
                    used = cpu.setdefault((name, c), {})
                    for part, seconds in after.items():
                        used[part] = used.get(part, 0.0) + seconds - before.get(part, 0.0)
                    errors += errs
                    print(burst_line(name, c, len(latencies) / elapsed, before, after), flush=True)
            if errors:
                print(f"{len(errors)} failed requests, e.g. {errors[:3]}")
            report(runs, concurrencies, args)
            report_cpu(runs, cpu)
            report_jobs(SERVER_LOG[log_from:])
        finally:
            process.terminate()
            process.wait(timeout=60)
    return 0


def burst_line(
    name: str, c: int, rate: float, before: dict[str, float], after: dict[str, float]
) -> str:
    """One burst: its rate and each worker's share of the workers' CPU. Every client keeps
    its connection, and a connection stays with the worker that accepted it: when three of
    four land on one worker, that worker's one interpreter is the limit."""
    used = {p: after[p] - before.get(p, 0.0) for p in after if p.startswith("worker ")}
    total = sum(used.values()) or 1.0
    split = "/".join(f"{100 * used[p] / total:.0f}" for p in sorted(used))
    return f"  burst {name:>7} c={c}: {rate:7.1f} req/s, workers' CPU split % {split}"


def report(
    runs: dict[tuple[str, int], list[tuple[list[float], float]]],
    concurrencies: list[int],
    args: Any,
) -> None:
    rate: dict[tuple[str, int], float] = {}
    print()
    print(f"{'endpoint':>8} {'c':>3} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8}")
    for (name, c), parts in sorted(runs.items()):
        latencies = sorted(x for lat, _ in parts for x in lat)
        if not latencies:
            print(f"{name:>8} {c:>3} no request succeeded")
            return
        elapsed = sum(e for _, e in parts)
        rate[name, c] = len(latencies) / elapsed
        p50 = statistics.median(latencies) * 1000
        p95 = latencies[int(len(latencies) * 0.95) - 1] * 1000
        print(
            f"{name:>8} {c:>3} {len(latencies):>9,} {rate[name, c]:>8.1f} {p50:>8.1f} {p95:>8.1f}"
        )
    print()
    print("ratios of the pooled rates; then of each round's own bursts (seconds apart), median")
    print("and range: the machine's speed drifts over minutes, a round's ratio less so")
    pairs = [(f"product/bare at c={c}", ("product", c), ("bare", c)) for c in concurrencies]
    if len(concurrencies) > 1:
        low, high = concurrencies[0], concurrencies[-1]
        pairs += [(f"{n} c{high}/c{low}", (n, high), (n, low)) for n in ("product", "bare")]
    for label, top, bottom in pairs:
        per_round = [a / b for a, b in zip(_rates(runs, *top), _rates(runs, *bottom), strict=True)]
        print(
            f"{label}: {rate[top] / rate[bottom]:.2f}   by round: median "
            f"{statistics.median(per_round):.2f}, {min(per_round):.2f}-{max(per_round):.2f}"
        )
    print(
        f"(n={args.n:,}, workers={args.workers}, threads={args.threads}, "
        f"{args.rounds} rounds × {args.seconds:g} s per endpoint and concurrency, "
        f"at {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)"
    )


def _rates(
    runs: dict[tuple[str, int], list[tuple[list[float], float]]], name: str, c: int
) -> list[float]:
    """Requests per second of each round's burst of one endpoint at one concurrency."""
    return [len(latencies) / elapsed for latencies, elapsed in runs.get((name, c), [])]


def _postgres_name() -> str:
    from django.db import connection

    return str(connection.settings_dict["NAME"]) if connection.vendor == "postgresql" else ""


def report_cpu(
    runs: dict[tuple[str, int], list[tuple[list[float], float]]],
    cpu: dict[tuple[str, int], dict[str, float]],
) -> None:
    """CPU milliseconds per request by part, and the cores busy on average: how much of the
    two cores one client already keeps busy bounds what four can add (c4/c1)."""
    if not any(cpu.values()):
        return
    parts = [p for p in next(iter(cpu.values())) if not p.startswith("worker ")]
    print()
    print("CPU ms per request by part (from /proc; other engineers' processes not counted):")
    heads = " ".join(f"{p[:16]:>16}" for p in parts)
    print(f"{'endpoint':>8} {'c':>3} {heads}    all  cores")
    for key, used in sorted(cpu.items()):
        requests = sum(len(lat) for lat, _ in runs[key])
        elapsed = sum(e for _, e in runs[key])
        if not requests:
            continue
        cells = " ".join(f"{used[p] * 1000 / requests:>16.2f}" for p in parts)
        total = sum(used[p] for p in parts)
        per_request, cores = total * 1000 / requests, total / elapsed
        print(f"{key[0]:>8} {key[1]:>3} {cells} {per_request:>6.2f} {cores:>6.2f}")


def report_jobs(lines: list[str]) -> None:
    """The jobs the runner ran while the clients posted (its log): how often, how long."""
    runs: dict[str, list[float]] = {}
    for line in lines:
        if match := JOB_TIME.search(line.strip()):
            runs.setdefault(match.group(1), []).append(float(match.group(2)))
    if not runs:
        return
    print()
    print("jobs run during the measurement (the runner's log): runs, seconds in all")
    for name, seconds in sorted(runs.items(), key=lambda item: -sum(item[1])):
        print(f"  {name:<32} {len(seconds):>6} {sum(seconds):>8.2f}")


if __name__ == "__main__":
    raise SystemExit(main())
