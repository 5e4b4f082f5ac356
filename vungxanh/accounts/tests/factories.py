"""Objects of this app that lie in district A only (for the contract test)."""

from vungxanh.accounts import actions
from vungxanh.accounts.models import ApiToken, Assignment, User
from vungxanh.core.scoping import SYSTEM
from vungxanh.testing import World, out_of_scope_factory


def _canary_user(world: World) -> User:
    user = User.objects.filter(username="canary.a").first()
    if user is None:
        user, _ = actions.create_user(
            actor=SYSTEM,
            username="canary.a",
            full_name="CANARY-USER",
            role="commune_officer",
            unit=world.commune_a,
            write_unit=world.commune_a,
            password="canary-password-1",
        )
    return user


@out_of_scope_factory(User)
def user_in_a(world: World) -> User:
    return _canary_user(world)


@out_of_scope_factory(Assignment)
def assignment_in_a(world: World) -> Assignment:
    return _canary_user(world).assignments.get()


@out_of_scope_factory(ApiToken)
def token_of_a(world: World) -> ApiToken:
    user = _canary_user(world)
    token, _raw = actions.issue_token(actor=SYSTEM, user=user, name="CANARY-TOKEN")
    return token
