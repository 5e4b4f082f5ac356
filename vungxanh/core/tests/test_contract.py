"""The jurisdiction contract, checked on every registered URL (HTML and API), so that an
endpoint added later is covered without anyone remembering to add a test:

* every endpoint that is not explicitly public sends anonymous visitors to the login page
  (HTML) or answers 401/403 (API);
* every endpoint that names an object by ``public_id`` answers 404 to officials of
  district B for an object that lies in district A (GET and POST);
* no list or page shown to district B officials mentions any district-A object (its id or
  its CANARY name).

An endpoint the test cannot classify fails the test with a message saying what to add.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from vungxanh.testing import load_all_factories

# URL names anyone may open without logging in (besides views marked @public_view).
PUBLIC = {
    "healthz",
    "set_language",
    "javascript-catalog",
    "accounts:login",
    "api-schema",
    "api-docs",
    "api-root",
}
# Operators' Django admin: staff only, checked separately below.
SKIP_NAMESPACES = {"admin"}
# Sample values for URL arguments that are not object ids.
SAMPLE_KWARGS = {"what": "populations"}
OUT_OF_SCOPE_PERSONAS = ["district_b", "commune_b", "lab_tech_b"]


@dataclass
class Endpoint:
    name: str
    route: str
    callback: Any
    kwargs: list[str]

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")


def _route(pattern: Any) -> str:
    return str(pattern.pattern).lstrip("^").rstrip("$")


def iter_endpoints(patterns: Any = None, prefix: str = "", namespace: str = "") -> list[Endpoint]:
    out: list[Endpoint] = []
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or ""
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            out.extend(iter_endpoints(p.url_patterns, prefix + _route(p), full_ns))
        elif isinstance(p, URLPattern):
            if not p.name:
                continue
            route = prefix + _route(p)
            kwargs = sorted(p.pattern.regex.groupindex)
            name = f"{namespace}:{p.name}" if namespace else p.name
            out.append(Endpoint(name, route, p.callback, kwargs))
    return out


def model_of(endpoint: Endpoint) -> Any:
    model = getattr(endpoint.callback, "scoped_model", None)
    if model is not None:
        return model
    cls = getattr(endpoint.callback, "cls", None)
    queryset = getattr(cls, "queryset", None)
    return getattr(queryset, "model", None)


def build_url(endpoint: Endpoint, public_id: str | None = None) -> str:
    from django.urls import reverse

    kwargs: dict[str, str] = {}
    for key in endpoint.kwargs:
        if key == "public_id":
            assert public_id is not None
            kwargs[key] = public_id
        elif key in SAMPLE_KWARGS:
            kwargs[key] = SAMPLE_KWARGS[key]
        elif key == "format":
            continue
        else:
            raise AssertionError(
                f"{endpoint.name} ({endpoint.route}) takes {key!r}: add a sample value to "
                "SAMPLE_KWARGS or name the object by public_id"
            )
    return re.sub(r"/\?$", "/", reverse(endpoint.name, kwargs=kwargs))


def is_public(endpoint: Endpoint) -> bool:
    if endpoint.name in PUBLIC:
        return True
    cls = getattr(endpoint.callback, "cls", None)
    return bool(getattr(endpoint.callback, "is_public", False) or getattr(cls, "is_public", False))


def checked_endpoints() -> list[Endpoint]:
    return [
        e
        for e in iter_endpoints()
        if not is_public(e) and e.name.split(":")[0] not in SKIP_NAMESPACES
    ]


@pytest.fixture
def canaries(world):
    """One district-A object per registered model."""
    return {model: make(world) for model, make in load_all_factories().items()}


def test_every_endpoint_is_classified():
    endpoints = iter_endpoints()
    assert any(e.name == "geo:adminunit-detail" for e in endpoints)
    for e in checked_endpoints():
        if "public_id" in e.kwargs:
            assert model_of(e) is not None, (
                f"{e.name} names an object: decorate its view with @object_view(Model)"
            )


def anonymous_violations(client: Any, canaries: dict[Any, Any]) -> list[str]:
    """Endpoints that do not send an anonymous visitor away."""
    found = []
    for e in checked_endpoints():
        public_id = None
        if "public_id" in e.kwargs:
            public_id = str(canaries[model_of(e)].public_id)
        url = build_url(e, public_id)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            code = response.status_code
            if e.is_api:
                ok = code in {401, 403, 405}
            else:
                ok = code == 405 or (
                    code == 302 and response["Location"].startswith("/accounts/login/")
                )
            if not ok:
                found.append(f"{method.upper()} {url} -> {code}")
    return found


def object_violations(client: Any, canaries: dict[Any, Any], persona: str) -> list[str]:
    """Object endpoints that do not answer 404 for an object outside the persona's scope."""
    found = []
    for e in checked_endpoints():
        if "public_id" not in e.kwargs:
            continue
        model = model_of(e)
        if model not in canaries:
            found.append(
                f"{e.name}: register an out-of-scope factory (tests/factories.py, "
                f"@out_of_scope_factory) for {model.__name__}"
            )
            continue
        url = build_url(e, str(canaries[model].public_id))
        for method in ("get", "post"):
            code = getattr(client, method)(url).status_code
            if code not in {404, 405}:
                found.append(f"{persona} {method.upper()} {url} -> {code}")
    return found


