"""Issue 9, benchmark: carrierdesk under load, on loopback, with a real load generator.

`make bench BENCH_ARGS="load -- --seconds 10"` (or `.venv/bin/python -m bench load -- …`).

The load generator is Debian's `wrk` with bench/load_wrk.lua (which writes its results as
JSON); the server is a real `carrierdesk serve --no-worker` subprocess on a fresh PostgreSQL
database with `carrierdesk demo` loaded. Each scenario runs for --seconds (after --warmup
seconds that are not counted) and prints req/s, p50/p95/p99/max latency, errors, the CPU the
server processes, the database backends and wrk spent per answer, the slowest GET /health
(polled every 100 ms on a new connection throughout), and the same scenario against
the BASELINE: bench/load_baseline.py, a minimal ASGI app under uvicorn (same number of
processes) that runs the very statements carrierdesk ran for one request of the endpoint
(recorded here through a `before_cursor_execute` event, plus what no cursor event sees: the
pool's pre-ping and psycopg's BEGIN READ ONLY) in one transaction on a pooled async psycopg
connection (--baseline-mode sync: sync psycopg in the thread pool, which measured slower).

1. GET /customers/{id}/summary?timeframe=daily, operator token, 200 connections:
   0 errors, p99 ≤ 1 s, ≥ 0.5 × baseline req/s.
2. GET /customers/{id}, one shared token, 200 connections: the same targets.
3. 100 concurrent wrong logins for one contact's email while scenario 1 runs: scenario 1's
   req/s during the flood ≥ 0.5 × its solo req/s; GET /health (polled every 100 ms on a new
   connection, timeout 5 s) always < 1 s; the logins' answers (401/429/other); the
   `login_failed` audit entries created == max_auth_failures.
4. POST /cdrs, 1,000-row JSON batches (bench/cdrgen.py, call_ids unique per request), 32
   connections, wrk (not a Python client: it would take CPU from the server on 2 cores):
   ≥ 20,000 CDRs/s and rows stored == sum of "accepted" (wrk stops sending at --seconds and
   waits for every answer, so nothing is cut off in flight). Baseline: the same batches
   through carrierdesk.cdrs.service.ingest in-process, one at a time, into a database of its own.
5. Scenario 1 on SQLite (one server process): 0 errors (no baseline).

Options: --seconds, --workers (PostgreSQL server processes, default 2), --scenarios 1,3 (or
names: summary, customer, logins, cdrs, sqlite), --connections, --keep (keep the databases
and the work directory); see --help.

The machine is shared: the load average is printed at the start, per scenario and at the
end; the ratios (measured in the same run) are the figures to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url

from bench.bench_cdr_post import as_json, free_port
from bench.cdrgen import make_customers, rows
from bench.common import PG_ADMIN_URL, fresh_postgres, fresh_sqlite, report
from bench.load_baseline import encode
from carrierdesk.auth.principals import CLI
from carrierdesk.auth.service import create_api_token
from carrierdesk.cdrs.service import ingest
from carrierdesk.config import get_settings
from carrierdesk.db import get_engine, transaction
from carrierdesk.models import AuditEntry, Contact, Customer
from carrierdesk.settings.schemas import OptionsPatch
from carrierdesk.settings.service import update_options

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LUA = HERE / "load_wrk.lua"
CARRIERDESK = str(Path(sys.executable).with_name("carrierdesk"))
SCENARIOS = {"1": "summary", "2": "customer", "3": "logins", "4": "cdrs", "5": "sqlite"}
TICK = os.sysconf("SC_CLK_TCK")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench load --", description=__doc__)
    parser.add_argument("--seconds", type=float, default=30, help="per scenario (default 30)")
    parser.add_argument("--workers", type=int, default=2, help="server processes on PostgreSQL")
    parser.add_argument(
        "--scenarios", default="1,2,3,4,5", help="a subset, by number or name: 1,3 or summary"
    )
    parser.add_argument("--connections", type=int, default=200, help="scenarios 1, 2, 3, 5")
    parser.add_argument("--post-connections", type=int, default=32, help="scenario 4")
    parser.add_argument("--batch", type=int, default=1000, help="CDRs per POST (scenario 4)")
    parser.add_argument("--logins", type=int, default=100, help="wrong logins (scenario 3)")
    parser.add_argument("--max-auth-failures", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--warmup", type=float, default=3, help="seconds before each run")
    parser.add_argument("--baseline-mode", choices=["async", "sync"], default="async")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    args, _ = parser.parse_known_args(argv)
    chosen = _chosen(args.scenarios)
    wrk = _find_wrk()
    if wrk is None:
        return
    print(f"load average at start: {_load()}", flush=True)
    bench = LoadBench(args, wrk)
    finished = False
    try:
        bench.run(chosen)
        finished = True
    finally:
        bench.close(remove_work=finished and not args.keep)
        print(f"\nload average at end: {_load()}", flush=True)
    bench.print_verdicts()


def _chosen(spec: str) -> list[str]:
    chosen = []
    for item in (part.strip() for part in spec.split(",") if part.strip()):
        number = item if item in SCENARIOS else {v: k for k, v in SCENARIOS.items()}.get(item)
        if number is None:
            raise SystemExit(f"unknown scenario {item!r}: choose from {SCENARIOS}")
        chosen.append(number)
    return sorted(set(chosen))


def _find_wrk() -> str | None:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0:
        print("wrk is missing: apt-get install -y wrk", flush=True)
        if subprocess.run(["apt-get", "install", "-y", "wrk"]).returncode != 0:
            subprocess.run(["apt-get", "update"], check=False)
            subprocess.run(["apt-get", "install", "-y", "wrk"], check=False)
        found = shutil.which("wrk")
        if found:
            return found
    print("This benchmark needs wrk: `sudo apt-get install -y wrk` (Debian/Ubuntu).")
    return None


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min, {os.cpu_count()} cores)"


# --- processes ----------------------------------------------------------------------------


class Processes:
    """Every subprocess in its own session (process group), all ended by `stop_all`."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, cmd: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.running.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[bytes], grace: float = 15) -> float:
        """SIGTERM to the process group, SIGKILL after `grace`; returns seconds to stop."""
        started = time.perf_counter()
        if proc.poll() is None:
            _signal_group(proc, signal.SIGTERM)
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait(timeout=10)
        _signal_group(proc, signal.SIGKILL)  # anything left in the group (uvicorn's workers)
        if proc in self.running:
            self.running.remove(proc)
        return time.perf_counter() - started

    def stop_all(self) -> None:
        for proc in list(self.running):
            try:
                self.stop(proc, grace=5)
            except Exception as error:  # keep going: every process must end
                print(f"could not stop {proc.args!r}: {error}", file=sys.stderr)


