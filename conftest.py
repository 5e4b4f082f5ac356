"""Test configuration shared by every app. Tests run on PostgreSQL when DATABASE_URL is set
(CI), otherwise on SQLite; the task backend runs jobs immediately (vungxanh.core.pytest_plugin)."""

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the province and the personas once per test database."""
    with django_db_blocker.unblock():
        from vungxanh.testing import build_world

        build_world()


@pytest.fixture
def world(db):
    from vungxanh.testing import World

    return World.load()


@pytest.fixture
def client_as(client, world):
    """A test client logged in as a persona: ``client_as("district_a")``."""

    def login(name):
        client.force_login(world.user(name))
        return client

    return login


@pytest.fixture
def api_as(world):
    """An API client authenticated as a persona with a real bearer token."""
    from rest_framework.test import APIClient

    from vungxanh.accounts import actions

    def make(name):
        user = world.user(name)
        _token, raw = actions.issue_token(actor=user, user=user, name="test")
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return api

    return make


# --- headless Chromium (Debian's package) for page tests -----------------------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium():
    import os
    import shutil

    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        if os.environ.get("VUNGXANH_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required (apt-get install chromium)")
        pytest.skip("Chromium is not installed")
    # Playwright's sync API runs an event loop in this thread; the Django calls the tests make
    # around it are ordinary synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, locale="vi-VN")
    page = context.new_page()
    page.console_messages = []
    page.on("console", lambda msg: page.console_messages.append(msg.text))
    yield page
    context.close()


@pytest.fixture
def login(page, world):
    """Log in through the real form: ``login("district_a")``."""
    from vungxanh.testing import PASSWORD

    def do(username):
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url("**/")
        return page

    return do
