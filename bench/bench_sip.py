"""Issue 12, benchmark: REGISTER through Kamailio against carrierdesk's SIP server views.

`make bench BENCH_ARGS="sip -- --users 200000"` (or `.venv/bin/python -m bench sip -- …`).

1. A fresh PostgreSQL database (carrierdesk_bench_sip), migrated, with --users SIP users
   (default 200,000) inserted set-based in SQL: customers → extensions → sip_users, all
   active and enabled, protocol udp, no whitelist, no channels/CPS limits, realm
   CARRIERDESK_SIP_REALM, each with its own password (so its own HA1/HA1B).
2. The BASELINE: a second database (carrierdesk_bench_sip_plain) with Kamailio's own schema
   (/usr/share/kamailio/postgres/standard-create.sql and auth_db-create.sql) holding the same
   rows in a plain `subscriber` table, and the SAME kamailio.cfg (carrierdesk.sipauth.kamailio,
   as `carrierdesk sip kamailio-config` prints it) with only "sip_subscriber" → "subscriber"
   and version_table "sip_version" → "version". The config's load_credentials reads
   customer_id, channels, cps, protocol and ip_whitelist, which the stock table lacks; without
   that line every REGISTER of the baseline would be a 403 (route SOURCE_CHECKS compares the
   loaded protocol with $pr), so those five columns are added to the plain table, with the
   same values, instead.
3. Both Kamailios (`kamailio -DD -E -m SHM -f cfg`, the config's children, each on a free
   loopback port; -m --shm-mb, default 1024: with Kamailio's default 64 MB, usrloc runs out of
   shared memory at about 55,000 contacts and every further REGISTER gets a 500 or a
   "403 Use <null>"), then for each a control run (wrong passwords: all must fail), then SIPp
   registering at increasing rates: doubling from --start-rate, each step --seconds long
   (rate × seconds registrations), then --refine bisection steps between the last good and
   the first bad rate. The two searches go in lockstep, one step of one server then one of
   the other, never both at once, so that what else runs on the shared machine falls on both
   alike. A step is bad with ≥ 0.1 % failed registrations (anything but the 200: a 401, 403,
   5xx, or no answer within 5 s) or when fewer than 95 % of the rate asked were completed
   per second (the server fell behind); a bad step is run once more before it counts.
   One registration is REGISTER → 401 → REGISTER with digest → 200 OK, as one user of a CSV
   injection file (`-au [field0] -ap [field1]`: SIPp 3.6 expands these per call, while the
   `[authentication username=[field0] …]` form breaks at the inner bracket). The users are in
   one random order and each step takes the next slice, so every registration is a different
   user until the --users are used up. Response times come from SIPp's message log
   (-trace_msg, microseconds; SIPp's own rtd counts in 4 ms clock ticks here): first REGISTER
   sent → 200 received. The CPU Kamailio, SIPp, PostgreSQL (Kamailio's backends) and
   everything else on the machine used per step is printed, to show which one was the limit.
   Then the query Kamailio sent (read from pg_stat_activity) is timed from one connection on
   both databases, turn about, with its planning time: where the difference comes from.
4. With the carrierdesk Kamailio still running: --new-users SIP users created through the API
   (TestClient(create_app(url)), operator token), each followed at once by one SIPp REGISTER
   of it: the API create time and the time from the API's return to the 200 OK (SIPp's start
   included), beside the same single SIPp REGISTER of a user stored long before.

The machine is shared (2 cores for Kamailio, PostgreSQL and SIPp): the ratio, measured in the
same run, is the figure to compare (target ≥ 0.8×).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import os
import random
import re
import resource
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import psycopg
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url
from tests.fixtures.sip import answers_options, free_udp_port

from bench.common import PG_ADMIN_URL, fresh_postgres
from carrierdesk.app import create_app
from carrierdesk.auth.principals import CLI
from carrierdesk.auth.service import create_api_token
from carrierdesk.config import get_settings
from carrierdesk.db import transaction
from carrierdesk.sipauth.kamailio import kamailio_config

KAMAILIO = shutil.which("kamailio") or "/usr/sbin/kamailio"
KAMAILIO_SQL = Path("/usr/share/kamailio/postgres")
DATABASE = "sip"  # fresh_postgres makes carrierdesk_bench_sip
PLAIN_DATABASE = "carrierdesk_bench_sip_plain"
FIRST_NUMBER = 1_000_000  # usernames 1000001 …: all digits, as extensions usually are
NEW_NUMBER = 9_000_000  # the users created through the API during the run
PER_CUSTOMER = 100
FAILURE_LIMIT = 0.001  # a good step has < 0.1 % failed registrations
KEEP_UP = 0.95  # … and completes ≥ 95 % of the rate asked
API_PASSWORD = "Sip-Bench-Secret-2026"
EXTRA_COLUMNS = {  # what the config's load_credentials reads beyond the stock subscriber table
    "customer_id": "integer",
    "channels": "integer",
    "cps": "integer",
    "protocol": "varchar(3)",
    "ip_whitelist": "varchar(4000)",
}
SUBSCRIBER_COLUMNS = ("id", "username", "domain", "password", "ha1", "ha1b", *EXTRA_COLUMNS)

User = tuple[str, str]  # username, password


def password_of(index: int) -> str:
    """User `index`'s SIP password; the SQL of fill() computes the same."""
    digest = hashlib.md5(f"bench-sip-{index}".encode(), usedforsecurity=False).hexdigest()
    return "Pw-" + digest[:12]