def _signal_group(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


def cpu_seconds(session_id: int | None = None, database: str | None = None) -> float:
    """CPU time so far of the processes of one session (a server and its workers), or of the
    PostgreSQL backends connected to `database`."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if database is not None:
                cmdline = (entry / "cmdline").read_bytes()
                if not cmdline.startswith(b"postgres:") or f" {database} ".encode() not in cmdline:
                    continue
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if session_id is not None and int(fields[3]) != session_id:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICK


def wait_healthy(port: int, proc: subprocess.Popen[bytes], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{proc.args!r} did not answer /api/v1/health within {seconds:.0f} s")


# --- wrk ------------------------------------------------------------------------------------


@dataclass
class Run:
    """One wrk run's results (bench/load_wrk.lua), plus the CPU the servers spent."""

    raw: dict[str, Any]
    app_cpu: float = 0.0
    db_cpu: float = 0.0
    wrk_cpu: float = 0.0
    health: HealthPoll | None = None

    @property
    def requests(self) -> int:
        return int(self.raw["requests"])

    @property
    def seconds(self) -> float:
        return float(self.raw["duration_us"]) / 1e6

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def ms(self, key: str) -> float:
        return float(self.raw["latency_us"][key]) / 1000

    @property
    def statuses(self) -> dict[int, int]:
        return {int(k): v for k, v in self.raw["statuses"].items()}

    @property
    def non_2xx(self) -> int:
        return sum(n for status, n in self.statuses.items() if not 200 <= status < 300)

    @property
    def socket_errors(self) -> int:
        e = self.raw["errors"]
        return int(e["connect"] + e["read"] + e["write"] + e["timeout"])

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors

    def rate_between(self, start: float, end: float) -> float:
        """Answers per second between two wall-clock times (100 ms resolution)."""
        first, last = int(start * 10), int(end * 10)
        if last <= first:
            last = first + 1
        answers = sum(n for slot, n in self.raw["timeline"].items() if first <= int(slot) < last)
        return answers / ((last - first) / 10)

    def columns(self) -> str:
        e = self.raw["errors"]
        others = {s: n for s, n in sorted(self.statuses.items()) if not 200 <= s < 300}
        per = max(self.requests, 1)
        return (
            f"{self.requests:>7} answers  p50 {self.ms('p50'):7.1f}  p95 {self.ms('p95'):7.1f}  "
            f"p99 {self.ms('p99'):7.1f}  max {self.ms('max'):7.1f} ms  errors {self.errors}"
            f" (non-2xx {self.non_2xx}{' ' + str(others) if others else ''}; socket "
            f"connect/read/write/timeout {e['connect']}/{e['read']}/{e['write']}/{e['timeout']})"
            f"  CPU/answer: server {self.app_cpu / per * 1000:.2f} ms"
            + (f", PostgreSQL {self.db_cpu / per * 1000:.2f} ms" if self.db_cpu else "")
            + f", wrk {self.wrk_cpu / per * 1000:.2f} ms"
            + (f"  {self.health.summary()}" if self.health else "")
        )


@dataclass
class Target:
    scenario: str
    what: str
    met: bool
    detail: str


@dataclass
class Server:
    name: str
    port: int
    proc: subprocess.Popen[bytes]
    database: str | None  # PostgreSQL database name, for the backends' CPU

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


class LoadBench:
    def __init__(self, args: argparse.Namespace, wrk: str) -> None:
        self.args = args
        self.wrk = wrk
        self.tmp = Path(tempfile.mkdtemp(prefix="carrierdesk-load-"))
        self.processes = Processes(self.tmp)
        self.databases: list[str] = []
        self.sqlite_dirs: list[Path] = []
        self.targets: list[Target] = []
        self.solo: Run | None = None
        self.runs = 0
        print(
            f"work directory (server logs, wrk results; removed after a run that ends "
            f"normally, unless --keep): {self.tmp}",
            flush=True,
        )

    # -- the whole run --

    def run(self, chosen: list[str]) -> None:
        pg = [s for s in chosen if s in "1234"]
        if pg:
            self.postgres(pg)
        if "5" in chosen:
            self.sqlite()

    def close(self, remove_work: bool) -> None:
        self.processes.stop_all()
        if remove_work:
            shutil.rmtree(self.tmp, ignore_errors=True)
        else:
            print(f"server logs and wrk results kept in {self.tmp}", file=sys.stderr)
        if not self.args.keep:
            admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                for name in self.databases:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
            for folder in self.sqlite_dirs:
                shutil.rmtree(folder, ignore_errors=True)
        elif self.databases or self.sqlite_dirs:
            print(f"kept: {self.databases} {[str(d) for d in self.sqlite_dirs]}")

    def print_verdicts(self) -> None:
        if not self.targets:
            return
        print("\ntargets:")
        for t in self.targets:
            print(f"  [{'met' if t.met else 'MISSED'}] {t.scenario}: {t.what} — {t.detail}")

    def target(self, scenario: str, what: str, met: bool, detail: str) -> None:
        self.targets.append(Target(scenario, what, met, detail))

    # -- setup --

    def demo_database(self, url: str, name: str) -> None:
        env = {**os.environ, "CARRIERDESK_DATABASE_URL": url}
        started = time.perf_counter()
        proc = self.processes.start(f"demo-{name}", [CARRIERDESK, "demo"], env)
        if proc.wait(timeout=600) != 0:
            raise RuntimeError(f"carrierdesk demo failed: see {self.tmp}/demo-{name}.log")
        self.processes.running.remove(proc)
        print(f"demo data loaded into {name} in {time.perf_counter() - started:.1f} s", flush=True)

    def prepare(self, url: str) -> tuple[str, int, str]:
        """An operator token, Settings › Options max_auth_failures, the customer with the
        most CDRs and one contact's email."""
        with transaction(url) as session:
            _token, token = create_api_token(session, CLI, "bench load", "operator")
            update_options(
                session, CLI, OptionsPatch(max_auth_failures=self.args.max_auth_failures)
            )
            customer_id = session.scalar(
                text("SELECT customer_id FROM cdrs GROUP BY customer_id ORDER BY count(*) DESC")
            )
            if customer_id is None:
                customer_id = session.scalar(select(func.min(Customer.id)))
            email = session.scalar(
                select(Contact.email).where(Contact.enabled.is_(True)).order_by(Contact.id)
            )
        assert customer_id is not None and email is not None
        return token, int(customer_id), email

    def serve(self, name: str, url: str, workers: int) -> Server:
        port = free_port()
        env = {**os.environ, "CARRIERDESK_DATABASE_URL": url}
        cmd = [CARRIERDESK, "serve", "--host", "127.0.0.1", "--port", str(port)]
        cmd += ["--workers", str(workers), "--no-worker"]
        proc = self.processes.start(name, cmd, env)
        wait_healthy(port, proc)
        database = make_url(url).database if url.startswith("postgresql") else None
        return Server(name, port, proc, database)

    def serve_baseline(self, url: str, statements: Path) -> Server:
        port = free_port()
        env = {
            **os.environ,
            "LOAD_BASELINE_STATEMENTS": str(statements),
            "LOAD_BASELINE_DSN": make_url(url)
            .set(drivername="postgresql")
            .render_as_string(hide_password=False),
            "LOAD_BASELINE_POOL": str(get_settings().request_slots),
            "LOAD_BASELINE_MODE": self.args.baseline_mode,
        }
        cmd = [sys.executable, "-m", "uvicorn", "bench.load_baseline:app"]
        cmd += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(self.args.workers)]
        cmd += ["--log-level", "warning", "--no-access-log", "--backlog", "2048"]
        proc = self.processes.start("baseline", cmd, env)
        wait_healthy(port, proc)
        return Server("baseline", port, proc, make_url(url).database)

    # -- measuring --

    def wrk_run(
        self,
        server: Server,
        path: str,
        connections: int,
        seconds: float,
        token: str = "",
        bodies: tuple[Path, int] | None = None,
        timeout: str = "10s",
        warmup: bool = True,
        background: bool = False,
        health: bool = True,
    ) -> Any:
        """One wrk run (after a warm-up of --warmup seconds that is thrown away), with
        GET /health polled throughout (`health`). With `background`, returns a function
        that waits for the run and gives its Run."""
        if warmup:
            self.warm(server, path, connections, token, bodies, timeout)
        self.runs += 1
        out = self.tmp / f"wrk-{self.runs}.json"
        env = {**os.environ, "LOAD_OUT": str(out), "LOAD_TOKEN": token, "LOAD_RUN": str(self.runs)}
        duration = seconds
        threads = min(self.args.threads, connections)
        if bodies is not None:
            env.update(
                LOAD_BODIES=str(bodies[0]),
                LOAD_BODY_COUNT=str(bodies[1]),
                LOAD_POST_SECONDS=str(seconds),
            )
            duration = seconds + 90  # wrk stops sending at `seconds`, then waits for answers
        cmd = [self.wrk, "-t", str(threads), "-c", str(connections)]
        cmd += ["-d", f"{int(duration + 0.999)}s", "--timeout", timeout, "-s", str(LUA)]
        cmd += [server.url(path)]
        session = server.proc.pid
        app_before = cpu_seconds(session_id=session)
        db_before = cpu_seconds(database=server.database) if server.database else 0.0
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        poll = HealthPoll(server.url("/api/v1/health")) if health else None
        if poll:
            poll.start()
        proc = self.processes.start(f"wrk-{self.runs}", cmd, env)

        def finish() -> Run:
            deadline = time.monotonic() + duration + 180
            while proc.poll() is None and time.monotonic() < deadline:
                drained = list(self.tmp.glob(f"{out.name}.drained.*"))
                if bodies is not None and len(drained) >= threads:
                    proc.send_signal(signal.SIGINT)  # every answer is in: end wrk's -d now
                    break
                time.sleep(0.1)
            try:
                proc.wait(timeout=max(1.0, deadline - time.monotonic()))
            finally:
                if poll:
                    poll.stop.set()
                    poll.join(timeout=10)
            self.processes.running.remove(proc)
            app = cpu_seconds(session_id=session) - app_before
            db = cpu_seconds(database=server.database) - db_before if server.database else 0.0
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            wrk = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
            if not out.exists():
                raise RuntimeError(f"wrk wrote no results: see {self.tmp}/wrk-{self.runs}.log")
            return Run(json.loads(out.read_text()), app, db, wrk, poll)

        return finish if background else finish()

    def warm(
        self,
        server: Server,
        path: str,
        connections: int,
        token: str,
        bodies: tuple[Path, int] | None = None,
        timeout: str = "10s",
    ) -> None:
        if self.args.warmup > 0:
            self.wrk_run(
                server,
                path,
                connections,
                self.args.warmup,
                token,
                bodies,
                timeout,
                False,
                health=False,
            )

    def show(
        self, scenario: str, label: str, run: Run, base: Run | None, target_ratio: float | None
    ) -> None:
        target = "target 0 errors, p99 ≤ 1 s" + (
            f", ≥ {target_ratio}× baseline" if target_ratio else ""
        )
        report(label, run.rps, "req/s", base.rps if base else None, target)
        print(f"    carrierdesk {run.columns()}")
        if base is not None:
            print(f"    baseline    {base.columns()}")
        self.target(scenario, "0 errors", run.errors == 0, f"{run.errors} errors")
        self.target(scenario, "p99 ≤ 1 s", run.ms("p99") <= 1000, f"p99 {run.ms('p99'):.0f} ms")
        if target_ratio and base is not None:
            ratio = run.rps / base.rps if base.rps else 0.0
            self.target(
                scenario,
                f"≥ {target_ratio}× baseline req/s",
                ratio >= target_ratio,
                f"{run.rps:.0f} vs {base.rps:.0f} req/s = {ratio:.2f}×",
            )

    # -- PostgreSQL: scenarios 1 to 4 --

    def postgres(self, chosen: list[str]) -> None:
        print(f"\nPostgreSQL: {self.args.workers} server processes", flush=True)
        url = fresh_postgres("load")
        self.databases.append(make_url(url).database or "")
        self.demo_database(url, "postgres")
        token, customer_id, email = self.prepare(url)
        summary = f"/api/v1/customers/{customer_id}/summary?timeframe=daily"
        customer = f"/api/v1/customers/{customer_id}"
        baseline = None
        if "1" in chosen or "2" in chosen:
            statements = self.tmp / "statements.json"
            recorded = {path: record_sql(url, path, token) for path in (summary, customer)}
            statements.write_text(json.dumps(recorded, indent=1))
            for path, found in recorded.items():
                pings = sum(1 for s in found["statements"] if s.get("ping"))
                print(
                    f"recorded {len(found['statements']) - pings} statements (+ {pings} pool "
                    f"pre-ping; read_only {found['read_only']}) for GET {path}: {statements}"
                )
            baseline = self.serve_baseline(url, statements)
        get_engine(url).dispose()
        server = self.serve("carrierdesk-postgres", url, self.args.workers)
        if baseline is not None:
            for path in (summary, customer):
                sizes = [
                    len(
                        httpx.get(s.url(path), headers=auth(token), timeout=30)
                        .raise_for_status()
                        .content
                    )
                    for s in (server, baseline)
                ]
                print(f"GET {path}: carrierdesk answers {sizes[0]:,} bytes, baseline {sizes[1]:,}")
        conns, seconds = self.args.connections, self.args.seconds
        if "1" in chosen and baseline is not None:
            print(f"\n1. GET {summary}, {conns} connections — load {_load()}", flush=True)
            base = self.wrk_run(baseline, summary, conns, seconds, token)
            run = self.wrk_run(server, summary, conns, seconds, token)
            self.solo = run
            self.show("1 summary", f"GET summary daily, {conns} conn, PG", run, base, 0.5)
        if "2" in chosen and baseline is not None:
            print(f"\n2. GET {customer}, {conns} connections — load {_load()}", flush=True)
            base = self.wrk_run(baseline, customer, conns, seconds, token)
            run = self.wrk_run(server, customer, conns, seconds, token)
            self.show("2 customer", f"GET customer, {conns} conn, PG", run, base, 0.5)
        if baseline is not None:
            self.processes.stop(baseline.proc)
        if "3" in chosen:
            self.logins(url, server, summary, token, email)
        if "4" in chosen:
            self.cdrs(url, server, token)
        stopped = self.processes.stop(server.proc)
        print(f"\ncarrierdesk (PostgreSQL) stopped {stopped:.1f} s after SIGTERM", flush=True)

    def logins(self, url: str, server: Server, path: str, token: str, email: str) -> None:
        conns, seconds, count = self.args.connections, self.args.seconds, self.args.logins
        limit = self.args.max_auth_failures
        print(
            f"\n3. {count} concurrent wrong logins for {email} (max_auth_failures {limit}) "
            f"during scenario 1 — load {_load()}",
            flush=True,
        )
        failed_before = count_login_failed(url)
        self.warm(server, path, conns, token)
        started = time.time()
        finish = self.wrk_run(server, path, conns, seconds, token, warmup=False, background=True)
        time.sleep(max(0.0, started + seconds * 0.3 - time.time()))
        answers, flood_start, flood_end = flood(server.url("/api/v1/auth/token"), email, count)
        run: Run = finish()
        assert run.health is not None
        failed = count_login_failed(url) - failed_before
        during = run.rate_between(flood_start, flood_end)
        before = run.rate_between(started + 1, flood_start)
        solo = self.solo.rps if self.solo else before
        solo_text = "scenario 1 solo" if self.solo else "this run before the flood"
        ratio = during / solo if solo else 0.0
        report(
            "3 summary req/s during the login flood",
            during,
            "req/s",
            solo,
            f"target ≥ 0.5× {solo_text}",
        )
        print(
            f"    flood {flood_end - flood_start:.2f} s; this run: {before:.0f} req/s before "
            f"the flood, {run.rps:.0f} req/s overall"
        )
        print(f"    carrierdesk {run.columns()}")
        codes = Counter(answers)
        other = {k: v for k, v in codes.items() if k not in (401, 429)}
        print(
            f"    logins: {codes.get(401, 0)} × 401, {codes.get(429, 0)} × 429, other "
            f"{sum(other.values())}{' ' + str(other) if other else ''}; "
            f"login_failed audit entries created: {failed} (max_auth_failures {limit})"
        )
        worst, polls, bad = run.health.worst()
        flood_worst, flood_polls, _ = run.health.worst(flood_start, flood_end)
        print(
            f"    GET /health every 100 ms: {polls} polls, max {worst * 1000:.0f} ms, {bad} not "
            f"200; during the flood: {flood_polls} polls, max {flood_worst * 1000:.0f} ms"
        )
        self.target("3 logins", "≥ 0.5× solo req/s during the flood", ratio >= 0.5, f"{ratio:.2f}×")
        self.target(
            "3 logins", "health < 1 s throughout", worst < 1 and bad == 0, f"max {worst:.2f} s"
        )
        self.target(
            "3 logins",
            "checked against the hash == max_auth_failures",
            failed == limit,
            f"{failed} login_failed entries, max_auth_failures {limit}",
        )
        self.target(
            "3 logins",
            "every login answered 401 or 429",
            not other and sum(codes.values()) == count,
            f"{dict(codes)}",
        )
        self.target("3 logins", "summary 0 errors", run.errors == 0, f"{run.errors} errors")

    def cdrs(self, url: str, server: Server, token: str) -> None:
        conns, seconds, size = self.args.post_connections, self.args.seconds, self.args.batch
        print(
            f"\n4. POST /api/v1/cdrs, {size:,}-row JSON batches, {conns} connections (wrk) — "
            f"load {_load()}",
            flush=True,
        )
        templates = cdr_templates(size, 16)
        folder = self.tmp / "bodies"
        folder.mkdir(exist_ok=True)
        for number, batch in enumerate(templates, 1):
            (folder / f"{number}.json").write_text(json.dumps(batch))
        base_rate, base_rows = self.ingest_baseline(templates, seconds)
        bodies = (folder, len(templates))
        self.warm(server, "/api/v1/cdrs", conns, token, bodies, "60s")
        before = count_cdrs(url)
        run = self.wrk_run(server, "/api/v1/cdrs", conns, seconds, token, bodies, "60s", False)
        stored = count_cdrs(url) - before
        raw = run.raw
        span = raw["last_answer"] - raw["first_sent"]
        rate = raw["accepted"] / span if span > 0 else 0.0
        report(
            f"4 POST /cdrs, {size:,} a batch, {conns} conn, PG",
            rate,
            "CDRs/s",
            base_rate,
            "target ≥ 20,000 CDRs/s",
        )
        print(
            f"    {raw['sent']} batches sent, {raw['answered']} answered in {span:.1f} s "
            f"({run.requests / span if span > 0 else 0:.1f} batches/s); baseline: {base_rows:,} "
            f"CDRs through ingest() in-process, one at a time"
        )
        print(f"    carrierdesk {run.columns()}")
        print(
            f"    stored rows {stored:,} == accepted {raw['accepted']:,}? "
            f"{'yes' if stored == raw['accepted'] else 'NO'} (duplicates {raw['duplicates']}, "
            f"rejected {raw['rejected']})"
        )
        self.target("4 cdrs", "≥ 20,000 CDRs/s", rate >= 20_000, f"{rate:,.0f} CDRs/s")
        self.target(
            "4 cdrs",
            "stored == accepted",
            stored == raw["accepted"],
            f"stored {stored:,}, accepted {raw['accepted']:,}",
        )
        self.target(
            "4 cdrs",
            "every batch answered 2xx, all rows accepted",
            run.errors == 0 and raw["sent"] == raw["answered"] and raw["rejected"] == 0,
            f"{run.errors} errors, {raw['sent'] - raw['answered']} unanswered, "
            f"{raw['rejected']} rejected",
        )

    def ingest_baseline(self, templates: list[list[dict[str, Any]]], seconds: float) -> Any:
        url = fresh_postgres("load_ingest")
        self.databases.append(make_url(url).database or "")
        make_customers(url, customers=12)
        spent, stored, number = 0.0, 0, 0
        while spent < seconds:
            number += 1
            tag = f"base-{number:08d}"
            batch = [
                {**row, "call_id": row["call_id"].replace("@@CALL@@", tag)}
                for row in templates[(number - 1) % len(templates)]
            ]
            started = time.perf_counter()
            with transaction(url) as session:
                stored += ingest(session, CLI, list(enumerate(batch))).accepted
            spent += time.perf_counter() - started
        get_engine(url).dispose()
        return stored / spent, stored

    # -- SQLite: scenario 5 --

    def sqlite(self) -> None:
        print("\nSQLite: one server process", flush=True)
        url = fresh_sqlite("load")
        self.sqlite_dirs.append(Path(url.split("///", 1)[1]).parent)
        self.demo_database(url, "sqlite")
        token, customer_id, _email = self.prepare(url)
        get_engine(url).dispose()
        server = self.serve("carrierdesk-sqlite", url, 1)
        path = f"/api/v1/customers/{customer_id}/summary?timeframe=daily"
        conns = self.args.connections
        print(f"\n5. GET {path}, {conns} connections, SQLite — load {_load()}", flush=True)
        run = self.wrk_run(server, path, conns, self.args.seconds, token)
        report(
            f"5 GET summary daily, {conns} conn, SQLite", run.rps, "req/s", None, "target 0 errors"
        )
        print(f"    carrierdesk {run.columns()}")
        if self.solo:
            print(
                f"    (scenario 1 on PostgreSQL, this run: {self.solo.rps:.0f} req/s; no baseline)"
            )
        self.target("5 sqlite", "0 errors", run.errors == 0, f"{run.errors} errors")
        stopped = self.processes.stop(server.proc)
        print(f"carrierdesk (SQLite) stopped {stopped:.1f} s after SIGTERM", flush=True)


