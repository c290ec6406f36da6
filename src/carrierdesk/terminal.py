"""The command line's console, made when a command first prints (Rich is not imported for
`--help`).

Markup is off: what a command prints holds values (generated passwords with brackets, file
names, error messages) that must appear exactly as they are, so styles are given as parts
to `say`, never as `[bold]` in the text."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

Part = str | tuple[str, str]  # plain text, or (text, style)


@lru_cache
def console() -> Console:
    from rich.console import Console

    return Console(markup=False, highlight=False)


def say(*parts: Part, style: str = "") -> None:
    """One line made of parts, each printed exactly as written, in its own style or the line's."""
    from rich.text import Text

    console().print(Text.assemble(*parts, style=style), soft_wrap=True)


def fail(message: str) -> None:
    say(message, style="red")
