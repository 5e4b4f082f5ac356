"""A small fuzzer for the HTML pages: it reads the forms a page shows (as a browser would),
then sends each form back with one field at a time replaced by malformed input — wrong
types, missing values, huge strings, NUL characters, invalid UUIDs, ids of units and objects
elsewhere, dates in the future or before 1900, broken uploads, the same value twice — and
the query strings of every GET form likewise.

It reports every answer of 500 or more, and every re-shown form that dropped what was
typed into a text field. The apps' ``test_robustness`` modules walk their own URLs with it;
it can also be run by hand against any app (see :func:`walk`).
"""

from __future__ import annotations

import io
import os
import re
import time
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from django.core.files.uploadedfile import SimpleUploadedFile

#: ``VUNGXANH_FUZZ=full`` sends every malformed value to every field (minutes per app, for a
#: run by hand); by default each field gets a quarter of them, a different one for each field
#: so that every kind of value still reaches the page, and huge strings are 12 kB, not 300.
FULL = os.environ.get("VUNGXANH_FUZZ", "").lower() == "full"
HUGE = "Ệ" * (100_000 if FULL else 4_000)  # 300 kB (12 kB) of UTF-8 in one field


def sample(values: list[Any], salt: int, every: int = 4) -> list[Any]:
    """All ``values`` in a full run; otherwise every ``every``-th one, starting at ``salt``
    (the field's position), so that consecutive fields get different values."""
    if FULL or len(values) <= every:
        return list(values)
    return [v for i, v in enumerate(values) if (i + salt) % every == 0]


TEXT_VALUES = [
    "",
    " ",
    HUGE,
    "a\x00b",
    "<script>alert(1)</script>",
    "%(x)s %s {0} ' OR 1=1 --",
    "１２３４５６",  # full-width digits
    "not-a-uuid",
    "-1",
    "99999999999999999999999",
    "2999-12-31",
    "1899-12-31",
    "31/02/2021",
]
NUMBER_VALUES = ["", "-1", "0", "1e309", "NaN", "abc", "99999999999999999999999", "1.5"]
DATE_VALUES = ["", "1899-12-31", "0001-01-01", "2999-12-31", "31/02/2021", "abc", "9999-99-99"]
CHOICE_VALUES = ["", "not-an-option", "-1", "0", "99999999999999999999999", "not-a-uuid"]


@dataclass
class Field:
    name: str
    kind: str  # text, hidden, number, date, radio, checkbox, select, textarea, file, …
    values: list[str] = field(default_factory=list)  # the values the page sends as is
    options: list[str] = field(default_factory=list)  # radio/select/checkbox choices
    multiple: bool = False


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, Field] = field(default_factory=dict)
    enctype: str = ""

    def baseline(self) -> dict[str, list[str]]:
        """What submitting the form unchanged sends."""
        data: dict[str, list[str]] = {}
        for f in self.fields.values():
            if f.kind == "file":
                continue
            if f.values:
                data[f.name] = list(f.values)
            elif f.kind in ("radio", "select") and f.options:
                data[f.name] = [next((o for o in f.options if o), f.options[0])]
        return data


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None
        self._option_value: str | None = None
        self._option_selected = False
        self._option_text = ""

    def _add(self, name: str, kind: str) -> Field:
        assert self._form is not None
        existing = self._form.fields.get(name)
        if existing is None:
            existing = self._form.fields[name] = Field(name, kind)
        return existing

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = Form(
                action=a.get("action", ""),
                method=a.get("method", "get").lower(),
                enctype=a.get("enctype", ""),
            )
            self.forms.append(self._form)
            return
        if self._form is None or "disabled" in a:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                return
            f = self._add(name, kind)
            value = a.get("value", "on" if kind in ("checkbox", "radio") else "")
            if kind in ("radio", "checkbox"):
                f.options.append(value)
                if "checked" in a:
                    f.values.append(value)
            elif kind != "file":
                f.values.append(value)
        elif tag == "select" and name:
            self._select = self._add(name, "select")
            self._select.multiple = "multiple" in a
        elif tag == "option" and self._select is not None:
            self._option_value = a.get("value")
            self._option_selected = "selected" in a
            self._option_text = ""
        elif tag == "textarea" and name:
            self._textarea = self._add(name, "textarea")
            self._textarea.values.append("")
        elif tag == "button" and name and a.get("type", "submit") == "submit":
            f = self._add(name, "button")
            f.options.append(a.get("value", ""))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.values[-1] += data
        if self._option_value is None and self._select is not None:
            self._option_text += data

    def _end_option(self) -> None:
        if self._select is None:
            return
        value = self._option_value
        if value is None:
            value = self._option_text.strip()
        self._select.options.append(value)
        if self._option_selected:
            self._select.values.append(value)
        self._option_value = None
        self._option_selected = False
        self._option_text = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "option":
            self._end_option()
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._form = None


