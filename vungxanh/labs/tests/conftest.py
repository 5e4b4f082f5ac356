import pytest


@pytest.fixture(autouse=True)
def _default_rules(db):
    """Tests that flush the database (browser tests) lose the migration's data."""
    from vungxanh.labs.rules import ensure_default_rule_set

    ensure_default_rule_set()
    try:  # the tracing capability's rules, for the tests that reach it
        from vungxanh.cases.rules import load_default_rule_sets
    except ImportError:
        return
    load_default_rule_sets()


@pytest.fixture
def lab(world):
    from vungxanh.labs.tests.factories import lab_of

    return lab_of("T-LAB-P")


@pytest.fixture
def lab_b(world):
    from vungxanh.labs.tests.factories import lab_of

    return lab_of("T-LAB-B")