def username_of(index: int) -> str:
    return str(FIRST_NUMBER + index)


def conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


# ---------------------------------------------------------------- the two databases


def fill(url: str, users: int, realm: str) -> int:
    """`users` SIP users of users / PER_CUSTOMER active customers, in three INSERT … SELECTs;
    the first customer's id."""
    customers = max(1, -(-users // PER_CUSTOMER))
    with psycopg.connect(conninfo(url)) as conn:
        conn.execute(
            "INSERT INTO customers (name, reference, status, currency, tax_rate, "
            "invoice_schedule, invoice_due_days, created_at, updated_at) "
            "SELECT 'SIP bench customer ' || c, 'sip-bench-' || c, 'active', 'USD', 0, "
            "'none', 30, now(), now() FROM generate_series(1, %s) AS c",
            (customers,),
        )
        found = conn.execute(
            "SELECT min(id) FROM customers WHERE reference LIKE 'sip-bench-%%'"
        ).fetchone()
        assert found is not None
        first_customer = int(found[0])
        conn.execute(
            "INSERT INTO extensions (customer_id, name, name_key, number, kind) "
            "SELECT %(first)s + (i - 1) / %(per)s, (%(base)s + i)::text, (%(base)s + i)::text, "
            "%(base)s + i, 'sip_user' FROM generate_series(1, %(users)s) AS i ORDER BY i",
            {"first": first_customer, "per": PER_CUSTOMER, "base": FIRST_NUMBER, "users": users},
        )
        conn.execute(
            "INSERT INTO sip_users (customer_id, extension_id, username, ha1, ha1b, realm, "
            "channels, cps, protocol, ip_whitelist, enabled, created_at, updated_at) "
            "SELECT e.customer_id, e.id, e.name, "
            "md5(e.name || ':' || %(realm)s || ':' || p.password), "
            "md5(e.name || '@' || %(realm)s || ':' || %(realm)s || ':' || p.password), "
            "%(realm)s, NULL, NULL, 'udp', '[]'::jsonb, true, now(), now() "
            "FROM extensions e CROSS JOIN LATERAL (SELECT 'Pw-' || left(md5('bench-sip-' "
            "|| (e.number - %(base)s)), 12) AS password) AS p "
            "WHERE e.kind = 'sip_user' AND e.number > %(base)s ORDER BY e.id",
            {"realm": realm, "base": FIRST_NUMBER},
        )
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE customers, extensions, sip_users")
    return first_customer


def make_plain(source_url: str) -> str:
    """The baseline database: Kamailio's own schema with the rows of sip_subscriber."""
    with psycopg.connect(conninfo(PG_ADMIN_URL), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PLAIN_DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PLAIN_DATABASE}"')
    url = make_url(PG_ADMIN_URL).set(database=PLAIN_DATABASE).render_as_string(False)
    columns = ", ".join(SUBSCRIBER_COLUMNS)
    with psycopg.connect(conninfo(url)) as plain, psycopg.connect(conninfo(source_url)) as src:
        for name in ("standard-create.sql", "auth_db-create.sql"):
            plain.execute((KAMAILIO_SQL / name).read_text().encode())
        for column, kind in EXTRA_COLUMNS.items():
            plain.execute(f"ALTER TABLE subscriber ADD COLUMN {column} {kind}".encode())
        query = f"COPY (SELECT {columns} FROM sip_subscriber ORDER BY id) TO STDOUT".encode()
        load = f"COPY subscriber ({columns}) FROM STDIN".encode()
        with src.cursor().copy(query) as out, plain.cursor().copy(load) as into:
            for data in out:
                into.write(data)
        plain.execute("SELECT setval('subscriber_id_seq', (SELECT max(id) FROM subscriber))")
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE subscriber")
    return url


def count_rows(url: str, table: str) -> int:
    with psycopg.connect(conninfo(url)) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}".encode()).fetchone()
    return int(row[0]) if row else 0


def drop_database(name: str) -> None:
    with psycopg.connect(conninfo(PG_ADMIN_URL), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())


# ---------------------------------------------------------------- Kamailio


def carrierdesk_config(url: str, realm: str) -> Callable[[int], str]:
    return lambda port: kamailio_config(url, realm, f"udp:127.0.0.1:{port}", None)


def plain_config(url: str, realm: str) -> Callable[[int], str]:
    """The same config, reading Kamailio's own tables (and the plain database)."""

    def made(port: int) -> str:
        config: str = kamailio_config(url, realm, f"udp:127.0.0.1:{port}", None)
        changed = config.replace('"sip_subscriber"', '"subscriber"')
        changed = changed.replace('version_table="sip_version"', 'version_table="version"')
        assert config.count('"sip_subscriber"') == 2, "www_authorize and proxy_authorize"
        assert changed.count('"subscriber"') == 2 and 'version_table="version"' in changed
        return changed

    return made


@dataclass
class Kamailio:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    database: str

    def pids(self) -> list[int]:
        """The main process and its children (SIP workers, timers, …)."""
        found = [self.process.pid]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError, IndexError, ValueError):
                    stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                    if int(stat[1]) == self.process.pid:
                        found.append(int(entry.name))
        return found

    def backends(self) -> list[int]:
        """The PostgreSQL backends serving this Kamailio's database."""
        with psycopg.connect(conninfo(PG_ADMIN_URL)) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (self.database,),
            ).fetchall()
        return [int(r[0]) for r in rows]