# --- helpers --------------------------------------------------------------------------------


def record_sql(url: str, path: str, token: str) -> dict[str, Any]:
    """What carrierdesk runs on the database for one GET of `path` (after one warm-up GET):
    {"read_only": …, "statements": [{"sql", "params"}, …]} in order. Two things no cursor
    event sees are added: the pool's pre-ping at each checkout (marked "ping", in front)
    and psycopg's `read_only` connection attribute when the first statement ran (psycopg
    then opens the transaction with BEGIN READ ONLY itself)."""
    from fastapi.testclient import TestClient

    from carrierdesk.app import create_app

    client = TestClient(create_app(url))
    headers = {"Authorization": f"Bearer {token}"}
    client.get(path, headers=headers).raise_for_status()
    seen: list[dict[str, Any]] = []
    checkouts = 0

    def recorder(_conn: Any, cursor: Any, sql: str, params: Any, _ctx: Any, many: bool) -> None:
        read_only = getattr(cursor.connection, "read_only", None)
        seen.append({"sql": sql, "params": encode(params), "executemany": many, "ro": read_only})

    def checkout(*_args: Any) -> None:
        nonlocal checkouts
        checkouts += 1

    engine = get_engine(url)
    event.listen(engine, "before_cursor_execute", recorder)
    event.listen(engine.pool, "checkout", checkout)
    try:
        client.get(path, headers=headers).raise_for_status()
    finally:
        event.remove(engine, "before_cursor_execute", recorder)
        event.remove(engine.pool, "checkout", checkout)
    if any(s["executemany"] for s in seen):
        raise RuntimeError(f"GET {path} ran an executemany: the baseline cannot replay it")
    if len({s["ro"] for s in seen}) > 1:
        raise RuntimeError(f"GET {path} changed its connection's read_only mid-way")
    read_only = seen[0]["ro"] if seen else None
    if getattr(engine.pool, "_pre_ping", False):
        ping = {"sql": engine.dialect._dialect_specific_select_one, "params": None, "ping": True}
        seen = [dict(ping) for _ in range(checkouts)] + seen
    return {"read_only": read_only, "statements": seen}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def count_login_failed(url: str) -> int:
    with transaction(url) as session:
        found = session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "login_failed")
        )
    return int(found or 0)


