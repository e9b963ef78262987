"""Hostile input never makes a 500: property-based tests (Hypothesis) over every form on
every page, every query-string filter and every text part of a URL.

Forms are not listed by hand: each page of the permission matrix is opened as a person
who may see it, and the forms the page really shows (fields, hidden fields, options,
file inputs) are posted back with hostile values — huge strings, control characters,
NUL, odd Unicode, extreme numbers and dates, wrong types and missing fields — within a
fixed budget of examples per form. A new form is covered the day it appears on a page.
Each example runs in a savepoint that is rolled back, so examples do not depend on one
another and a failure replays exactly.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from urllib.parse import quote, urljoin, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.samples import make_samples
from tests.test_permission_matrix import LOGIN, MATRIX, OK, all_patterns

pytestmark = pytest.mark.django_db

# Examples per form and per page's query string; HOPE_FUZZ_EXAMPLES=500 for a long hunt.
EXAMPLES = int(os.environ.get("HOPE_FUZZ_EXAMPLES", "12"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI never flakes on a new one
    database=None,
    suppress_health_check=list(HealthCheck),
)
# The roles to try a page as, most powerful first; facilitators see their own forms too.
ROLE_PREFERENCE = ["coordinator", "finance", "workforce", "volunteer", "lived", "anonymous"]
SKIP_ACTIONS = {reverse("account_logout")}
# Query-string names any page might read.
COMMON_PARAMS = [
    "page", "date", "view", "venue", "programme", "from", "to", "year", "kind", "status",
    "when", "all", "next", "area", "action", "person", "since", "until", "q",
]  # fmt: skip

# Ordinary values by input type, so that one hostile field goes deep into the view.
PLAUSIBLE = {
    "date": timezone.localdate().isoformat(),
    "time": "10:00",
    "number": "1",
    "email": "someone@example.org",
    "password": "a-long-walk-by-the-canal",
    "tel": "01632 960000",
    "url": "https://example.org/",
}
# Tried in every field and every filter in turn, the others left ordinary.
NASTY = [
    "\x00", "9999-12-31", "0001-01-01", "99999999999999999999", "-1", "²", "x" * 5000,
    "1e309", "NaN", "", "=1+1", "24:00",
]  # fmt: skip

SPECIAL = [
    "", " ", "\x00", "a\x00b", "\r\n", "\t", "0", "-1", "1e309", "NaN", "inf", "-0",
    "99999999999999999999", "9" * 400, "²", "١٢", "٣.٥", "0001-01-01", "9999-12-31",
    "2100-12-31", "1999-12-31", "31/12/9999", "00:00", "24:00", "99:99", "25:61:61",
    "../../etc/passwd", "<script>alert(1)</script>", '"><img src=x>', "=1+1", "@SUM(A1)",
    "\u202e", "\ufeff", "\U0001f600" * 50, "x" * 5000, "null", "true", "[]", "{}",
    "javascript:alert(1)", "//evil.example", "https://evil.example/", "abc", "/%00",
]  # fmt: skip

HOSTILE = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x9F, categories=["Cc"]), max_size=4),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat),
    st.times().map(lambda t: t.isoformat()),
)
HOSTILE_FILES = st.builds(
    lambda head, body, name: SimpleUploadedFile(name, head + body),
    st.sampled_from([b"", b"%PDF-1.4\n", b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"<svg"]),
    st.binary(max_size=400),
    st.sampled_from(["receipt.pdf", "x.html", "\x00.png", "a" * 300 + ".jpg"]),
)


@dataclass
class Field:
    name: str
    kind: str  # "text", "file", "choice", "multi"
    options: list[str] = field(default_factory=list)
    ordinary: str = ""  # a plausible value, so the other fields reach the deep code paths


@dataclass
class Form:
    method: str
    action: str
    fields: dict[str, Field] = field(default_factory=dict)


class _Forms(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__()
        self.page_url = page_url
        self.forms: list[Form] = []
        self._current: Form | None = None
        self._select: Field | None = None

    def _add(self, name, kind, option=None, ordinary=""):
        if self._current is None or not name:
            return
        existing = self._current.fields.get(name)
        if existing is None:
            existing = self._current.fields[name] = Field(name, kind, ordinary=ordinary)
        elif kind in {"choice", "multi"} or existing.kind != "file":
            # The same name twice (checkbox groups, radio buttons): one field, many options.
            existing.kind = "multi" if kind == "multi" or existing.kind == "multi" else "choice"
        if option is not None:
            existing.options.append(option)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            action = urljoin(self.page_url, a.get("action") or self.page_url)
            self._current = Form((a.get("method") or "get").lower(), action)
            self.forms.append(self._current)
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind == "file":
                self._add(a.get("name"), "file")
            elif kind == "checkbox":
                value = a.get("value", "on")
                self._add(a.get("name"), "multi", value, ordinary=value)
            elif kind in {"radio", "hidden", "submit"}:
                value = a.get("value", "")
                self._add(a.get("name"), "choice", value, ordinary=value)
            else:
                ordinary = a.get("value") or PLAUSIBLE.get(kind, "Plain words")
                self._add(a.get("name"), "text", ordinary=ordinary)
        elif tag in {"textarea"}:
            self._add(a.get("name"), "text", ordinary="Plain words")
        elif tag == "button" and a.get("name"):
            self._add(a.get("name"), "choice", a.get("value", ""))
        elif tag == "select":
            kind = "multi" if "multiple" in a else "choice"
            self._add(a.get("name"), kind)
            self._select = self._current.fields.get(a.get("name")) if self._current else None
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select.options.append(value)
            if value and (not self._select.ordinary or "selected" in a):
                self._select.ordinary = value

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
        elif tag == "select":
            self._select = None


class _Links(HTMLParser):
    """Query-string names used by links back to the same page (filters, paging)."""

    def __init__(self, page_path: str):
        super().__init__()
        self.page_path = page_path
        self.names: set[str] = set()

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") if tag == "a" else None
        if href and "?" in href:
            parts = urlsplit(urljoin(self.page_path, href))
            if parts.path == self.page_path:
                self.names |= {pair.split("=")[0] for pair in parts.query.split("&") if pair}


def filters_on(html: str, page_path: str, forms: list[Form]) -> list[str]:
    links = _Links(page_path)
    links.feed(html)
    from_forms = {name for f in forms if f.method == "get" for name in f.fields}
    return sorted(links.names | from_forms)


def forms_on(html: str, page_url: str) -> list[Form]:
    parser = _Forms(page_url)
    parser.feed(html)
    return [f for f in parser.forms if urlsplit(f.action).path not in SKIP_ACTIONS]


def value_strategy(fld: Field):
    if fld.kind == "file":
        return HOSTILE_FILES
    ordinary = st.sampled_from(fld.options) if fld.options else st.just("")
    single = st.one_of(HOSTILE, ordinary)
    if fld.kind == "multi":
        return st.lists(single, min_size=1, max_size=3)
    return single


def data_strategy(fields: dict[str, Field]):
    """Each field hostile, ordinary or missing."""
    return st.fixed_dictionaries(
        {name: st.one_of(st.none(), value_strategy(fld)) for name, fld in fields.items()}
    ).map(lambda d: {k: v for k, v in d.items() if v is not None})


def query_strategy(names: list[str]):
    return st.dictionaries(st.sampled_from(names), HOSTILE, max_size=4)


def _send(client, method: str, url: str, data: dict):
    """One request inside a savepoint that is rolled back: every example starts afresh."""
    savepoint = transaction.savepoint()
    try:
        if method == "post":
            response = client.post(url, data)
        else:
            response = client.get(url, data)
        if response.streaming:
            b"".join(response.streaming_content)
        return response
    finally:
        transaction.savepoint_rollback(savepoint)


def _roles_for(case) -> list[str]:
    allowed = [r for r in ROLE_PREFERENCE if case.expect.get(r) == OK]
    chosen = allowed[:1]
    if "workforce" in allowed and "workforce" not in chosen:
        chosen.append("workforce")
    return chosen


def _assert_no_server_error(response, what: str):
    assert response.status_code < 500, f"{what} answered {response.status_code}"


GET_PAGES = sorted(key for key, case in MATRIX.items() if case.method == "get")
# Pages whose forms appear only for objects in a certain state: (page, sample, role).
STATEFUL_PAGES = [
    ("expenses:claim_detail", "submitted_expense", "finance"),
    ("expenses:claim_detail", "approved_expense", "finance"),
    # The pages that ask before destroying, and their forms.
    ("programmes:course_cancel", "course", "coordinator"),
    ("programmes:session_cancel", "session", "coordinator"),
    ("programmes:closure_delete", "closure", "coordinator"),
    ("facilitators:release", "claim", "workforce"),
    ("facilitators:mine", None, "workforce"),  # with the Undo of a claim just made
    ("facilitators:training_delete", "training", "coordinator"),
    ("expenses:claim_delete", "expense", "volunteer"),
    ("expenses:reject", "submitted_expense", "finance"),
    # The rides pages as the volunteer driver sees them: where they drive from and "Take
    # this ride" on the board, the pick-up time and cover on the ride they hold, giving it
    # back, and taking the ride nobody holds from its page. (Coordinators' forms, assign
    # and arrange, are on the pages above, opened as a coordinator.)
    ("programmes:ride_board", None, "volunteer"),
    ("programmes:rides_mine", None, "volunteer"),
    ("programmes:ride_detail", "ride", "volunteer"),
    ("programmes:ride_detail", "open_ride", "volunteer"),
    ("programmes:ride_release", "ride", "volunteer"),
    ("programmes:ride_release", "ride", "coordinator"),
]


@pytest.mark.parametrize("key", GET_PAGES)
def test_hostile_forms_and_filters_never_cause_a_server_error(client, personas, key):
    case = MATRIX[key]
    samples = make_samples(personas)
    url = reverse(key, kwargs={k: samples.get(v, v) for k, v in case.kwargs.items()})
    _fuzz_page(client, personas, url, _roles_for(case))


@pytest.mark.parametrize(("key", "sample", "role"), STATEFUL_PAGES)
def test_hostile_forms_on_pages_of_claims_waiting_for_finance(client, personas, key, sample, role):
    samples = make_samples(personas)
    _fuzz_page(client, personas, reverse(key, args=[samples[sample]] if sample else []), [role])


def _fuzz_page(client, personas, url: str, roles: list[str]) -> None:
    for role in roles:
        client.logout()
        if role != "anonymous":
            client.force_login(personas[role])
        page = client.get(url)
        forms = None
        if page.streaming:
            b"".join(page.streaming_content)  # reading to the end closes the file
        elif page.get("Content-Type", "").startswith("text/html"):
            forms = forms_on(page.content.decode(), url)
        filters = filters_on(page.content.decode(), url, forms) if forms is not None else []
        for name in filters:
            for value in NASTY:
                response = _send(client, "get", url, {name: value})
                _assert_no_server_error(response, f"GET {url} {name}={value[:40]!r}")

        @FUZZ
        @given(query=query_strategy(sorted(set(COMMON_PARAMS) | set(filters))))
        def query_string(query):
            _assert_no_server_error(_send(client, "get", url, query), f"GET {url} {query!r}")

        query_string()

        for form in forms or []:
            if form.fields:
                _sweep_form(client, form)
                _fuzz_form(client, form)


def _sweep_form(client, form: Form) -> None:
    """Each field in turn gets each NASTY value; the others keep ordinary values."""
    ordinary = {
        name: ([fld.ordinary] if fld.kind == "multi" else fld.ordinary)
        for name, fld in form.fields.items()
        if fld.kind != "file" and fld.ordinary
    }
    for name, fld in form.fields.items():
        for value in NASTY if fld.kind != "file" else []:
            data = {**ordinary, name: value}
            response = _send(client, form.method, form.action, data)
            _assert_no_server_error(
                response, f"{form.method.upper()} {form.action} {name}={value[:40]!r}"
            )


def _fuzz_form(client, form: Form) -> None:
    @FUZZ
    @given(data=data_strategy(form.fields))
    def submit(data):
        response = _send(client, form.method, form.action, data)
        _assert_no_server_error(response, f"{form.method.upper()} {form.action} {data!r}")

    submit()


def _text_parameters():
    """URL patterns with a text part (str, slug, token, path), and how to fill them."""
    for key, route, _pattern in all_patterns():
        if route.startswith("admin/"):
            continue
        names = re.findall(r"<(?:(\w+):)?(\w+)>", route)
        if any(converter in {"str", "slug", "token", "path", ""} for converter, _ in names):
            yield key, route


TEXT_ROUTES = sorted(dict(_text_parameters()).items())


@pytest.mark.parametrize(("key", "route"), TEXT_ROUTES, ids=[k for k, _ in TEXT_ROUTES])
def test_hostile_url_parts_never_cause_a_server_error(client, personas, key, route):
    samples = make_samples(personas)
    case = MATRIX[key]
    roles = [r for r in ROLE_PREFERENCE if case.expect.get(r) not in (LOGIN, None)][:1]
    client.force_login(personas[roles[0]]) if roles and roles[0] != "anonymous" else None

    @FUZZ
    @given(value=HOSTILE)
    def visit(value):
        def fill(match):
            converter, name = match.group(1) or "str", match.group(2)
            if converter == "int":
                return str(samples.get(case.kwargs.get(name), 1))
            return quote(value, safe="")

        path = "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)
        response = _send(client, case.method, path, {})
        _assert_no_server_error(response, f"{case.method.upper()} {path}")

    visit()
