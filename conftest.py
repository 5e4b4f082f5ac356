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
