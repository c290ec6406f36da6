"""Message templates are files; an operator overrides one by putting a file of the same name in
CARRIERDESK_TEMPLATES_DIR. `NAME.txt` starts with a `Subject:` line; `NAME.html` is optional."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, TemplateNotFound, select_autoescape

from carrierdesk.config import get_settings

BUILTIN = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str | None


def _environment() -> Environment:
    dirs = [str(d) for d in (get_settings().templates_dir, BUILTIN) if d]
    return Environment(
        loader=ChoiceLoader([FileSystemLoader(d) for d in dirs]),
        autoescape=select_autoescape(enabled_extensions=("html",)),
        keep_trailing_newline=True,
    )


def render(name: str, context: dict[str, Any]) -> Rendered:
    env = _environment()
    full = {"carrier_name": get_settings().carrier_name, **context}
    text = env.get_template(f"{name}.txt").render(full)
    subject = ""
    if text.startswith("Subject:"):
        first, _, text = text.partition("\n")
        subject = first.removeprefix("Subject:").strip()
        text = text.lstrip("\n")
    try:
        html: str | None = env.get_template(f"{name}.html").render(full)
    except TemplateNotFound:
        html = None
    return Rendered(subject, text, html)