def canary_markers(canaries: dict[Any, Any]) -> set[str]:
    markers = set()
    for obj in canaries.values():
        markers.add(str(obj.public_id))
        for field in ("name", "label", "full_name", "username"):
            value = getattr(obj, field, "")
            if isinstance(value, str) and "CANARY" in value:
                markers.add(value)
    return markers


def list_leaks(client: Any, canaries: dict[Any, Any], persona: str) -> list[str]:
    """Pages and lists (no object in the URL) that mention an object outside scope."""
    markers = canary_markers(canaries)
    found = []
    for e in checked_endpoints():
        if "public_id" in e.kwargs:
            continue
        url = build_url(e)
        for query in ("", "?q=CANARY", "?page_size=500"):
            response = client.get(url + query)
            if response.status_code >= 500:
                found.append(f"{persona} GET {url + query} -> {response.status_code}")
                continue
            body = response.content.decode(errors="replace")
            leaked = sorted(m for m in markers if m in body)
            if leaked:
                found.append(f"{persona} GET {url + query} shows {leaked}")
    return found


def test_anonymous_is_sent_to_login(client, world, canaries):
    assert anonymous_violations(client, canaries) == []


@pytest.mark.parametrize("persona", OUT_OF_SCOPE_PERSONAS)
def test_objects_outside_scope_answer_404(client, world, canaries, persona):
    client.force_login(world.user(persona))
    assert object_violations(client, canaries, persona) == []


@pytest.mark.parametrize("persona", OUT_OF_SCOPE_PERSONAS)
def test_pages_and_lists_never_mention_objects_outside_scope(client, world, canaries, persona):
    client.force_login(world.user(persona))
    assert list_leaks(client, canaries, persona) == []


def test_the_contract_catches_a_leaky_endpoint(client, world, canaries, settings):
    """Proof that the checks above can fail: a URLconf with endpoints that forget
    restrict() (vungxanh/core/tests/leaky_urls.py) is reported on all three counts."""
    settings.ROOT_URLCONF = "vungxanh.core.tests.leaky_urls"
    client.force_login(world.user("district_b"))
    assert any("/leaky/units/" in v for v in object_violations(client, canaries, "district_b"))
    assert any("/leaky/units/" in v for v in list_leaks(client, canaries, "district_b"))
    client.logout()
    assert any("/leaky/units/" in v for v in anonymous_violations(client, canaries))


def test_officials_in_scope_do_see_the_canaries(client, world, canaries):
    """The contract above must be able to fail: district A sees the same objects."""
    from vungxanh.accounts.models import User
    from vungxanh.geo.models import AdminUnit

    village = canaries[AdminUnit]
    client.force_login(world.user("district_a"))
    assert client.get(f"/units/{village.public_id}/").status_code == 200
    client.force_login(world.user("province_admin"))
    user = canaries[User]
    assert client.get(f"/accounts/users/{user.public_id}/").status_code == 200
    assert "CANARY-USER" in client.get("/accounts/users/?q=canary").content.decode()


def test_django_admin_is_for_operators_only(client, world):
    client.force_login(world.user("province_admin"))
    response = client.get("/ops/admin/")
    assert response.status_code == 302
    assert "/ops/admin/login/" in response["Location"]


def _holds_a_person(model: Any) -> bool:
    from vungxanh.people.models import Household, Person

    if model in (Person, Household):
        return True
    return any(
        getattr(field, "related_model", None) is Person and not field.auto_created
        for field in model._meta.get_fields()
    )


def test_api_reads_of_personal_records_are_audited():
    """Every API list or record naming a person leaves the trace its page leaves."""
    from vungxanh.api import router
    from vungxanh.core.api import AuditedReadsMixin

    personal = {
        prefix: viewset
        for prefix, viewset, _basename in router.registry
        if getattr(viewset, "queryset", None) is not None
        and _holds_a_person(getattr(viewset, "queryset").model)  # noqa: B009
        and (hasattr(viewset, "list") or hasattr(viewset, "retrieve"))  # not upload-only
    }
    assert {"persons", "households", "cases", "tracing-tasks", "labs/samples"} <= set(personal)
    unaudited = sorted(p for p, v in personal.items() if not issubclass(v, AuditedReadsMixin))
    assert unaudited == []
