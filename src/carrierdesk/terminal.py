"""The command line's console, made when a command first prints (Rich is not imported for
`--help`)."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


@lru_cache
def console() -> Console:
    from rich.console import Console

    return Console()
