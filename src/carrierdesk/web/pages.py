"""The Control Panel's pages: each feature's views.py router, mounted here."""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Adds the Control Panel routers (and their error pages) to the app."""