def parse_forms(html: str, page_url: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    for form in parser.forms:
        form.action = urljoin(page_url, form.action or page_url)
    return parser.forms


# --- broken uploads --------------------------------------------------------------------------


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def bad_uploads() -> list[tuple[str, str, bytes]]:
    """(label, file name, content) of files that must be refused with a message."""
    return [
        ("empty csv", "a.csv", b""),
        ("latin-1 csv", "a.csv", "full_name,birth\nNguy\xe9n,1980\n".encode("latin-1")),
        ("cp1258 csv", "a.csv", b"full_name;birth\r\nNguy\xd2n V\xe3n,1980\r\n\xff\xfe\x00"),
        ("utf-16 csv", "a.csv", "full_name,birth\nAn,1980\n".encode("utf-16")),
        ("nul bytes csv", "a.csv", b"full_name,birth\x00\nA\x00n,19\x0080\n"),
        ("unbalanced quotes", "a.csv", b'full_name,birth\n"An,1980\n"B,"1981\n'),
        ("header only", "a.csv", b"full_name,birth\n"),
        ("no header", "a.csv", b",,,\n1,2,3\n"),
        ("huge cell", "a.csv", b"full_name,birth\n" + b"A" * 200_000 + b",1980\n"),
        ("garbage xlsx", "a.xlsx", b"PK\x03\x04 this is not a workbook"),
        ("zip without workbook", "a.xlsx", _zip({"hello.txt": b"hi"})),
        ("csv named xlsx", "a.xlsx", b"full_name,birth\nAn,1980\n"),
        ("xlsx named csv", "a.csv", _zip({"[Content_Types].xml": b"<x/>"})),
        ("wrong extension", "a.exe", b"MZ\x90\x00"),
        ("no extension", "upload", b"full_name,birth\nAn,1980\n"),
    ]


# --- the walk --------------------------------------------------------------------------------


@dataclass
class Finding:
    method: str
    url: str
    what: str
    status: int
    detail: str = ""

    def __str__(self) -> str:
        extra = f" ({self.detail})" if self.detail else ""
        return f"{self.method} {self.url} [{self.what}] -> {self.status}{extra}"


HIDDEN_VALUES = ["", "not-a-uuid", HUGE, "a\x00b", "-1", "99999999999999999999999"]


def _values_for(
    f: Field, extra_choices: Iterable[str], salt: int = 0
) -> list[tuple[str, list[str]]]:
    """(label, values) mutations of one field (a :func:`sample` of them unless FULL)."""
    if f.kind in ("number", "range"):
        plain = NUMBER_VALUES
    elif f.kind in ("date", "datetime-local", "month", "week", "time"):
        plain = DATE_VALUES
    elif f.kind in ("radio", "checkbox", "button"):
        plain = CHOICE_VALUES
    elif f.kind == "select":
        plain = [*CHOICE_VALUES, *extra_choices]
    elif f.kind == "hidden":
        plain = [*HIDDEN_VALUES, *extra_choices]
    else:
        plain = [*TEXT_VALUES, *extra_choices]
    plain = sample(list(plain), salt)
    out = [(repr(v[:20]) + (f"…({len(v)})" if len(v) > 20 else ""), [v]) for v in plain]
    out.append(("missing", []))
    first = f.values[0] if f.values else (f.options[0] if f.options else "x")
    out.append(("twice", [first, "other"]))
    return out


def _is_error(status: int) -> bool:
    return status >= 500


def _post(client: Any, url: str, data: dict[str, list[str]], files: dict[str, Any]) -> Any:
    payload: dict[str, Any] = dict(data)
    payload.update(files)
    return client.post(url, payload)


_REFUSED = re.compile(r'class="(?:[^"]* )?(?:error|form-errors|has-error)[ "]')


def _typed_value_kept(response: Any, url: str, name: str, value: str) -> bool:
    """After a refused submission that shows the form again (with an error), the field
    still holds what was typed (only checked for short printable text)."""
    if response.status_code not in (200, 400) or "text/html" not in response.get(
        "Content-Type", ""
    ):
        return True
    html = response.content.decode(errors="replace")
    if not _REFUSED.search(html):
        return True  # accepted (a page that shows a new, empty form)
    forms = parse_forms(html, url)
    for form in forms:
        f = form.fields.get(name)
        if f is not None and f.kind in ("text", "textarea", "search", "tel", "email"):
            return value in f.values or value.strip() in [v.strip() for v in f.values]
    return True


def check_form(
    client: Any,
    page_url: str,
    form: Form,
    *,
    extra_choices: Iterable[str] = (),
    reset: Callable[[], None] | None = None,
    fresh_fields: Iterable[str] = (),
) -> list[Finding]:
    """Send ``form`` back with each field malformed in turn; return what went wrong.
    ``fresh_fields`` (one-time keys against double submits) get a new UUID in every request
    where they are not the field being malformed."""
    findings: list[Finding] = []
    extra = list(extra_choices)
    base = form.baseline()
    file_fields = [f.name for f in form.fields.values() if f.kind == "file"]
    fresh = [name for name in fresh_fields if name in form.fields]

    def send(label: str, data: dict[str, list[str]], files: dict[str, Any] | None = None) -> Any:
        data = dict(data)
        for name in fresh:
            if not label.startswith(f"{name}="):
                data[name] = [str(uuid.uuid4())]
        if form.method == "post":
            response = _post(client, form.action, data, files or {})
        else:
            response = client.get(form.action, data)
        if _is_error(response.status_code):
            findings.append(
                Finding(
                    form.method.upper(), form.action, label, response.status_code, str(data)[:300]
                )
            )
        if reset is not None:
            reset()
        return response

    send("as shown", base)
    send("empty", {})
    seen: set[tuple[str, str]] = set()
    for f in form.fields.values():
        if f.kind == "file" or f.name == "csrfmiddlewaretoken":
            continue
        # The same question asked of each member of a household (m0-q_x, m1-q_x…): once.
        shape = (re.sub(r"^[a-z]+[0-9]+-", "", f.name), f.kind)
        if shape in seen:
            continue
        seen.add(shape)
        for label, values in _values_for(f, extra, salt=len(seen)):
            data = dict(base)
            if values:
                data[f.name] = values
            else:
                data.pop(f.name, None)
            response = send(f"{f.name}={label}", data)
            typed = values[0] if len(values) == 1 else ""
            if (
                form.method == "post"
                and f.kind in ("text", "textarea", "search", "tel", "email")
                and 0 < len(typed) <= 40
                and typed.isprintable()
                and typed.strip()
                and not _typed_value_kept(response, form.action, f.name, typed)
            ):
                findings.append(
                    Finding("POST", form.action, f"{f.name}={typed!r} lost", response.status_code)
                )
    for name in file_fields:
        for label, filename, content in bad_uploads():
            upload = SimpleUploadedFile(filename, content, content_type="application/octet-stream")
            send(f"{name}: {label}", base, {name: upload})
    if form.method == "post":
        # Bytes that are not UTF-8, raw (not percent-encoded) and percent-encoded.
        for label, body in (
            ("raw non-UTF-8 body", b"\xff\xfe\xfa=\xc3\x28&x=\xa0\xa1"),
            ("percent-encoded non-UTF-8", urlencode(_flat(base)).encode() + b"&q=%ff%fe%c3%28"),
        ):
            response = client.post(
                form.action, data=body, content_type="application/x-www-form-urlencoded"
            )
            if _is_error(response.status_code):
                findings.append(Finding("POST", form.action, label, response.status_code))
            if reset is not None:
                reset()
    return findings


def _flat(data: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, values in data.items() for v in values]


def check_query(
    client: Any, url: str, names: Iterable[str] = ("q", "page", "unit")
) -> list[Finding]:
    """GET ``url`` with malformed query parameters (beyond the forms a page shows)."""
    findings = []
    for salt, name in enumerate(names):
        for value in sample(["", HUGE, "a\x00b", "not-a-uuid", "%ff", "0", "-5", "1" * 30], salt):
            response = client.get(url, {name: value})
            if _is_error(response.status_code):
                findings.append(Finding("GET", url, f"{name}={value[:20]!r}", response.status_code))
    response = client.get(url + "?%ff%fe=%c3%28&page=%ff")
    if _is_error(response.status_code):
        findings.append(Finding("GET", url, "non-UTF-8 query", response.status_code))
    return findings


def check_page(
    client: Any,
    url: str,
    *,
    extra_choices: Iterable[str] = (),
    reset: Callable[[], None] | None = None,
    skip_actions: Iterable[str] = (),
    fresh_fields: Iterable[str] = (),
) -> list[Finding]:
    """GET a page, then fuzz its query string and every form on it."""
    response = client.get(url)
    if _is_error(response.status_code):
        return [Finding("GET", url, "as is", response.status_code)]
    if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
        return check_query(client, url)
    host = "http://testserver"
    page_url = urljoin(host, url)
    skipped = [re.compile(s) for s in skip_actions]
    forms = parse_forms(response.content.decode(errors="replace"), page_url)
    in_forms = {name for form in forms if form.method == "get" for name in form.fields}
    findings = check_query(client, url, [n for n in ("q", "page", "unit") if n not in in_forms])
    for form in forms:
        path = urlsplit(form.action).path
        if urlsplit(form.action).netloc not in ("", "testserver"):
            continue
        if path.startswith(("/i18n/", "/accounts/logout/")) or any(s.search(path) for s in skipped):
            continue
        form.action = path + (
            f"?{urlsplit(form.action).query}" if urlsplit(form.action).query else ""
        )
        findings += check_form(
            client, url, form, extra_choices=extra_choices, reset=reset, fresh_fields=fresh_fields
        )
    return findings


def walk(client: Any, urls: Iterable[str], **kwargs: Any) -> list[Finding]:
    """Fuzz every page of ``urls``; a server error is reported, not raised."""
    client.raise_request_exception = False
    findings: list[Finding] = []
    for url in urls:
        started = time.monotonic()
        findings += check_page(client, url, **kwargs)
        if os.environ.get("FUZZ_TIMING"):
            print(f"fuzz {time.monotonic() - started:6.1f} s  {url}")  # noqa: T201
    return findings


def random_ids() -> Iterator[str]:
    while True:
        yield str(uuid.uuid4())


def field_value(html: str, name: str) -> str:
    """The value a page's form gives the field ``name`` (the first one found)."""
    for form in parse_forms(html, "http://testserver/"):
        f = form.fields.get(name)
        if f is not None and f.values:
            return f.values[0]
    raise AssertionError(f"the page has no field {name!r} with a value")
