"""The worker against a database it cannot reach (issue 9, gap 12): one log line per attempt and
no traceback, attempts further and further apart, and back to work by itself when the database
returns. A bug in a job still logs its traceback, once."""

from __future__ import annotations

import contextlib
import itertools
import logging
import re
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from carrierdesk.db import get_engine, get_sessionmaker
from carrierdesk.worker import loop
from carrierdesk.worker.loop import JOBS, Worker, run_forever, run_once

LOGGER = "carrierdesk.worker"
POLL = 0.05
CAP = 0.4
DOWN = re.compile(
    r"^worker: the database is unreachable \((?P<why>[^\n]+)\); "
    r"attempt (?P<n>\d+), next in (?P<wait>[\d.]+)s$"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Forwarder:
    """A TCP relay from a loopback port to PostgreSQL: the database "comes back" on that port."""

    def __init__(self, port: int, target: tuple[str, int]):
        self.server = socket.create_server(("127.0.0.1", port))
        self.target = target
        self.open: list[socket.socket] = [self.server]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        for s in self.open:
            s.close()


@pytest.fixture
def unreachable(db_url: str, tmp_path: Path) -> Iterator[tuple[str, Callable[[], None]]]:
    """(a URL of db_url's database that cannot be reached yet, a function that brings it back)."""
    cleanup: list[Callable[[], None]] = []
    if db_url.startswith("sqlite"):
        blocked = tmp_path / "gone"
        blocked.write_text("a file where the database's folder should be")
        url = f"sqlite:///{blocked / 'carrierdesk.db'}"

        def back() -> None:
            blocked.unlink()
            blocked.mkdir()
            shutil.copy(db_url.split("///", 1)[1], blocked / "carrierdesk.db")

    else:
        real = make_url(db_url)
        port = free_port()
        url = real.set(port=port).render_as_string(hide_password=False)

        def back() -> None:
            relay = Forwarder(port, (real.host or "127.0.0.1", real.port or 5432))
            cleanup.append(relay.close)

    yield url, back
    for step in cleanup:
        step()
    with contextlib.suppress(OSError):  # SQLite's folder may still be a file: no engine made
        get_engine(url).dispose()
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()


def worker_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER and r.levelno >= logging.WARNING]


def test_unreachable_database_backs_off_in_one_line_per_attempt_then_recovers(
    unreachable: tuple[str, Callable[[], None]], caplog: pytest.LogCaptureFixture
) -> None:
    url, bring_back = unreachable
    caplog.set_level(logging.INFO, logger=LOGGER)
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(stop, POLL, url, CAP), daemon=True)
    thread.start()
    try:
        time.sleep(2.5)
        down = worker_lines(caplog)
        # Polling every 50 ms would have made ~50 attempts (and 4 tracebacks each); with the
        # backoff (50, 100, 200, 400, 400… ms) it is at most ~9, each one line, no traceback.
        assert 4 <= len(down) <= 10, [r.getMessage() for r in down]
        matches = [DOWN.match(r.getMessage()) for r in down]
        assert all(matches), [r.getMessage() for r in down]
        assert all(r.exc_info is None and r.exc_text is None for r in down)
        assert [int(m["n"]) for m in matches if m] == list(range(1, len(down) + 1))
        waits = [float(m["wait"]) for m in matches if m]
        assert waits[:4] == [0.05, 0.1, 0.2, 0.4]  # doubling from the poll interval
        assert set(waits[4:]) <= {CAP}
        gaps = [b.created - a.created for a, b in itertools.pairwise(down)]
        assert gaps[-1] >= CAP * 0.9  # the attempts really are that far apart

        bring_back()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            back = [r for r in worker_lines(caplog) if "reachable again" in r.getMessage()]
            if back:
                break
            time.sleep(0.05)
        assert len(back) == 1, [r.getMessage() for r in worker_lines(caplog)]
        assert re.fullmatch(
            r"worker: the database is reachable again after \d+ failed attempts \(\d+s\)",
            back[0].getMessage(),
        )
        # then it polls normally, and quietly: nothing more to say while all is well
        seen = len(worker_lines(caplog))
        time.sleep(10 * POLL)
        assert len(worker_lines(caplog)) == seen
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()


def test_one_pass_against_an_unreachable_database(
    unreachable: tuple[str, Callable[[], None]], caplog: pytest.LogCaptureFixture
) -> None:
    url, _bring_back = unreachable
    caplog.set_level(logging.INFO, logger=LOGGER)
    assert run_once(url) == {name: 0 for name, _job in JOBS}
    [line] = worker_lines(caplog)  # one line for the pass, not one per job
    assert DOWN.match(line.getMessage()) and line.exc_info is None


def test_a_bug_in_a_job_logs_its_traceback_once(
    db_url: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_session: Session) -> int:
        raise KeyError("customer_id")

    def fine(session: Session) -> int:
        session.execute(text("SELECT 1"))
        return 0

    monkeypatch.setattr(loop, "JOBS", [("broken job", broken), ("fine job", fine)])
    caplog.set_level(logging.INFO, logger=LOGGER)
    worker = Worker(db_url, POLL)
    for _ in range(3):
        assert worker.run_once() == {"broken job": 0, "fine job": 0}
    lines = worker_lines(caplog)
    assert len(lines) == 3
    assert lines[0].getMessage() == "worker job broken job failed; it will be retried"
    assert lines[0].exc_info is not None and lines[0].exc_info[0] is KeyError
    for repeat in lines[1:]:
        assert repeat.getMessage() == (
            "worker job broken job failed again: KeyError: 'customer_id' (traceback logged before)"
        )
        assert repeat.exc_info is None
    assert worker.down_attempts == 0 and worker.wait_seconds() == POLL  # no backoff: a bug


def test_a_database_error_of_a_job_is_one_line_without_traceback(
    db_url: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def locked(_session: Session) -> int:
        raise OperationalError("UPDATE outbox", {}, Exception("database is locked"))

    monkeypatch.setattr(loop, "JOBS", [("locked job", locked)])
    caplog.set_level(logging.INFO, logger=LOGGER)
    worker = Worker(db_url, POLL)
    worker.run_once()
    worker.run_once()
    lines = worker_lines(caplog)
    assert [r.getMessage() for r in lines] == [
        "worker job locked job: database error (Exception: database is locked); it will be retried"
    ] * 2
    assert all(r.exc_info is None for r in lines)
