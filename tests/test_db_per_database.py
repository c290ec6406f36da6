"""The engine and sessionmaker of "the configured database" follow the configuration: a cache
keyed by no URL once kept the first database it met, so a command run after the settings
changed (a test pointing the CLI at its own database) imported into the previous one."""

from __future__ import annotations

from pathlib import Path

import pytest

from carrierdesk.config import get_settings
from carrierdesk.db import get_engine, get_sessionmaker


def test_no_url_means_the_database_configured_now(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    monkeypatch.setenv("CARRIERDESK_DATABASE_URL", first)
    get_settings.cache_clear()
    assert str(get_engine().url) == first
    assert str(get_sessionmaker().kw["bind"].url) == first
    monkeypatch.setenv("CARRIERDESK_DATABASE_URL", second)
    get_settings.cache_clear()
    assert str(get_engine().url) == second
    assert str(get_sessionmaker().kw["bind"].url) == second
    assert get_engine() is get_engine(second)  # still one engine per database
    for url in (first, second):
        get_engine(url).dispose()
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()
