"""`make screenshots`: the operator guide's pictures (docs/images/NAME.png), taken on the demo.

A fresh SQLite database in a temporary folder gets the migrations and `carrierdesk demo`;
`carrierdesk serve` runs on a free loopback port; Chromium (Playwright, Debian's
/usr/bin/chromium) logs in as the demo admin and photographs each screen of SHOTS at 1440×900.
The server is stopped (SIGTERM) and the folder removed whatever happens.
tests/docs/test_operator_guide_images.py checks that SHOTS and docs/operator-guide.md name the
same images, so that the guide and the pictures cannot drift apart."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
VIEWPORT = {"width": 1440, "height": 900}
CHROMIUM = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
START_SECONDS = 60


@dataclass
class Demo:
    """The running demo: its address, the records the shots show, and the open tabs."""

    base: str
    customer_id: int
    invoice_id: int
    rate_card_id: int
    panel: Page
    portal: Page | None = None
    notes: list[str] = field(default_factory=list)

    def go(self, path: str) -> None:
        self.panel.goto(self.base + path)
        self.panel.wait_for_load_state("networkidle")


# --- the shots, in the order they are taken (Delay Log and Audit Log after what fills them) --


def customers(demo: Demo) -> None:
    demo.go("/customers")


def customer_main(demo: Demo) -> None:
    demo.go(f"/customers/{demo.customer_id}")
    demo.panel.locator("#summary-tabs button[data-timeframe='daily']").click()
    expect(demo.panel.locator("#summary-grid[data-loaded='true']")).to_be_visible()
    expect(demo.panel.locator("#summary-grid .tabulator-row").first).to_be_visible()


def contact_form(demo: Demo) -> None:
    """The first contact's form, about to be saved with Delay and Save (1 day): the change
    then fills the Delay Log."""
    demo.go(f"/customers/{demo.customer_id}")
    demo.panel.locator("#contacts button.row-menu").first.click()
    demo.panel.locator("#contacts .dropdown-menu.show >> text=Edit").click()
    demo.panel.wait_for_load_state("networkidle")
    demo.panel.fill("#f-public_notes", "Primary contact for invoices and rate notices.")
    demo.panel.click("#delay-toggle")
    demo.panel.select_option("#f-delay", "1d")


def _after_contact_form(demo: Demo) -> None:
    demo.panel.click("button[name='save'][value='delay']")
    demo.panel.wait_for_load_state("networkidle")


def global_contacts(demo: Demo) -> None:
    demo.go("/contacts")


def rate_card(demo: Demo) -> None:
    demo.go(f"/rate-cards/{demo.rate_card_id}")


def invoices(demo: Demo) -> None:
    demo.go("/invoices")


def invoice(demo: Demo) -> None:
    demo.go(f"/invoices/{demo.invoice_id}")


def settings_options(demo: Demo) -> None:
    demo.go("/settings/options")


def settings_users(demo: Demo) -> None:
    demo.go("/settings/users")


def settings_invoicing(demo: Demo) -> None:
    demo.go("/settings/invoicing")


def settings_webhooks(demo: Demo) -> None:
    demo.go("/settings/webhooks")


def portal_home(demo: Demo) -> None:
    """Portal Login as the customer's first contact, from its row menu (as an operator does)."""
    demo.go(f"/customers/{demo.customer_id}")
    demo.panel.locator("#contacts button.row-menu").first.click()
    with demo.panel.context.expect_page() as opened:
        demo.panel.locator("#contacts .dropdown-menu.show >> text=Portal Login").click()
    demo.portal = opened.value
    demo.portal.wait_for_load_state("networkidle")
    expect(demo.portal.locator("#summary-status")).to_contain_text("Totals")


def portal_invoices(demo: Demo) -> None:
    assert demo.portal is not None, "portal-home opens the portal"
    demo.portal.goto(demo.base + "/portal/invoices")
    demo.portal.wait_for_load_state("networkidle")


def delay_log(demo: Demo) -> None:
    demo.go("/delay-log")
    expect(demo.panel.locator("#delay-log tbody tr").first).to_be_visible()


def audit_log(demo: Demo) -> None:
    demo.go("/audit-log")


def email_log(demo: Demo) -> None:
    demo.go("/email-log")


