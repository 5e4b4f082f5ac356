"""Malformed input for every page of an app: each URL of its URLconf is requested (GET with
garbage query strings, POST with every form field set to wrong types, huge strings, invalid
UUIDs, other units' ids, dates in the future or the far past, NUL characters, and files of
bytes that are not UTF-8), as officials in and out of scope. Nothing may answer 5xx.

Where :mod:`vungxanh.core.tests.fuzz` reads the forms a page shows, this walks an app's
URLconf, so it reaches the endpoints no page links to. Used by the robustness tests of cases
and labs (``fuzz_app``, ``mutate``); each failure is reported with the URL, the input and the
exception. By default each endpoint and field gets a rotating quarter of the values
(:func:`vungxanh.core.tests.fuzz.sample`; ``VUNGXANH_FUZZ=full`` sends them all)."""

from __future__ import annotations

import inspect
import io
import re
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

HUGE = "Đ" * 3_000  # per field: the whole form stays under the upload limits
# By default a rotating quarter of the values per field and endpoint (VUNGXANH_FUZZ=full: all).
from vungxanh.core.tests.fuzz import sample  # noqa: E402

NOT_UTF8 = b"\xff\xfe\x00code,result\r\n\xc3\x28,\x80\x81\r\n"


def form_field_names(*modules: Any) -> set[str]:
    """Every field name of every form class in these modules."""
    names: set[str] = set()
    for module in modules:
        for _name, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, forms.BaseForm) and obj.__module__ == module.__name__:
                names.update(getattr(obj, "base_fields", {}))
    return names


def bad_values(other_unit_id: int, other_object_id: str) -> list[Any]:
    """One wrong value of each kind."""
    return [
        "abc",
        "-1",
        "99999999999999999999999",
        "1e999999",
        "NaN",
        HUGE,
        "not-a-uuid",
        "00000000-0000-0000-0000-000000000000",
        other_object_id,
        str(other_unit_id),
        "9999-12-31",
        "0001-01-01T00:00",
        "1899-12-31",
        "2999-01-01T08:00",
        "a\x00b",
        "<script>alert(1)</script>",
        ["1", "2"],
        "",
    ]


def payloads(
    fields: Iterable[str], other_unit_id: int, other_object_id: str
) -> list[dict[str, Any]]:
    """Bodies that set every field at once to one kind of wrong value."""
    fields = sorted(set(fields) | {"person", "decision", "note", "next", "lab", "run", "task"})
    bodies: list[dict[str, Any]] = [{}]
    for value in bad_values(other_unit_id, other_object_id):
        bodies.append(dict.fromkeys(fields, value))
    return bodies


def mutate(client: Client, url: str, baseline: dict[str, Any], values: list[Any]) -> list[str]:
    """POST a valid form with one field at a time missing or set to each wrong value, so
    that the wrong value reaches the deeper checks (the action) and not only the first field
    the form rejects. The failures (5xx or an exception), with the input."""
    failures: list[str] = []
    bodies: list[dict[str, Any]] = []
    for salt, field in enumerate(baseline):
        bodies.append({k: v for k, v in baseline.items() if k != field})
        bodies += [{**baseline, field: value} for value in sample(values, salt)]
    for body in bodies:
        try:
            response = client.post(url, body)
        except Exception as exc:
            tail = "".join(traceback.format_exception(exc)[-3:])
            failures.append(f"POST {url} {_show(body)}: {tail}")
            continue
        STATS[response.status_code] = STATS.get(response.status_code, 0) + 1
        if response.status_code >= 500:
            failures.append(f"POST {url} {_show(body)}: {response.status_code}")
    return failures


QUERIES = [
    "?page=abc",
    "?page=-1&page_size=0",
    "?page=999999999999999999999",
    "?page_size=99999999999",
    "?q=" + "%00%FF" * 10,
    "?status=zzz&result=zzz&reason=zzz&kind=zzz&classification=zzz",
    "?date_from=abc&date_to=9999-99-99&since=0001-01-01&until=31/02/2021",
    "?day=9999-12-31",
    "?day=0001-01-01&date=0001-01-01",
    "?unit=not-a-uuid&lab=not-a-uuid&site=-1&person=00000000-0000-0000-0000-000000000000",
    "?offset=abc&batch=../../etc/passwd&task=not-a-uuid&run=zz",
    "?q=" + "x" * 5_000,
]


def files() -> list[dict[str, Any]]:
    """Uploads: bytes that are not UTF-8, an Excel file that is not one, an empty file."""
    return [
        {"file": SimpleUploadedFile("ket-qua.csv", NOT_UTF8, content_type="text/csv")},
        {
            "file": SimpleUploadedFile(
                "ket-qua.xlsx",
                b"PK\x03\x04 not really a zip " + bytes(range(256)),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        },
        {"file": SimpleUploadedFile("rong.csv", b"", content_type="text/csv")},
        {"file": io.BytesIO(b"\x00" * 1024)},
    ]


STATS: dict[int, int] = {}


@dataclass
class Endpoint:
    name: str
    kwargs: list[str]
    callback: Any


def endpoints(namespace: str) -> list[Endpoint]:
    found: list[Endpoint] = []

    def walk(patterns: Any, ns: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or ns)
            elif isinstance(p, URLPattern) and p.name and ns == namespace:
                found.append(
                    Endpoint(f"{ns}:{p.name}", sorted(p.pattern.regex.groupindex), p.callback)
                )

    walk(get_resolver().url_patterns, "")
    return found


def fuzz_app(
    client: Client,
    namespace: str,
    objects: dict[Any, Any],
    bodies: list[dict[str, Any]],
    *,
    post: bool = True,
) -> list[str]:
    """Request every URL of ``namespace`` with malformed input; the failures (5xx or an
    exception), each with the URL, the input and the traceback's last lines."""
    failures: list[str] = []
    for salt, endpoint in enumerate(endpoints(namespace)):
        kwargs = {}
        if "public_id" in endpoint.kwargs:
            obj = objects.get(getattr(endpoint.callback, "scoped_model", None))
            if obj is None:
                continue
            kwargs["public_id"] = str(obj.public_id)
        url = reverse(endpoint.name, kwargs=kwargs)
        requests: list[tuple[str, str, Any]] = [
            ("get", url + q, None) for q in ["", *sample(QUERIES, salt)]
        ]
        if post:
            requests += [("post", url, body) for body in [bodies[0], *sample(bodies[1:], salt)]]
            requests += [("post", url, body) for body in files()]
            requests.append(("post", url + "?" + "&".join(QUERIES).replace("?", ""), {}))
        for method, target, data in requests:
            try:
                response = getattr(client, method)(target, data or {})
            except Exception as exc:
                tail = "".join(traceback.format_exception(exc)[-3:])
                failures.append(f"{method.upper()} {target} {_show(data)}: {tail}")
                continue
            STATS[response.status_code] = STATS.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                failures.append(f"{method.upper()} {target} {_show(data)}: {response.status_code}")
    return failures


def _show(data: Any) -> str:
    text = repr({k: (v[:40] if isinstance(v, str) else v) for k, v in (data or {}).items()})
    return re.sub(r"\s+", " ", text)[:300]
