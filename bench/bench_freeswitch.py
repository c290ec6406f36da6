"""Issue 12, benchmark: FreeSWITCH's directory lookup, POST /api/v1/switch/freeswitch/directory,
which mod_xml_curl makes at every REGISTER (and every call to user/…).

`.venv/bin/python -m bench freeswitch` (options after `--`: --seconds, --users, --customers,
--connections, --workers, --threads, --warmup, --keep).

A fresh PostgreSQL database with --users SIP users (default 1,000, spread over --customers
customers, made through the services as the API makes them) and a switch token; a real
`carrierdesk serve --no-worker` (--workers processes, default 2); Debian's `wrk` at
--connections (default 50) with bench/freeswitch_wrk.lua: the form mod_xml_curl posts at a
REGISTER (the fields FreeSWITCH's sources send, tests/switch/switch_helpers.py), with the token as
HTTP Basic's password (mod_xml_curl's gateway-credentials), each request for another SIP user.
Printed: req/s, p50/p95/p99/max, errors and CPU per answer, beside two baselines measured in
the same run at the same concurrency:
- GET /api/v1/health of the same server (its cheapest answer: a SELECT 1 on the connection kept
  aside for it, one at a time per process, so under load it answers 503 after 0.5 s);
- bench_load's: bench/load_baseline.py (a minimal ASGI app under uvicorn, as many processes)
  replaying the very statements carrierdesk ran for one lookup, recorded here: the ceiling of
  this machine for that SQL.
The lookup's plan at this size is printed too. The machine is shared: the ratios (measured in
the same run) are the figures to compare.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import resource
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from tests.switch.switch_helpers import register_form

from bench.bench_cdr_post import free_port
from bench.bench_load import (
    CARRIERDESK,
    LUA,
    Processes,
    Run,
    Server,
    _find_wrk,
    _load,
    cpu_seconds,
    wait_healthy,
)
from bench.common import PG_ADMIN_URL, fresh_postgres, report
from bench.load_baseline import encode
from carrierdesk.auth.principals import CLI
from carrierdesk.auth.service import create_api_token
from carrierdesk.config import get_settings
from carrierdesk.customers.schemas import CustomerCreate
from carrierdesk.customers.service import create_customer
from carrierdesk.db import get_engine, transaction
from carrierdesk.sipauth.schemas import SipUserCreate
from carrierdesk.sipauth.sip_users import create_sip_user
from carrierdesk.switch.freeswitch import account_query

HERE = Path(__file__).resolve().parent
FS_LUA = HERE / "freeswitch_wrk.lua"
DIRECTORY = "/api/v1/switch/freeswitch/directory"
HEALTH = "/api/v1/health"
FORM = "application/x-www-form-urlencoded"
FIRST_USER = 700_000
PASSWORD = "Bench-Sip-Secret-26"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench freeswitch --", description=__doc__)
    parser.add_argument("--seconds", type=float, default=20, help="per run (default 20)")
    parser.add_argument("--users", type=int, default=1000, help="SIP users (default 1,000)")
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--warmup", type=float, default=3, help="seconds before each run")
    parser.add_argument("--keep", action="store_true", help="keep the database and the logs")
    args, _ = parser.parse_known_args(argv)
    wrk = _find_wrk()
    if wrk is None:
        return
    print(f"load average at start: {_load()}", flush=True)
    bench = DirectoryBench(args, wrk)
    try:
        bench.run()
    finally:
        bench.close()
        print(f"load average at end: {_load()}", flush=True)


class DirectoryBench:
    def __init__(self, args: argparse.Namespace, wrk: str) -> None:
        self.args = args
        self.wrk = wrk
        self.tmp = Path(tempfile.mkdtemp(prefix="carrierdesk-freeswitch-"))
        self.processes = Processes(self.tmp)
        self.database = ""
        self.runs = 0
        self.realm = get_settings().sip_realm

    def run(self) -> None:
        url = fresh_postgres("freeswitch")
        self.database = make_url(url).database or ""
        token = self.prepare(url)
        self.show_plan(url)
        get_engine(url).dispose()
        server = self.serve(url)
        headers = self.headers(token)
        self.check_answers(server, headers)
        replay = self.serve_replay(url, headers)
        form = self.form_env(headers)
        conns = self.args.connections
        print(f"\nGET {HEALTH} (baseline), {conns} connections — load {_load()}", flush=True)
        health = self.measure(server, HEALTH, {})
        print(f"POST {DIRECTORY} (SQL replay), {conns} connections — load {_load()}", flush=True)
        sql = self.measure(replay, DIRECTORY, form)
        self.processes.stop(replay.proc)
        print(f"POST {DIRECTORY}, {conns} connections — load {_load()}", flush=True)
        run = self.measure(server, DIRECTORY, form)
        label = f"directory, {self.args.users:,} SIP users, {conns} conn, PG"
        for name, base in (("GET /health", health), ("SQL replay", sql)):
            report(f"{label}: req/s", run.rps, "req/s", base.rps, f"(baseline: {name})")
            report(f"{label}: p99", run.ms("p99"), "ms", base.ms("p99"), f"(baseline: {name})")
        print(f"    directory  {run.columns()}")
        print(f"    health     {health.columns()}")
        print(f"    SQL replay {sql.columns()}")
        stopped = self.processes.stop(server.proc)
        print(f"carrierdesk stopped {stopped:.1f} s after SIGTERM", flush=True)

    def close(self) -> None:
        self.processes.stop_all()
        if self.args.keep:
            print(f"kept: database {self.database}, logs in {self.tmp}")
            return
        shutil.rmtree(self.tmp, ignore_errors=True)
        if self.database:
            admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'))
            admin.dispose()

    # -- setup --

    def prepare(self, url: str) -> str:
        """The customers and SIP users, through the services; the switch token."""
        users, customers = self.args.users, max(1, self.args.customers)
        with transaction(url) as session:
            ids = [
                create_customer(session, CLI, CustomerCreate(name=f"FS bench {n:03d}")).id
                for n in range(customers)
            ]
            for n in range(users):
                limits = {"channels": 10, "cps": 5} if n % 2 else {}
                data = SipUserCreate(username=str(FIRST_USER + n), password=PASSWORD, **limits)
                create_sip_user(session, CLI, ids[n % customers], data)
            _token, token = create_api_token(session, CLI, "bench freeswitch", "switch")
        with get_engine(url).connect() as conn:
            conn.execute(text("ANALYZE"))
        print(f"{users:,} SIP users of {customers} customers made", flush=True)
        return token

    def show_plan(self, url: str) -> None:
        query = account_query(str(FIRST_USER + 1), self.realm)
        with get_engine(url).connect() as conn:
            sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
            plan = [r[0] for r in conn.execute(text(f"EXPLAIN ANALYZE {sql}"))]
        print("the lookup's plan:\n    " + "\n    ".join(plan), flush=True)

    def serve(self, url: str) -> Server:
        port = free_port()
        env = {**os.environ, "CARRIERDESK_DATABASE_URL": url}
        cmd = [CARRIERDESK, "serve", "--host", "127.0.0.1", "--port", str(port)]
        cmd += ["--workers", str(self.args.workers), "--no-worker"]
        proc = self.processes.start("carrierdesk", cmd, env)
        wait_healthy(port, proc)
        return Server("carrierdesk", port, proc, self.database)

    def serve_replay(self, url: str, headers: dict[str, str]) -> Server:
        """bench/load_baseline.py with the statements of one lookup (it answers any method)."""
        statements = self.tmp / "statements.json"
        recorded = record_lookup(url, register_form(str(FIRST_USER), self.realm), headers)
        statements.write_text(json.dumps({DIRECTORY: recorded}, indent=1))
        count = sum(1 for s in recorded["statements"] if not s.get("ping"))
        print(f"recorded {count} statements (read_only {recorded['read_only']}) of one lookup")
        get_engine(url).dispose()
        port = free_port()
        env = {
            **os.environ,
            "LOAD_BASELINE_STATEMENTS": str(statements),
            "LOAD_BASELINE_DSN": make_url(url)
            .set(drivername="postgresql")
            .render_as_string(hide_password=False),
            "LOAD_BASELINE_POOL": str(get_settings().request_slots),
        }
        cmd = [sys.executable, "-m", "uvicorn", "bench.load_baseline:app", "--host", "127.0.0.1"]
        cmd += ["--port", str(port), "--workers", str(self.args.workers)]
        cmd += ["--log-level", "warning", "--no-access-log", "--backlog", "2048"]
        proc = self.processes.start("replay", cmd, env)
        wait_healthy(port, proc)
        return Server("replay", port, proc, self.database)

    def headers(self, token: str) -> dict[str, str]:
        credentials = base64.b64encode(f"freeswitch:{token}".encode()).decode()
        return {"Authorization": f"Basic {credentials}"}

    def check_answers(self, server: Server, headers: dict[str, str]) -> None:
        """One found and one unknown user, before anything is timed."""
        answers = {
            user: httpx.post(
                server.url(DIRECTORY), data=dict(register_form(user, self.realm)), headers=headers
            )
            for user in (str(FIRST_USER), "unknown")
        }
        found, unknown = answers[str(FIRST_USER)], answers["unknown"]
        if 'name="a1-hash"' not in found.text or 'status="not found"' not in unknown.text:
            raise RuntimeError(f"unexpected answers: {found.text!r} {unknown.text!r}")
        print(f"answers: {len(found.content)} bytes (found), {len(unknown.content)} (not found)")

    def form_env(self, headers: dict[str, str]) -> dict[str, str]:
        body = self.tmp / "register.form"
        body.write_text(urlencode(register_form("@@USER@@", self.realm)).replace("%40%40", "@@"))
        return {
            "FS_LOAD_LUA": str(LUA),
            "FS_BODY": str(body),
            "FS_USER_FIRST": str(FIRST_USER),
            "FS_USERS": str(self.args.users),
            "FS_AUTHORIZATION": headers["Authorization"],
        }

    # -- measuring --

    def measure(self, server: Server, path: str, form: dict[str, str]) -> Run:
        """One wrk run after a warm-up that is thrown away."""
        if self.args.warmup > 0:
            self.wrk_run(server, path, form, self.args.warmup)
        return self.wrk_run(server, path, form, self.args.seconds)

    def wrk_run(self, server: Server, path: str, form: dict[str, str], seconds: float) -> Run:
        self.runs += 1
        out = self.tmp / f"wrk-{self.runs}.json"
        script = FS_LUA if form else LUA
        env = {**os.environ, "LOAD_OUT": str(out), "LOAD_TOKEN": "", **form}
        conns = self.args.connections
        cmd = [self.wrk, "-t", str(min(self.args.threads, conns)), "-c", str(conns)]
        cmd += ["-d", f"{int(seconds + 0.999)}s", "--timeout", "10s", "-s", str(script)]
        cmd += [server.url(path)]
        app_before = cpu_seconds(session_id=server.proc.pid)
        db_before = cpu_seconds(database=server.database)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = self.processes.start(f"wrk-{self.runs}", cmd, env)
        proc.wait(timeout=seconds + 120)
        self.processes.running.remove(proc)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if not out.exists():
            raise RuntimeError(f"wrk wrote no results: see {self.tmp}/wrk-{self.runs}.log")
        return Run(
            json.loads(out.read_text()),
            app_cpu=cpu_seconds(session_id=server.proc.pid) - app_before,
            db_cpu=cpu_seconds(database=server.database) - db_before,
            wrk_cpu=after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime,
        )


def record_lookup(url: str, form: list[tuple[str, str]], headers: dict[str, str]) -> Any:
    """What carrierdesk runs on the database for one lookup (after a warm-up one that stamps the
    token's use), in bench/load_baseline.py's format; as bench_load.record_sql does for a GET."""
    from fastapi.testclient import TestClient

    from carrierdesk.app import create_app

    client = TestClient(create_app(url))
    post = {"content": urlencode(form), "headers": {**headers, "Content-Type": FORM}}
    client.post(DIRECTORY, **post).raise_for_status()
    seen: list[dict[str, Any]] = []
    checkouts = 0

    def recorder(_conn: Any, cursor: Any, sql: str, params: Any, _ctx: Any, _many: bool) -> None:
        seen.append({"sql": sql, "params": encode(params), "ro": cursor.connection.read_only})

    def checkout(*_args: Any) -> None:
        nonlocal checkouts
        checkouts += 1

    engine = get_engine(url)
    event.listen(engine, "before_cursor_execute", recorder)
    event.listen(engine.pool, "checkout", checkout)
    try:
        client.post(DIRECTORY, **post).raise_for_status()
    finally:
        event.remove(engine, "before_cursor_execute", recorder)
        event.remove(engine.pool, "checkout", checkout)
    ping = {"sql": engine.dialect._dialect_specific_select_one, "params": None, "ping": True}
    return {"read_only": seen[0]["ro"], "statements": [dict(ping)] * checkouts + seen}