@contextlib.contextmanager
def kamailio(
    workdir: Path, name: str, config: Callable[[int], str], db: str, shm_mb: int
) -> Iterator[Kamailio]:
    """Kamailio with `config` on a free loopback port, once it answers OPTIONS; stopped after,
    with its log's errors and warnings printed."""
    port = free_udp_port()
    path = workdir / f"{name}.cfg"
    path.write_text(config(port))
    log_path = workdir / f"{name}-kamailio.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [KAMAILIO, "-DD", "-E", "-m", str(shm_mb), "-f", str(path)],
            cwd=workdir,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 30
            while not answers_options(port):
                if process.poll() is not None:
                    raise RuntimeError(f"Kamailio exited:\n{log_path.read_text()[-3000:]}")
                if time.monotonic() > deadline:
                    raise RuntimeError("Kamailio did not answer OPTIONS within 30 s")
            yield Kamailio(name, port, process, log_path, db)
        finally:
            stop(process)
            lines = log_summary(log_path)
            print(f"  Kamailio log ({name}): " + ("" if lines else "no ERROR/WARNING lines"))
            for line in lines:
                print(line)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ends a process started here (and what it started in its own session)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # Kamailio's children, should any be left


def log_summary(path: Path) -> list[str]:
    """The log's ERROR/WARNING/CRITICAL lines, counted by their text (pids and numbers out)."""
    counts: Counter[str] = Counter()
    for line in path.read_text(errors="replace").splitlines():
        for level in ("CRITICAL", "ERROR", "WARNING", "ALERT", "BUG"):
            if f" {level}: " in line:
                text = line.split(f" {level}: ", 1)[1]
                counts[f"{level}: {text[:160]}"] += 1
                break
    return [f"{n:>7} × {text}" for text, n in counts.most_common(8)]


# ---------------------------------------------------------------- SIPp

SCENARIO = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<!-- One registration of the injection file's user ([field0], -au [field0] -ap [field1]):
     REGISTER, 401 challenge, REGISTER with digest, 200. -->
