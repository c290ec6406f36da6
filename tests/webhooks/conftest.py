"""Webhook tests post to a receiver on loopback: the private-target rule is relaxed for them
(`loopback_allowed`), as CARRIERDESK_WEBHOOKS_ALLOW_PRIVATE_TARGETS does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from carrierdesk.config import get_settings
from webhooks.receiver import Receiver, receiving


@pytest.fixture
def loopback_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARRIERDESK_WEBHOOKS_ALLOW_PRIVATE_TARGETS", "1")
    get_settings.cache_clear()


@pytest.fixture
def receiver(loopback_allowed: None) -> Iterator[Receiver]:
    with receiving() as running:
        yield running