def count_cdrs(url: str) -> int:
    with transaction(url) as session:
        return int(session.scalar(text("SELECT count(*) FROM cdrs")) or 0)


def cdr_templates(size: int, count: int) -> list[list[dict[str, Any]]]:
    """`count` batches of `size` CDRs for the 12 demo customers (bench/cdrgen.py), each
    call_id holding "@@CALL@@", which load_wrk.lua replaces by an id unique to the request."""
    data = [as_json(r) for r in rows(size * count, customers=12)]
    out = []
    for first in range(0, len(data), size):
        batch = data[first : first + size]
        for number, row in enumerate(batch):
            row["call_id"] = f"ld-@@CALL@@-{number:05d}"
        out.append(batch)
    return out


def flood(url: str, email: str, count: int) -> tuple[list[int | str], float, float]:
    """`count` concurrent wrong logins, each on its own connection: the answers' statuses
    (or the error's name), and the wall-clock start and end of the flood."""

    async def attempts() -> list[int | str]:
        limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
        async with httpx.AsyncClient(timeout=60, limits=limits) as client:

            async def one() -> int | str:
                try:
                    answer = await client.post(
                        url, json={"email": email, "password": "not-the-password-9"}
                    )
                except httpx.HTTPError as error:
                    return type(error).__name__
                return answer.status_code

            return list(await asyncio.gather(*(one() for _ in range(count))))

    started = time.time()
    answers = asyncio.run(attempts())
    return answers, started, time.time()


class HealthPoll(threading.Thread):
    """GET /health every 100 ms, each on a new connection, timeout 5 s (a failure counts
    as 5 s)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.stop = threading.Event()
        self.samples: list[tuple[float, float, bool]] = []  # wall clock, seconds, 200?

    def run(self) -> None:
        while not self.stop.is_set():
            at, started = time.time(), time.perf_counter()
            try:
                ok = httpx.get(self.url, timeout=5).status_code == 200
            except httpx.HTTPError:
                ok = False
            self.samples.append((at, time.perf_counter() - started, ok))
            self.stop.wait(0.1)

    def worst(self, start: float = 0.0, end: float = float("inf")) -> tuple[float, int, int]:
        """The longest answer, the number of polls and of failed ones (between two times)."""
        chosen = [(s, ok) for at, s, ok in self.samples if start <= at <= end]
        if not chosen:
            return 0.0, 0, 0
        return max(s for s, _ok in chosen), len(chosen), sum(1 for _s, ok in chosen if not ok)

    def summary(self) -> str:
        worst, polls, bad = self.worst()
        return f"health max {worst * 1000:.0f} ms ({polls} polls, {bad} failed)"