<scenario name="bench register">
  <send retrans="500">
    <![CDATA[
      REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[field0]@[remote_ip]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[field0]@[remote_ip]>
      Call-ID: [call_id]
      CSeq: 1 REGISTER
      Contact: <sip:[field0]@[local_ip]:[local_port]>
      Max-Forwards: 70
      Expires: 600
      Content-Length: 0

    ]]>
  </send>
  <recv response="401" auth="true"/>
  <send retrans="500">
    <![CDATA[
      REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[field0]@[remote_ip]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[field0]@[remote_ip]>
      Call-ID: [call_id]
      CSeq: 2 REGISTER
      Contact: <sip:[field0]@[local_ip]:[local_port]>
      [authentication]
      Max-Forwards: 70
      Expires: 600
      Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
</scenario>
"""


@dataclass
class Trace:
    """What SIPp's message log shows, per Call-ID: when the first REGISTER went out, when the
    authenticated one went out, when the 200 came back; the answer that ended each call (the
    401 to the first REGISTER is the expected challenge, not an end)."""

    first_sent: dict[str, float] = field(default_factory=dict)
    auth_sent: dict[str, float] = field(default_factory=dict)
    ok_at: dict[str, float] = field(default_factory=dict)
    final: dict[str, str] = field(default_factory=dict)  # the answer that ended each call

    @property
    def statuses(self) -> Counter[str]:
        return Counter(self.final.values())

    def registration_ms(self) -> list[float]:
        return [(t - self.first_sent[c]) * 1000 for c, t in self.ok_at.items()]

    def auth_leg_ms(self) -> list[float]:
        return [
            (t - self.auth_sent[c]) * 1000 for c, t in self.ok_at.items() if c in self.auth_sent
        ]

    def rate(self) -> float:
        """Registrations completed per second, first 200 to last."""
        stamps = sorted(self.ok_at.values())
        span = stamps[-1] - stamps[0] if len(stamps) > 1 else 0.0
        return (len(stamps) - 1) / span if span > 0 else 0.0


STAMP = re.compile(r"-{20,} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)")


def read_trace(path: Path) -> Trace:
    trace = Trace()
    if not path.exists():
        return trace
    stamp = 0.0
    direction = ""
    start_line = ""
    call_id = ""
    with path.open(errors="replace") as lines:
        for line in lines:
            if line.startswith("-----"):
                found = STAMP.match(line)
                if found:
                    stamp = datetime.strptime(found[1], "%Y-%m-%d %H:%M:%S.%f").timestamp()
                    direction = start_line = call_id = ""
            elif line.startswith("UDP message "):
                direction = "sent" if line.startswith("UDP message sent") else "received"
            elif not start_line and line.strip():
                start_line = line.strip()
            elif line.startswith("Call-ID:"):
                call_id = line.split(":", 1)[1].strip()
            elif line.startswith("CSeq:") and call_id and line.rstrip().endswith("REGISTER"):
                cseq = int(line.split()[1])
                if direction == "sent" and start_line.startswith("REGISTER"):
                    target = trace.first_sent if cseq == 1 else trace.auth_sent
                    target.setdefault(call_id, stamp)  # the first transmission
                elif direction == "received" and start_line.startswith("SIP/2.0 "):
                    status = int(start_line.split()[1])
                    if status >= 200 and not (status == 401 and cseq == 1):
                        trace.final.setdefault(call_id, start_line[8:])
                    if status == 200 and cseq == 2:
                        trace.ok_at.setdefault(call_id, stamp)
    return trace


def write_users(path: Path, users: list[User]) -> None:
    with path.open("w", newline="") as out:
        out.write("SEQUENTIAL\n")
        csv.writer(out, delimiter=";", lineterminator="\n").writerows(users)


def last_stats(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    with path.open(newline="") as lines:
        rows = list(csv.DictReader(lines, delimiter=";"))
    return rows[-1] if rows else {}


def cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(stat[11]) + int(stat[12])  # utime, stime
    return total


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


@dataclass
class Step:
    rate: int  # asked
    calls: int
    successful: int
    failed: int
    retransmissions: int
    achieved: float  # registrations completed per second
    registration_ms: list[float]
    auth_leg_ms: list[float]
    cpu: dict[str, float]  # % of one core over the step
    reasons: dict[str, int]
    statuses: Counter[str]
    finished: int = 0  # calls SIPp counted as ended; fewer than `calls`: it was stopped

    @property
    def interrupted(self) -> bool:
        return self.finished < self.calls

    @property
    def failure_share(self) -> float:
        return self.failed / self.calls if self.calls else 1.0

    @property
    def good(self) -> bool:
        return self.failure_share < FAILURE_LIMIT and self.achieved >= KEEP_UP * self.rate

    def line(self) -> str:
        cpu = " ".join(f"{k} {v:.0f}%" for k, v in self.cpu.items())
        failures = f"{self.failed:,} failed ({self.failure_share:.2%})"
        if self.failed:
            failures += " " + ", ".join(f"{k} {v}" for k, v in self.reasons.items() if v)
            other = {s: n for s, n in self.statuses.items() if not s.startswith("200")}
            if other:
                failures += f", answers {dict(other)}"
        return (
            f"  {self.rate:>6,}/s asked: {self.achieved:8,.0f}/s done, {self.calls:,} calls, "
            f"{failures}, {self.retransmissions:,} retrans; p50 "
            f"{percentile(self.registration_ms, 0.5):.2f} ms, p95 "
            f"{percentile(self.registration_ms, 0.95):.2f} ms (auth leg p95 "
            f"{percentile(self.auth_leg_ms, 0.95):.2f} ms); CPU {cpu}  "
            f"{'ok' if self.good else 'BAD'}"
        )


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


REASONS = {
    "FailedUnexpectedMessage(C)": "unexpected answer",
    "FailedMaxUDPRetrans(C)": "max retransmissions",
    "FailedCallRejected(C)": "rejected",
    "FailedCannotSendMessage(C)": "cannot send",
    "FailedOutboundCongestion(C)": "congestion",
    "FailedTimeoutOnRecv(C)": "no answer in 5 s",
    "FailedTimeoutOnSend(C)": "send timeout",
}


@dataclass
class Sipp:
    workdir: Path
    scenario: Path
    runs: int = 0

    def run(
        self, server: Kamailio, users: list[User], rate: int, *, trace: bool = True
    ) -> tuple[Path, Path, subprocess.CompletedProcess[bytes]]:
        self.runs += 1
        tag = f"{server.name}-{self.runs:03d}-{rate}"
        users_csv = self.workdir / f"{tag}-users.csv"
        stats = self.workdir / f"{tag}-stat.csv"
        messages = self.workdir / f"{tag}-messages.log"
        write_users(users_csv, users)
        calls = len(users)
        command = ["sipp", f"127.0.0.1:{server.port}", "-sf", str(self.scenario)]
        command += ["-inf", str(users_csv), "-au", "[field0]", "-ap", "[field1]"]
        command += ["-i", "127.0.0.1", "-p", str(free_udp_port()), "-nostdin"]
        command += ["-default_behaviors", "all,-bye"]  # no BYE for a failed REGISTER
        command += ["-r", str(rate), "-m", str(calls), "-l", str(max(rate * 5, 50))]
        command += ["-recv_timeout", "5000", "-timeout", f"{calls // rate + 60}s"]
        command += ["-trace_stat", "-stf", str(stats), "-fd", "1"]
        command += ["-trace_err", "-error_file", str(self.workdir / f"{tag}-errors.log")]
        if trace:
            command += ["-trace_msg", "-message_file", str(messages)]
        completed = subprocess.run(
            command,
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=calls // rate + 120,
            check=False,
        )
        if completed.returncode not in (0, 1):
            print(f"  SIPp exited {completed.returncode}: {completed.stderr.decode()[-400:]}")
        return stats, messages, completed

    def step(self, server: Kamailio, users: list[User], rate: int) -> Step:
        watched = {"kamailio": server.pids(), "postgres": server.backends()}
        ticks = {name: cpu_ticks(pids) for name, pids in watched.items()}
        busy, total = machine_ticks()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        stats_path, messages, _done = self.run(server, users, rate)
        seconds = time.perf_counter() - started
        hz = os.sysconf("SC_CLK_TCK")
        cpu = {n: (cpu_ticks(watched[n]) - ticks[n]) / hz / seconds * 100 for n in watched}
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        sipp_seconds = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
        cpu["sipp"] = sipp_seconds / seconds * 100
        busy_after, total_after = machine_ticks()
        cores = os.cpu_count() or 1
        machine = (busy_after - busy) / max(1, total_after - total) * 100 * cores
        cpu["other"] = max(0.0, machine - sum(cpu.values()))
        stats = last_stats(stats_path)
        trace = read_trace(messages)
        messages.unlink(missing_ok=True)  # up to ~100 MB a step
        successful = int(stats.get("SuccessfulCall(C)", 0))
        counted_failed = int(stats.get("FailedCall(C)", 0))
        failed = max(counted_failed, len(users) - successful)
        reasons = {text: int(stats.get(key, 0) or 0) for key, text in REASONS.items()}
        return Step(
            rate=rate,
            calls=len(users),
            successful=successful,
            failed=failed,
            retransmissions=int(stats.get("Retransmissions(C)", 0) or 0),
            achieved=trace.rate(),
            registration_ms=trace.registration_ms(),
            auth_leg_ms=trace.auth_leg_ms(),
            cpu=cpu,
            reasons=reasons,
            statuses=trace.statuses,
            finished=successful + counted_failed,
        )

    def complete_step(self, server: Kamailio, users: list[User], rate: int) -> Step:
        """A step whose SIPp ran to its end: one stopped from outside (SIPp exits 0 on a
        SIGTERM, its counts cut short) is run again, at most 3 times."""
        for _attempt in range(3):
            step = self.step(server, users, rate)
            if not step.interrupted:
                return step
            print(
                f"  SIPp stopped after {step.finished:,} of {len(users):,} calls (a SIGTERM from "
                "outside?): the step is run again",
                flush=True,
            )
        return step


@dataclass
class Users:
    """The users in one random order; each step takes the next slice (wrapping around)."""

    order: list[User]
    cursor: int = 0
    used: set[str] = field(default_factory=set)

    def take(self, count: int) -> list[User]:
        taken = [self.order[(self.cursor + i) % len(self.order)] for i in range(count)]
        self.cursor = (self.cursor + count) % len(self.order)
        self.used.update(u for u, _ in taken)
        return taken


@dataclass
class Search:
    """The rate search of one server: doubling until a bad step, then bisection between the
    last good and the first bad rate. A bad step is run once more before it counts (the machine
    is shared: one noisy step should not end the search)."""

    label: str
    server: Kamailio
    users: Users
    args: argparse.Namespace
    steps: list[Step] = field(default_factory=list)
    good: Step | None = None
    bad: Step | None = None
    refined: int = 0
    retried: bool = False
    next: int | None = None

    def __post_init__(self) -> None:
        self.next = self.args.start_rate

    def record(self, step: Step) -> None:
        self.steps.append(step)
        if not step.good and not self.retried:
            self.retried = True  # the same rate once more
            return
        self.retried = False
        if self.bad is None and step.good:  # still doubling
            self.good = step
            doubled = step.rate * 2
            self.next = doubled if doubled <= self.args.max_rate else None
            return
        if self.bad is not None:
            self.refined += 1
        if step.good:
            self.good = step
        else:
            self.bad = step
        self.next = self.middle() if self.refined < self.args.refine else None

    def middle(self) -> int | None:
        low = self.good.rate if self.good is not None else 0
        high = self.bad.rate if self.bad is not None else self.args.max_rate
        middle = int(round((low * high) ** 0.5 if low else high / 2, -1))
        return middle if low < middle < high else None


def search_rates(sipp: Sipp, searches: list[Search]) -> None:
    """The searches in lockstep, one step at a time each, so that whatever else runs on the
    machine meanwhile falls on both alike."""
    width = max(len(s.label) for s in searches)
    for search in searches:
        server = search.server
        wrong = [(u, "wrong-" + p) for u, p in search.users.take(20)]
        control = sipp.complete_step(server, wrong, 20)
        assert control.successful == 0, "a wrong password registered: the digest is not checked"
        print(
            f"  {search.label:<{width}}  control: 20 wrong passwords → {control.failed} failed, "
            f"answers {dict(control.statuses)} (as they must)",
            flush=True,
        )
    while any(s.next is not None for s in searches):
        for search in searches:
            if search.next is None:
                continue
            rate = search.next
            calls = max(search.args.min_calls, int(rate * search.args.seconds))
            step = sipp.complete_step(search.server, search.users.take(calls), rate)
            again = " (retry)" if search.retried else ""
            print(f"  {search.label:<{width}}{step.line()}{again}", flush=True)
            search.record(step)
            settle(search.server, search.args.pause)
    for search in searches:
        if search.bad is None:
            print(f"  {search.label}: no bad step up to --max-rate {search.args.max_rate:,}/s")


def settle(server: Kamailio, pause: float) -> None:
    """After a step: `pause`, then until Kamailio answers an OPTIONS ping within 0.2 s (what an
    overloaded step left in its queue is done), at most 60 s."""
    time.sleep(pause)
    deadline = time.monotonic() + 60
    while not answers_options(server.port, 0.2) and time.monotonic() < deadline:
        time.sleep(0.5)


def last_lookup(server: Kamailio) -> str | None:
    """The last subscriber lookup one of Kamailio's database connections sent."""
    with psycopg.connect(conninfo(PG_ADMIN_URL)) as conn:
        rows = conn.execute(
            "SELECT query FROM pg_stat_activity WHERE datname = %s AND query ILIKE "
            "'%%subscriber%%' AND pid <> pg_backend_pid()",
            (server.database,),
        ).fetchall()
    return str(rows[0][0]) if rows else None


def lookup_costs(targets: list[tuple[str, str]], users: list[User]) -> list[tuple[float, float]]:
    """For each (database URL, Kamailio's lookup query): µs per lookup from one connection and
    the median planning µs, with the usernames of `users` put in (literals, simple protocol, as
    db_postgres sends it); the targets take turns query by query, so noise falls on all."""
    literal = re.compile(r"'\d+'")
    names = [u for u, _ in users]
    with contextlib.ExitStack() as stack:
        cursors = [
            stack.enter_context(psycopg.connect(conninfo(url), autocommit=True)).cursor()
            for url, _query in targets
        ]
        spent = [0.0 for _ in targets]
        planning: list[list[float]] = [[] for _ in targets]
        for n, name in enumerate(names):
            for i, (cursor, (_url, query)) in enumerate(zip(cursors, targets, strict=True)):
                sql = literal.sub(f"'{name}'", query, count=1)
                started = time.perf_counter()
                cursor.execute(sql.encode())
                cursor.fetchall()
                if n >= len(names) // 5:  # the first fifth warms up
                    spent[i] += time.perf_counter() - started
                if n % 10 == 0:
                    for (line,) in cursor.execute(f"EXPLAIN (ANALYZE, SUMMARY) {sql}".encode()):
                        if str(line).startswith("Planning Time:"):
                            planning[i].append(float(str(line).split()[2]) * 1000)
    counted = len(names) - len(names) // 5
    return [(t / counted * 1e6, statistics.median(p)) for t, p in zip(spent, planning, strict=True)]


# ---------------------------------------------------------------- a SIP user from the API


@dataclass
class Single:
    """One registration by a SIPp started for it, timed from `since` (time.time())."""

    ok: bool
    sent_ms: float  # since → the first REGISTER went out (SIPp's start)
    ok_ms: float  # since → its 200 OK
    statuses: Counter[str]

    @property
    def registration_ms(self) -> float:
        return self.ok_ms - self.sent_ms


def single_register(sipp: Sipp, server: Kamailio, user: User, since: float) -> Single:
    for _attempt in range(3):
        stats_path, messages, _done = sipp.run(server, [user], 1000)  # -m 1: at once
        stats = last_stats(stats_path)
        trace = read_trace(messages)
        messages.unlink(missing_ok=True)
        if int(stats.get("SuccessfulCall(C)", 0)) + int(stats.get("FailedCall(C)", 0)) == 1:
            break
        print(f"  SIPp stopped before its REGISTER of {user[0]} ended (from outside?): again")
    sent = min(trace.first_sent.values()) if trace.first_sent else float("nan")
    ok = min(trace.ok_at.values()) if trace.ok_at else float("nan")
    return Single(bool(trace.ok_at), (sent - since) * 1000, (ok - since) * 1000, trace.statuses)


@dataclass
class NewUsers:
    create_ms: list[float] = field(default_factory=list)
    new: list[Single] = field(default_factory=list)  # timed from the API's return
    old: list[Single] = field(default_factory=list)  # users stored long before, from SIPp's start


def new_users(
    url: str, sipp: Sipp, server: Kamailio, customer: int, count: int, old: list[User]
) -> NewUsers:
    """`count` SIP users created through the API, each registered by SIPp as soon as the API
    answered; after each, one stored user registered the same way (the baseline)."""
    with transaction(url) as session:
        _token, token = create_api_token(session, CLI, "bench sip", "operator")
    headers = {"Authorization": f"Bearer {token}"}
    result = NewUsers()
    with TestClient(create_app(url)) as client:
        warm = client.get(f"/api/v1/customers/{customer}/sip-users?limit=1", headers=headers)
        warm.raise_for_status()
        for k in range(count):
            username = str(NEW_NUMBER + k)
            body = {"username": username, "password": API_PASSWORD}
            started = time.perf_counter()
            answer = client.post(
                f"/api/v1/customers/{customer}/sip-users", json=body, headers=headers
            )
            returned = time.time()
            result.create_ms.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 201, answer.text
            first = single_register(sipp, server, (username, API_PASSWORD), returned)
            result.new.append(first)
            if not first.ok:
                print(f"  {username}: first REGISTER refused, answers {dict(first.statuses)}")
            result.old.append(single_register(sipp, server, old[k % len(old)], time.time()))
    return result


# ---------------------------------------------------------------- main


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench sip", description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=200_000, help="SIP users stored")
    parser.add_argument("--start-rate", type=int, default=100, help="first rate, REGISTER/s")
    parser.add_argument("--max-rate", type=int, default=25_600, help="highest rate tried")
    parser.add_argument("--seconds", type=float, default=8, help="length of one step")
    parser.add_argument("--min-calls", type=int, default=800, help="fewest registrations a step")
    parser.add_argument("--refine", type=int, default=3, help="bisection steps after the ladder")
    parser.add_argument("--pause", type=float, default=2, help="seconds between steps")
    parser.add_argument("--new-users", type=int, default=10, help="SIP users made via the API")
    parser.add_argument(
        "--shm-mb", type=int, default=1024, help="Kamailio's shared memory (-m): one contact a user"
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases and workdir")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args(argv)

    realm = get_settings().sip_realm
    workdir = Path(tempfile.mkdtemp(prefix="carrierdesk-bench-sip-"))
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; work {workdir}")
    url = fresh_postgres(DATABASE)
    database = make_url(url).database or ""
    try:
        started = time.perf_counter()
        first_customer = fill(url, args.users, realm)
        fill_seconds = time.perf_counter() - started
        visible = count_rows(url, "sip_subscriber")
        print(
            f"{args.users:,} SIP users stored in {fill_seconds:.1f} s (SQL, then ANALYZE); "
            f"sip_subscriber shows {visible:,}",
            flush=True,
        )
        started = time.perf_counter()
        plain_url = make_plain(url)
        print(
            f"baseline database {PLAIN_DATABASE}: Kamailio's standard-create.sql and "
            f"auth_db-create.sql + columns {', '.join(EXTRA_COLUMNS)} (load_credentials "
            f"reads them), {count_rows(plain_url, 'subscriber'):,} rows copied in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )

        order = [(username_of(i), password_of(i)) for i in range(1, args.users + 1)]
        random.Random(args.seed).shuffle(order)
        scenario = workdir / "register.xml"
        scenario.write_text(SCENARIO)
        sipp = Sipp(workdir, scenario)

        shm = args.shm_mb
        with (
            kamailio(workdir, "plain", plain_config(plain_url, realm), PLAIN_DATABASE, shm) as kp,
            kamailio(workdir, "carrierdesk", carrierdesk_config(url, realm), database, shm) as ko,
        ):
            print(f"\nKamailio on udp:127.0.0.1:{kp.port} (plain), :{ko.port} (carrierdesk)")
            plain = Search("plain table", kp, Users(order), args)
            ours = Search("carrierdesk", ko, Users(order), args)
            search_rates(sipp, [plain, ours])
            plain_query, ours_query = last_lookup(kp), last_lookup(ko)
            print("\nnew SIP users through the API, each registered at once:", flush=True)
            made = new_users(url, sipp, ko, first_customer, args.new_users, order)
        print()
        if plain_query and ours_query:
            sample = random.Random(args.seed + 1).sample(order, min(len(order), 2000))
            ours_cost, plain_cost = lookup_costs(
                [(url, ours_query), (plain_url, plain_query)], sample
            )
            print(
                f"PostgreSQL, Kamailio's lookup ({ours_query[:60]}…) from one connection: views "
                f"{ours_cost[0]:.0f} µs a lookup (planning {ours_cost[1]:.0f} µs) | plain table "
                f"{plain_cost[0]:.0f} µs (planning {plain_cost[1]:.0f} µs) | "
                f"{ours_cost[0] / plain_cost[0]:.1f}× the time"
            )
        print(f"load average {os.getloadavg()[0]:.2f}")
        summary(args, plain, ours, made)
    finally:
        if not args.keep:
            drop_database(database)
            drop_database(PLAIN_DATABASE)
            shutil.rmtree(workdir, ignore_errors=True)


def figure(search: Search) -> str:
    if search.good is None:
        return "no rate passed"
    p95 = percentile(search.good.registration_ms, 0.95)
    return f"{search.good.achieved:,.0f}/s (asked {search.good.rate:,}/s, p95 {p95:.2f} ms)"


def summary(args: argparse.Namespace, plain: Search, ours: Search, made: NewUsers) -> None:
    ratio = ""
    if plain.good is not None and ours.good is not None:
        ratio = f" | ratio {ours.good.achieved / plain.good.achieved:.2f}× (target ≥ 0.8×)"
    print(
        f"REGISTER, {args.users:,} SIP users: carrierdesk views {figure(ours)} | plain "
        f"subscriber table {figure(plain)}{ratio}"
    )
    both = {s.rate for s in plain.steps if s.good} & {s.rate for s in ours.steps if s.good}
    if both:
        rate = max(both)

        def p95_at(search: Search) -> float:
            return min(
                percentile(s.registration_ms, 0.95)
                for s in search.steps
                if s.rate == rate and s.good
            )

        print(
            f"  at {rate:,}/s, the highest rate both kept up with: p95 carrierdesk "
            f"{p95_at(ours):.2f} ms | plain {p95_at(plain):.2f} ms"
        )
    print(
        f"  (the highest rate with < 0.1 % failed registrations that Kamailio kept up with, "
        f"≥ 95 %; one registration = REGISTER, 401, REGISTER with digest, 200; p95 from the first"
        f" REGISTER to the 200; {len(ours.users.used):,} / "
        f"{len(plain.users.used):,} distinct users registered; steps of {args.seconds:g} s, a "
        f"bad one run twice; Kamailio -m {args.shm_mb})"
    )
    if made.create_ms:
        ok = [r for r in made.new if r.ok]
        old = [r for r in made.old if r.ok]
        first = "no first REGISTER accepted"
        if ok:
            first = (
                f"first REGISTER 200 OK {statistics.median(r.ok_ms for r in ok):.0f} ms after "
                f"the API returned (max {max(r.ok_ms for r in ok):.0f}; of which SIPp's start "
                f"{statistics.median(r.sent_ms for r in ok):.0f} ms, the registration "
                f"{statistics.median(r.registration_ms for r in ok):.1f} ms)"
            )
        print(
            f"new SIP user: API create {statistics.median(made.create_ms):.0f} ms (median of "
            f"{len(made.create_ms)}, max {max(made.create_ms):.0f} ms), {first}; accepted on the "
            f"first REGISTER {len(ok)}/{len(made.new)}"
        )
        if old:
            print(
                f"  baseline, the same single SIPp REGISTER of a user stored before the run: "
                f"200 OK {statistics.median(r.ok_ms for r in old):.0f} ms after SIPp's start, "
                f"the registration {statistics.median(r.registration_ms for r in old):.1f} ms"
                f" ({len(old)}/{len(made.old)} accepted)"
            )
