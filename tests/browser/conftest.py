"""One headless Chromium per session, one signed-in admin per module, a screenshot on failure.

In CI (CI=true) a browser test may not be skipped: a missing Playwright or Chromium fails the
fixture, and any skip of a browser test is reported as a failure.
"""

import os
import re
import secrets
from pathlib import Path

import pytest

from tests.support.databases import IN_CI

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--no-first-run", "--disable-extensions"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
TIMEOUT_MS = 10_000


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    if IN_CI and report.skipped and not hasattr(report, "wasxfail") \
            and item.get_closest_marker("browser"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"CI must run the browser tests, but this one was skipped: {reason}"
    return report


def _missing():
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"Playwright for Python is not installed ({exc}): pip install -e '.[test]'"
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is missing: apt-get install chromium (never a downloaded browser)"
    return None


@pytest.fixture(scope="session")
def browser():
    missing = _missing()
    if missing:
        if IN_CI:
            pytest.fail(f"CI must run the browser tests: {missing}", pytrace=False)
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def admin_account(live_server):
    email = f"qa-{secrets.token_hex(3)}@licensing.example"
    password = secrets.token_urlsafe(16)
    live_server.flask("users", "create", email, input=password + "\n")
    return email, password


@pytest.fixture(scope="module")
def signed_in_state(browser, live_server, admin_account):
    """Cookies of a signed-in admin, made once per module through the real login form."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.goto("/login")
    page.fill("#login-email", admin_account[0])
    page.fill("#login-password", admin_account[1])
    page.click("#login-submit")
    page.wait_for_url("**/admin/licenses/new", timeout=TIMEOUT_MS)
    state = context.storage_state()
    context.close()
    return state


def _open_page(browser, request, base_url, storage_state=None):
    context = browser.new_context(base_url=base_url, storage_state=storage_state)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("console", lambda msg: problems.append(f"console: {msg.text}")
            if "Content Security Policy" in msg.text else None)
    page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"),
                                      dialog.dismiss()))
    page.problems = problems
    return context, page


def _close_page(request, context, page):
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()


@pytest.fixture
def page(browser, request, live_server, signed_in_state):
    """A page of a signed-in admin; any script error, CSP violation or dialog fails the test."""
    context, page = _open_page(browser, request, live_server.url, signed_in_state)
    yield page
    problems = list(page.problems)
    _close_page(request, context, page)
    assert not problems, problems


@pytest.fixture
def anonymous_page(browser, request, live_server):
    context, page = _open_page(browser, request, live_server.url)
    yield page
    _close_page(request, context, page)
