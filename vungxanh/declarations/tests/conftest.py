"""The shipped forms come from a data migration; a transactional test flushes them, so each
test of this app makes sure they are there (as the shared ``world`` fixture does for units)."""

import pytest


@pytest.fixture(autouse=True)
def default_forms(django_db_blocker):
    from vungxanh.declarations.defaults import load_default_forms
    from vungxanh.declarations.models import FormDefinition

    with django_db_blocker.unblock():
        load_default_forms(FormDefinition)
