"""Content-Security-Policy: every page runs only SmartCRM's own script files, with no inline
script, handler, style or eval; the templates are checked for anything the policy would refuse.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

import smartcrm
from smartcrm.api.tests.helpers import ApiClient
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory
from smartcrm.settings import _csp_directives

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
    "object-src": "'none'",
}


def _policy(response) -> dict[str, str]:
    directives = (part.strip() for part in response["Content-Security-Policy"].split(";"))
    return dict(directive.split(" ", 1) for directive in directives if directive)


# --- The header --------------------------------------------------------------------------------


def test_a_logged_in_page_carries_the_strict_policy(client, org, owner):
    client.force_login(owner)

    response = client.get(reverse("web:home"))

    assert response.status_code == 200
    assert _policy(response) == POLICY


def test_the_login_page_carries_the_strict_policy(client):
    response = client.get(reverse("web:login"))

    assert response.status_code == 200
    assert _policy(response) == POLICY


def test_an_api_answer_carries_the_strict_policy(org, owner):
    response = ApiClient(org, owner).get("/api/v1/me")

    assert response.status_code == 200
    assert _policy(response) == POLICY


def test_the_clients_offer_page_carries_the_strict_policy(client):
    response = client.get("/o/not-a-real-token/")

    assert _policy(response) == POLICY


def test_an_offer_pdf_is_left_to_the_browsers_viewer_without_a_policy(client, org, owner):
    account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    client.force_login(owner)

    response = client.get(reverse("sales:offer-pdf", args=[offer.pk]))

    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    assert "Content-Security-Policy" not in response


def test_no_source_in_the_policy_allows_inline_code_or_eval():
    sources = " ".join(" ".join(v) for v in settings.CONTENT_SECURITY_POLICY["DIRECTIVES"].values())

    assert not {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*"} & set(sources.split())


def test_an_operator_adds_sources_for_an_embedded_service():
    directives = _csp_directives("img-src https://maps.example.ro; frame-src https://video.ex.ro")

    assert directives["img-src"] == ["'self'", "data:", "https://maps.example.ro"]
    # A directive the policy did not name starts from default-src's 'self'.
    assert directives["frame-src"] == ["'self'", "https://video.ex.ro"]
    assert directives["script-src"] == ["'self'"]


def test_allowing_a_framing_site_replaces_none():
    directives = _csp_directives("frame-ancestors https://intranet.example.ro;")

    assert directives["frame-ancestors"] == ["https://intranet.example.ro"]


@pytest.mark.parametrize("extra", ["img-scr https://maps.example.ro", "img-src"])
def test_a_misspelt_or_empty_extra_directive_stops_the_start(extra):
    with pytest.raises(ImproperlyConfigured, match="SMARTCRM_CSP_EXTRA"):
        _csp_directives(extra)


# --- The templates -------------------------------------------------------------------------------

PACKAGE = Path(smartcrm.__file__).parent
# The offer PDF's templates are read by WeasyPrint, never by a browser.
NOT_FOR_BROWSERS = ("sales/templates/sales/pdf/",)
DJANGO_SYNTAX = re.compile(
    r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}|{%.*?%}|{{.*?}}", re.DOTALL
)
EVAL_ATTRIBUTES = ("hx-vals", "data-hx-vals", "hx-vars", "data-hx-vars")
SCRIPT_DATA_TYPES = ("application/json", "application/ld+json")


class _PolicyBreaches(HTMLParser):
    """What in a page the policy would refuse: inline scripts, handlers, styles, eval."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.breaches: list[str] = []
        self._script: str | None = None  # the open <script>'s kind: "src" or "data"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: (value or "").strip() for name, value in attrs}
        where = f"line {self.getpos()[0]} <{tag}>"
        for name, value in values.items():
            if name.startswith("on"):
                self.breaches.append(f"{where}: inline handler {name}=")
            if name.startswith(("hx-on", "data-hx-on")):
                self.breaches.append(f"{where}: {name} (htmx evaluates it)")
            if name == "style":
                self.breaches.append(f"{where}: style attribute")
            code = value.lower().startswith("javascript:") or (
                name in EVAL_ATTRIBUTES and value.lower().startswith("js:")
            )
            if code:
                self.breaches.append(f"{where}: {name}={value[:30]!r} (code in an attribute)")
            if name in ("hx-vars", "data-hx-vars"):
                self.breaches.append(f"{where}: {name} (htmx evaluates it)")
            if name in ("hx-trigger", "data-hx-trigger") and "[" in value:
                self.breaches.append(f"{where}: event filter in {name} (htmx evaluates it)")
        if tag == "style":
            self.breaches.append(f"{where}: <style> element")
        if tag == "script":
            if "src" in values:
                self._script = "src"
            elif values.get("type", "").lower() in SCRIPT_DATA_TYPES:
                self._script = "data"
            else:
                self._script = "inline"
                self.breaches.append(f"{where}: inline script")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script == "src" and data.strip():
            self.breaches.append(f"line {self.getpos()[0]}: code inside a <script src>")


def policy_breaches(template_source: str) -> list[str]:
    """Breaches in a template's HTML once its tags and variables are taken out."""
    parser = _PolicyBreaches()
    parser.feed(DJANGO_SYNTAX.sub("", template_source))
    parser.close()
    return parser.breaches


def _browser_templates() -> list[Path]:
    return sorted(
        path
        for path in PACKAGE.glob("*/templates/**/*.html")
        if not str(path.relative_to(PACKAGE)).replace("\\", "/").startswith(NOT_FOR_BROWSERS)
    )


def test_no_template_holds_anything_the_policy_refuses():
    templates = _browser_templates()

    breaches = {
        str(path.relative_to(PACKAGE)): found
        for path in templates
        if (found := policy_breaches(path.read_text(encoding="utf-8")))
    }

    assert len(templates) > 100  # every app's templates were read
    assert breaches == {}


@pytest.mark.parametrize(
    ("snippet", "breach"),
    [
        ('<button onclick="go()">', "inline handler onclick="),
        ("<form\n  class='x' onsubmit=\"return false\">", "inline handler onsubmit="),
        ('<div hx-on:click="go()">', "hx-on:click (htmx evaluates it)"),
        ("<div hx-vals='js:{a: 1}'>", "hx-vals='js:{a: 1}' (code in an attribute)"),
        ('<a href="javascript:void(0)">', "href='javascript:void(0)' (code in an attribute)"),
        ("<input hx-trigger=\"keyup[key=='Enter']\">", "event filter in hx-trigger"),
        ('<div style="width: {{ percent }}%">', "style attribute"),
        ("<style>.a { color: red }</style>", "<style> element"),
        ("<script>go()</script>", "inline script"),
        ('<script type="module">go()</script>', "inline script"),
        ('<script src="/static/a.js">go()</script>', "code inside a <script src>"),
    ],
)
def test_the_template_check_finds_each_kind_of_breach(snippet, breach):
    assert breach in " ".join(policy_breaches(snippet))


@pytest.mark.parametrize(
    "snippet",
    [
        "<script src=\"{% static 'web/smartcrm.js' %}\"></script>",
        '<script id="d" type="application/json">{"a": 1}</script>',
        "{{ board|json_script:'pipeline-data' }}",
        '<div hx-vals=\'{"field": "{{ widget.name }}"}\' hx-trigger="load, x from:body">',
        "<p>{% blocktranslate with one=x %}{{ one }} second{% endblocktranslate %}</p>",
    ],
)
def test_the_template_check_lets_files_data_and_plain_htmx_through(snippet):
    assert policy_breaches(snippet) == []