Shot = Callable[[Demo], None]
# docs/images/NAME.png ← the function that brings the screen up (in the portal tab for portal-*).
SHOTS: dict[str, Shot] = {
    "customers": customers,
    "customer-main": customer_main,
    "contact-form": contact_form,
    "global-contacts": global_contacts,
    "rate-card": rate_card,
    "invoices": invoices,
    "invoice": invoice,
    "settings-options": settings_options,
    "settings-users": settings_users,
    "settings-invoicing": settings_invoicing,
    "settings-webhooks": settings_webhooks,
    "portal-home": portal_home,
    "portal-invoices": portal_invoices,
    "delay-log": delay_log,
    "audit-log": audit_log,
    "email-log": email_log,
}
AFTER: dict[str, Shot] = {"contact-form": _after_contact_form}


# --- the demo server -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def carrierdesk(*args: str) -> list[str]:
    return [sys.executable, "-m", "carrierdesk.cli", *args]


@contextmanager
def demo_server(folder: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """Migrate, load the demo and serve it from an SQLite file in `folder`; yields the base
    URL and the environment. The server gets SIGTERM at the end, whatever happened."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARRIERDESK_")}
    env["CARRIERDESK_DATABASE_URL"] = f"sqlite:///{folder / 'demo.db'}"
    # cwd: the checkout's .env (its database, its SMTP server) is not read
    subprocess.run(carrierdesk("migrate"), env=env, cwd=folder, check=True)
    subprocess.run(carrierdesk("demo", "--port", str(port)), env=env, cwd=folder, check=True)
    log = (folder / "serve.log").open("w")
    server = subprocess.Popen(
        carrierdesk("serve", "--host", "127.0.0.1", "--port", str(port)),
        env=env,
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, server, folder / "serve.log")
        yield base, env
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def wait_until_up(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"carrierdesk serve ended:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(base + "/api/v1/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"carrierdesk serve did not answer within {START_SECONDS} s")


def demo_records(env: dict[str, str]) -> tuple[int, int, int]:
    """The active customer with the most calls, its latest invoice, and the first rate card."""
    from sqlalchemy import func, select

    from carrierdesk.db import transaction
    from carrierdesk.models import Cdr, Customer, Invoice, RateCard

    with transaction(env["CARRIERDESK_DATABASE_URL"]) as session:
        customer_id = session.scalars(
            select(Customer.id)
            .join(Cdr, Cdr.customer_id == Customer.id)
            .where(Customer.status == "active")
            .group_by(Customer.id)
            .order_by(func.count().desc())
        ).first()
        invoice_id = session.scalars(
            select(Invoice.id).where(Invoice.customer_id == customer_id).order_by(Invoice.id.desc())
        ).first()
        rate_card_id = session.scalars(select(RateCard.id).order_by(RateCard.id)).first()
    if customer_id is None or invoice_id is None or rate_card_id is None:
        raise RuntimeError("the demo has no active customer with calls and an invoice")
    return customer_id, invoice_id, rate_card_id


# --- taking them ---------------------------------------------------------------------------


def log_in(page: Page, base: str) -> None:
    from carrierdesk.demo import DEMO_ADMIN, DEMO_PASSWORD

    page.goto(base + "/login")
    page.fill("#email", DEMO_ADMIN)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button:has-text('Log in')")
    expect(page).to_have_url(f"{base}/customers")


def save(page: Page, name: str) -> Path:
    from PIL import Image

    path = IMAGES / f"{name}.png"
    page.screenshot(path=path, animations="disabled", caret="hide")
    with Image.open(path) as shot:  # a 256-colour palette: a third of the size, same text
        shot.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(
            path, optimize=True
        )
    return path


def take_all(base: str, env: dict[str, str]) -> list[Path]:
    customer_id, invoice_id, rate_card_id = demo_records(env)
    IMAGES.mkdir(parents=True, exist_ok=True)
    taken = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM
        )
        try:
            context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
            context.set_default_timeout(20_000)
            panel = context.new_page()
            log_in(panel, base)
            demo = Demo(base, customer_id, invoice_id, rate_card_id, panel)
            for name, bring_up in SHOTS.items():
                bring_up(demo)
                page = demo.portal if name.startswith("portal-") and demo.portal else panel
                taken.append(save(page, name))
                if name in AFTER:
                    AFTER[name](demo)
                print(f"docs/images/{name}.png")
        finally:
            browser.close()
    return taken


def main() -> None:
    with (
        tempfile.TemporaryDirectory(prefix="carrierdesk-shots-") as folder,
        demo_server(Path(folder)) as (base, env),
    ):
        taken = take_all(base, env)
    print(f"{len(taken)} screenshots in {IMAGES.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
