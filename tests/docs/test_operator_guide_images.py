"""The operator guide shows the screenshots `make screenshots` takes, and only those: a shot
added to scripts/screenshots.py without a place in the guide, or a picture in the guide that
no shot takes (and that would therefore never be retaken), fails here."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "operator-guide.md"
IMAGE = re.compile(r"!\[([^\]]*)\]\(images/([a-z0-9-]+)\.png\)")


def shots() -> set[str]:
    spec = importlib.util.spec_from_file_location(
        "screenshots", ROOT / "scripts" / "screenshots.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return set(module.SHOTS)


def test_the_guide_shows_every_screenshot_the_script_takes_and_no_other() -> None:
    shown = IMAGE.findall(GUIDE.read_text(encoding="utf-8"))
    names = [name for _alt, name in shown]
    assert len(names) == len(set(names)), "a picture is shown twice"
    assert set(names) == shots()
    assert all(alt.strip() for alt, _name in shown), "every picture has its alt text"


def test_every_picture_is_a_screenshot_at_1440_by_900() -> None:
    from PIL import Image

    for name in shots():
        with Image.open(ROOT / "docs" / "images" / f"{name}.png") as picture:
            assert picture.size == (1440, 900), name
