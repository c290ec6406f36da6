"""Delivering webhooks (a worker job): claim, post, record, in that order, and the post with no
database transaction open.

1. claim: in one short transaction, the due pending deliveries of enabled endpoints whose lease
   (`locked_until`) is free get a lease of LEASE and their attempt counted (SKIP LOCKED on
   PostgreSQL, so workers never claim the same row; on SQLite writers take turns anyway);
2. post: every claimed delivery at once (a few threads), each with TIMEOUT per connect, write
   and read and DEADLINE in all (an answer trickling in byte by byte would pass every TIMEOUT),
   redirects never followed, to the address targets.resolve checked just now;
3. record: in another transaction, 2xx is delivered; anything else is retried after the next
   wait of SCHEDULE, and after the last one the delivery is failed.

A worker killed between 1 and 3 leaves its lease to run out: the next worker posts again with
the same webhook-id (at least once; receivers deduplicate on it).
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from standardwebhooks import Webhook

from carrierdesk import __version__
from carrierdesk.db import is_postgres
from carrierdesk.models.base import utcnow
from carrierdesk.models.webhooks import WebhookDelivery, WebhookEndpoint, WebhookEvent
from carrierdesk.webhooks.targets import Target, TargetRefused, resolve

# The waits after each failed attempt: the last attempt is 31 h 35 min after the first.
SCHEDULE = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
)
MAX_ATTEMPTS = len(SCHEDULE) + 1
TIMEOUT = 10.0  # seconds, per connect, write and read
DEADLINE = 30.0  # seconds for a whole round of posts: then whatever has not answered failed
LEASE = timedelta(seconds=60)  # longer than any attempt can take (DEADLINE)
BATCH = 20
PARALLEL = 8
USER_AGENT = f"carrierdesk/{__version__} (webhooks)"


@dataclass(frozen=True)
class Claim:
    """A delivery taken by this worker: everything the post needs, read in the claim."""

    delivery_id: int
    attempt: int
    message_id: str
    url: str
    secret: str
    body: str


@dataclass(frozen=True)
class Outcome:
    claim: Claim
    status: int | None  # the HTTP status, None when there was no answer
    error: str | None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def deliver_due(session: Session, now: datetime | None = None) -> int:
    """One round: claim (committed at once), post, record; returns how many were delivered.
    `now` (tests) is the clock of the claim, the lease and the retry schedule."""
    claims = claim_due(session, now)
    session.commit()  # the claim is its own transaction: none stays open while posting
    if not claims:
        return 0
    outcomes = post_all(claims)
    record_outcomes(session, outcomes, now)
    return sum(o.delivered for o in outcomes)


def claim_due(session: Session, now: datetime | None = None, limit: int = BATCH) -> list[Claim]:
    now = now or utcnow()
    stmt = (
        select(WebhookDelivery, WebhookEndpoint.url, WebhookEndpoint.secret, WebhookEvent.body)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now,
            or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until <= now),
            WebhookEndpoint.enabled,
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    )
    if is_postgres(session):
        stmt = stmt.with_for_update(skip_locked=True, of=WebhookDelivery)
    claims: list[Claim] = []
    for delivery, url, secret, body in session.execute(stmt):
        delivery.attempts += 1
        delivery.locked_until = now + LEASE
        claims.append(Claim(delivery.id, delivery.attempts, delivery.message_id, url, secret, body))
    session.flush()
    return claims


def post_all(claims: list[Claim]) -> list[Outcome]:
    """Every claim posted at once (PARALLEL at a time): a slow receiver holds only its own,
    and none for longer than DEADLINE; one that has not answered by then is a failed attempt,
    its connection closed, and the round ends without waiting for it."""
    timeout = httpx.Timeout(TIMEOUT)
    # trust_env=False: straight to the address checked, never through a proxy from the
    # environment (which would resolve the name again, elsewhere).
    client = httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False)
    pool = ThreadPoolExecutor(max_workers=min(PARALLEL, len(claims)))
    try:
        posts = [pool.submit(post_one, client, claim) for claim in claims]
        wait(posts, timeout=DEADLINE)
        return [
            post.result() if post.done() else Outcome(claim, None, f"no answer in {DEADLINE:g} s")
            for claim, post in zip(claims, posts, strict=True)
        ]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        client.close()  # what is still waiting for an answer gives up


def signed_headers(claim: Claim, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers: webhook-id, webhook-timestamp, webhook-signature."""
    return {
        "webhook-id": claim.message_id,
        "webhook-timestamp": str(math.floor(at.timestamp())),
        "webhook-signature": Webhook(claim.secret).sign(claim.message_id, at, claim.body),
    }


def post_one(client: httpx.Client, claim: Claim) -> Outcome:
    try:
        target = resolve(claim.url)
    except TargetRefused as exc:
        return Outcome(claim, None, f"not sent: {exc}")
    url, extensions, host = _pinned(claim.url, target)
    headers = {
        **signed_headers(claim, utcnow()),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "host": host,
    }
    try:
        with client.stream(
            "POST", url, content=claim.body.encode(), headers=headers, extensions=extensions
        ) as response:  # the answer's body is never read: its status is the answer
            status = response.status_code
    except httpx.HTTPError as exc:
        return Outcome(claim, None, f"{type(exc).__name__}: {exc}"[:2000] or type(exc).__name__)
    return Outcome(claim, status, None if 200 <= status < 300 else f"answered HTTP {status}")


def _pinned(raw: str, target: Target) -> tuple[httpx.URL, dict[str, str], str]:
    """The URL with its host replaced by the address checked, the TLS name to ask for and
    verify (the host's), and the Host header."""
    url = httpx.URL(raw)
    host = url.netloc.decode("ascii").rsplit("@", 1)[-1]
    pinned = url.copy_with(host=str(target.address))
    extensions = {"sni_hostname": target.host} if url.scheme == "https" else {}
    return pinned, extensions, host


def record_outcomes(session: Session, outcomes: list[Outcome], now: datetime | None = None) -> None:
    now = now or utcnow()
    for outcome in outcomes:
        claim = outcome.claim
        delivery = session.get(
            WebhookDelivery, claim.delivery_id, with_for_update=True, populate_existing=True
        )
        if delivery is None or delivery.status != "pending" or delivery.attempts != claim.attempt:
            continue  # deleted, or claimed again once this lease ran out: theirs to record
        delivery.locked_until = None
        delivery.response_status = outcome.status
        if outcome.delivered:
            delivery.status, delivery.delivered_at, delivery.last_error = "delivered", now, None
        elif claim.attempt >= MAX_ATTEMPTS:
            delivery.status, delivery.last_error = "failed", outcome.error
        else:
            delivery.last_error = outcome.error
            delivery.next_attempt_at = now + SCHEDULE[claim.attempt - 1]
    session.flush()
