"""Issue 11: `carrierdesk --help` must not load the application (it took 3.6 s)."""

from __future__ import annotations

import subprocess
import sys


def test_the_command_line_loads_no_database_or_web_code_to_print_its_help() -> None:
    probe = (
        "import sys, carrierdesk.cli\n"
        "heavy = ('sqlalchemy', 'fastapi', 'pydantic_settings', 'rich.progress', 'psycopg')\n"
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == ""
