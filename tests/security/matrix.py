"""The permission matrix's machinery: walk the URL configuration, fill patterns with real
ids, sign in as each role, decode what comes back and look for people who must not be in it.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from .world import Person, Target

# Tables a refused request may write to without having changed anyone's data.
HARMLESS_TABLES = frozenset({"django_session", "wagtailadmin_editingsession"})


@dataclass(frozen=True)
class Pattern:
    """One URL pattern with the chain of includes that leads to it."""

    key: str  # unique: the full route string, "#2" appended for a repeated one
    route: str
    name: str
    chain: tuple  # (URLResolver..., URLPattern)

    @property
    def pattern(self) -> URLPattern:
        return self.chain[-1]

    @property
    def converters(self) -> dict:
        found = {}
        for item in self.chain:
            if isinstance(item.pattern, RoutePattern):
                found.update(item.pattern.converters)
        return found

    @property
    def view_label(self) -> str:
        callback = self.pattern.callback
        view_class = getattr(callback, "view_class", None)
        if view_class is not None:
            return f"{view_class.__module__}.{view_class.__qualname__}"
        return f"{callback.__module__}.{getattr(callback, '__qualname__', callback)}"


def url_patterns() -> list[Pattern]:
    """Every URL pattern reachable from the root URLconf, in resolution order."""
    found: list[Pattern] = []
    seen: dict[str, int] = {}

    def walk(resolver: URLResolver, prefix: str, namespace: str, chain: tuple) -> None:
        for item in resolver.url_patterns:
            if isinstance(item, URLResolver):
                ns = namespace
                if item.namespace:
                    ns = f"{namespace}:{item.namespace}" if namespace else item.namespace
                walk(item, prefix + str(item.pattern), ns, chain + (item,))
            else:
                route = prefix + str(item.pattern)
                seen[route] = seen.get(route, 0) + 1
                key = route if seen[route] == 1 else f"{route} #{seen[route]}"
                name = item.name or ""
                if name and namespace:
                    name = f"{namespace}:{name}"
                found.append(Pattern(key, route, name, chain + (item,)))

    walk(get_resolver(), "", "", ())
    return found


_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<parameter>[^>]+)>")


def build_path(pattern: Pattern, kwargs: dict) -> str:
    """The path for ``pattern`` with ``kwargs`` filled in (``path`` overrides everything)."""
    if "path" in kwargs:
        return kwargs["path"]
    parts = []
    for item in pattern.chain:
        if isinstance(item.pattern, RoutePattern):
            route = item.pattern._route
            converters = item.pattern.converters

            def fill(match, converters=converters):
                name = match["parameter"]
                if name not in kwargs:
                    raise KeyError(f"{pattern.key}: no value for <{name}>")
                return str(converters[name].to_url(kwargs[name]))

            parts.append(_ROUTE_PARAM.sub(fill, route))
        elif isinstance(item.pattern, RegexPattern):
            regex = item.pattern._regex.lstrip("^").rstrip("$")
            if re.search(r"[()\[\]*+?\\|{}]", regex):
                raise KeyError(f"{pattern.key}: a regex pattern needs an explicit 'path'")
            parts.append(regex)
    return "/" + "".join(parts)


# --- signing in --------------------------------------------------------------------------------


def signed_in_client(user, *, staff: bool) -> Client:
    """A client whose session has passed allauth's login, with the second factor for staff
    (allauth's record of the authentication methods, as its login flow leaves it)."""
    from tests.factories import record_login_methods

    client = Client(raise_request_exception=False)
    if user is None:
        return client
    client.force_login(user)
    record_login_methods(client, user, mfa=staff)
    return client


# --- reading responses -------------------------------------------------------------------------


# weasyprint takes seconds to lay out and subset the CJK fonts of each PDF, and the matrix
# asks for a few hundred. Each PDF template is rendered for real once (and read back with
# pypdf like any download); after that a request gets the HTML that weasyprint would have
# laid out, marked so, and that text is searched instead.
HTML_STANDING_IN_FOR_PDF = b"%PDF-MATRIX-HTML\n"


class PdfShortcut:
    def __init__(self):
        self.real: set[str] = set()
        self.rendered = 0
        self.shortcut = 0

    def install(self, monkeypatch) -> None:
        from django.template.loader import render_to_string

        import certification.pdf
        import certification.pdf_hr

        original = certification.pdf.render_pdf

        def render_pdf(template, context, *, font_config=None):
            if template not in self.real:
                self.real.add(template)
                self.rendered += 1
                return original(template, context, font_config=font_config)
            self.shortcut += 1
            return HTML_STANDING_IN_FOR_PDF + render_to_string(template, context).encode()

        monkeypatch.setattr(certification.pdf, "render_pdf", render_pdf)
        monkeypatch.setattr(certification.pdf_hr, "render_pdf", render_pdf)


def response_bytes(response) -> bytes:
    if hasattr(response, "body_bytes"):
        return response.body_bytes
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def decoded_text(data: bytes, content_type: str, filename: str = "") -> str:
    """Text of a body: HTML/JSON/CSV as text, xlsx cells, PDF text, each zip member."""
    content_type = content_type.lower()
    lower = filename.lower()
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "xl/workbook.xml" in archive.namelist() or lower.endswith(".xlsx"):
                return _xlsx_text(data)
            return "\n".join(
                f"[{member}]\n" + decoded_text(archive.read(member), "", member)
                for member in archive.namelist()
            )
    if data.startswith(HTML_STANDING_IN_FOR_PDF):
        return data[len(HTML_STANDING_IN_FOR_PDF) :].decode()
    if data[:5] == b"%PDF-" or "pdf" in content_type or lower.endswith(".pdf"):
        return _pdf_text(data)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _xlsx_text(data: bytes) -> str:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    lines = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            lines.append("\t".join("" if v is None else str(v) for v in row))
    book.close()
    return "\n".join(lines)


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def searchable_text(response) -> str:
    """Everything of a response a person could read: headers, redirect target and body."""
    disposition = response.get("Content-Disposition", "")
    filename = ""
    match = re.search(r"filename\*?=(?:UTF-8'')?\"?([^\";]+)", disposition)
    if match:
        from urllib.parse import unquote

        filename = unquote(match.group(1))
    headers = "\n".join(f"{k}: {v}" for k, v in response.items())
    body = decoded_text(response_bytes(response), response.get("Content-Type", ""), filename)
    from urllib.parse import unquote

    return f"{unquote(headers)}\n{filename}\n{body}"


# --- the outcome of one request ----------------------------------------------------------------


@dataclass
class Outcome:
    pattern: str
    role: str
    target: str
    method: str
    url: str
    status: int
    refused: bool
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


def is_refusal(response, *, role: str) -> bool:
    """A refusal: 4xx, or a redirect to a login, MFA or admin-home page (Wagtail's way of
    saying "permission denied"), never a page's content."""
    status = response.status_code
    if status in (400, 401, 403, 404, 405, 410, 429):
        return True
    if status in (301, 302, 303, 307, 308):
        location = response.get("Location", "")
        path = location.split("?")[0].replace("http://testserver", "")
        if path in {settings.LOGIN_URL, "/accounts/login/", "/admin/login/"}:
            return True
        if path.startswith("/accounts/2fa/"):
            return True
        if path in {"/admin/", "/"} and role != "anonymous":
            return True
    return False


def leaks(
    text: str,
    *,
    people: dict[int, Person],
    visible: set[int],
    tolerated_names: set[int],
    staff_viewer: bool,
) -> list[str]:
    """What of which person outside ``visible`` the text shows.

    Staff viewers may see other staff members' names and employee numbers (audit history
    names who did what); never their ID numbers, phones or e-mails. ``tolerated_names``:
    people whose name alone this page may show (a public verification shows the holder).
    Full national ID numbers are never shown, even of people in scope.
    """
    found = []
    for pk, person in people.items():
        if pk in visible:
            if person.national_id in text:
                found.append(f"full national ID of in-scope {person.name} ({person.national_id})")
            continue
        for what, marker in person.markers():
            if marker not in text:
                continue
            if what in ("name", "employee number", "demo name/number"):
                if staff_viewer and person.is_staff_member:
                    continue
                if what == "name" and pk in tolerated_names:
                    continue
            found.append(f"{what} of out-of-scope {person.name} ({marker})")
    return found


class WriteRecorder:
    """Notes the tables a request writes to (INSERT/UPDATE/DELETE)."""

    WRITE = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([\w]+)"?', re.I)

    def __init__(self):
        self.tables: set[str] = set()

    def __call__(self, execute, sql, params, many, context):
        match = self.WRITE.match(sql)
        if match:
            self.tables.add(match.group(2))
        return execute(sql, params, many, context)


def request_once(client: Client, method: str, url: str) -> tuple[object, set[str]]:
    """Send one request inside a transaction that is rolled back: the module's data stays
    as it was, and what the request wrote is reported."""
    recorder = WriteRecorder()
    # A request may rotate or flush the session (a logout, a login view): the session row is
    # rolled back with the transaction, and the client gets its cookie back.
    cookies = client.cookies
    client.cookies = type(cookies)()
    client.cookies.update(cookies)
    with transaction.atomic():
        with connection.execute_wrapper(recorder):
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, {})
            # Read a streamed body (a file download) while the transaction is open.
            response.body_bytes = response_bytes(response)
            if hasattr(response, "close"):
                response.close()
        transaction.set_rollback(True)
    client.cookies = cookies
    return response, recorder.tables - HARMLESS_TABLES


def iter_targets(pattern: Pattern, targets: list[Target]) -> Iterator[tuple[Target, str]]:
    for target in targets:
        url = build_path(pattern, target.kwargs)
        if target.query:
            url += "?" + target.query
        yield target, url
