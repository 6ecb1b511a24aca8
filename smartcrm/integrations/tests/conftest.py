"""A real HTTP server on loopback that answers as BNR and ANAF do, and their documents.

No test here touches the internet: every URL the integrations read points at a closed
loopback port unless a test asks for the `loopback` server, which then serves them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from smartcrm.integrations import http

BNR_PATH = "/nbrfxrates.xml"
YEAR_PATH = "/files/xml/years/nbrfxrates{year}.xml"
ANAF_PATH = "/api/PlatitorTvaRest/v9/tva"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")


@dataclass(frozen=True)
class Answer:
    """One scripted answer: status, body, content type, extra headers, a delay before it."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass(frozen=True)
class Seen:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class LoopbackServer(ThreadingHTTPServer):
    """Answers each path from its queue of answers (the last one repeats); 404 otherwise."""

    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answers: dict[str, list[Answer]] = {}
        self.seen: list[Seen] = []
        self.stopping = threading.Event()
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def answer(self, path: str, *answers: Answer) -> None:
        self.answers[path] = list(answers)

    def requests_to(self, path: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.path == path]

    def next_answer(self, path: str) -> Answer:
        with self.lock:
            queue = self.answers.get(path)
            if not queue:
                return Answer(404, b"<html>Not Found</html>", "text/html")
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up on a slow answer is expected, not news


class _Handler(BaseHTTPRequestHandler):
    server: LoopbackServer

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with self.server.lock:
            self.server.seen.append(
                Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
        answer = self.server.next_answer(self.path)
        if answer.delay and self.server.stopping.wait(answer.delay):
            return
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(answer.body)
        except OSError:
            pass  # the client timed out and left

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(autouse=True)
def _no_internet(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every service URL points at a closed loopback port; retries do not dawdle."""
    closed = "http://127.0.0.1:9"
    settings.SMARTCRM_BNR_URL = closed + BNR_PATH
    settings.SMARTCRM_BNR_YEAR_URL = closed + YEAR_PATH
    settings.SMARTCRM_ANAF_URL = closed + ANAF_PATH
    settings.SMARTCRM_HTTP_TIMEOUT = 5.0
    monkeypatch.setattr(http, "BACKOFF_SECONDS", 0.01)
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def loopback(settings: Any) -> Iterator[LoopbackServer]:
    """A real HTTP server on 127.0.0.1 serving BNR's and ANAF's URLs."""
    server = LoopbackServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    settings.SMARTCRM_BNR_URL = server.url + BNR_PATH
    settings.SMARTCRM_BNR_YEAR_URL = server.url + YEAR_PATH
    settings.SMARTCRM_ANAF_URL = server.url + ANAF_PATH
    try:
        yield server
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --- documents ------------------------------------------------------------------------

Rates = dict[str, str | tuple[str, int]]


def bnr_xml(*days: tuple[str, Rates], namespace: str = "http://www.bnr.ro/xsd") -> bytes:
    """A BNR rates document: one Cube per (date, {currency: value or (value, multiplier)})."""
    cubes = []
    for date, rates in days:
        lines = []
        for currency, value in rates.items():
            if isinstance(value, tuple):
                lines.append(
                    f'      <Rate currency="{currency}" multiplier="{value[1]}">{value[0]}</Rate>'
                )
            else:
                lines.append(f'      <Rate currency="{currency}">{value}</Rate>')
        cubes.append(f'    <Cube date="{date}">\n' + "\n".join(lines) + "\n    </Cube>")
    publishing = days[-1][0] if days else "2025-11-21"
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<DataSet xmlns="{namespace}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        "  <Header>\n"
        "    <Publisher>National Bank of Romania</Publisher>\n"
        f"    <PublishingDate>{publishing}</PublishingDate>\n"
        "    <MessageType>DR</MessageType>\n"
        "  </Header>\n"
        "  <Body>\n"
        "    <Subject>Reference rates</Subject>\n"
        "    <OrigCurrency>RON</OrigCurrency>\n" + "\n".join(cubes) + "\n  </Body>\n</DataSet>\n"
    ).encode()


def xml_answer(document: bytes, status: int = 200) -> Answer:
    return Answer(status, document, "text/xml")


def anaf_entry(cui: int, **general: Any) -> dict[str, Any]:
    """One "found" entry as ANAF's v9 service sends it (shape of a real 2025 answer)."""
    return {
        "date_generale": {
            "cui": cui,
            "data": "2026-11-27",
            "denumire": "CUMPĂNA 1993 SRL",
            "adresa": "MUNICIPIUL BUCUREŞTI, SECTOR 3, STR ALEXANDER VON HUMBOLDT, NR.10, PARTER",
            "nrRegCom": "J1993016655403",
            "telefon": "0219224000",
            "fax": "",
            "codPostal": "31472",
            "act": "",
            "stare_inregistrare": "TRANSFER(SOSIRE) din data 26.11.2014",
            "statusRO_e_Factura": True,
            "data_inregistrare": "1993-07-09",
            "cod_CAEN": "1107",
            "iban": "",
            "forma_juridica": "SOCIETATE COMERCIALĂ CU RĂSPUNDERE LIMITATĂ",
            **general,
        },
        "inregistrare_scop_Tva": {
            "scpTVA": True,
            "perioade_TVA": [
                {
                    "data_inceput_ScpTVA": "1994-02-01",
                    "data_sfarsit_ScpTVA": "",
                    "data_anul_imp_ScpTVA": "",
                    "mesaj_ScpTVA": "",
                }
            ],
        },
        "inregistrare_RTVAI": {"statusTvaIncasare": False},
        "stare_inactiv": {"statusInactivi": False},
        "inregistrare_SplitTVA": {"statusSplitTVA": False},
        "adresa_sediu_social": {
            "sdenumire_Strada": "Str. Alexander Von Humboldt",
            "snumar_Strada": "10",
            "sdenumire_Localitate": "Sector 3 Mun. Bucureşti",
            "scod_Localitate": "3",
            "sdenumire_Judet": "MUNICIPIUL BUCUREŞTI",
            "scod_Judet": "40",
            "scod_JudetAuto": "B",
            "sdetalii_Adresa": "PARTER",
            "scod_Postal": "31472",
            "stara": "",
        },
        "adresa_domiciliu_fiscal": {
            "ddenumire_Strada": "Str. Alexander Von Humboldt",
            "dnumar_Strada": "10",
            "ddenumire_Localitate": "Sector 3 Mun. Bucureşti",
            "dcod_JudetAuto": "B",
            "dcod_Postal": "31472",
        },
    }


def anaf_json(
    found: list[dict[str, Any]] | None = None, not_found: list[Any] | None = None
) -> Answer:
    """ANAF's answer: HTTP 200, cod 200, the found entries and the CUIs it does not know."""
    document = {
        "cod": 200,
        "message": "SUCCESS",
        "found": found or [],
        "notFound": not_found or [],
    }
    return Answer(200, json.dumps(document, ensure_ascii=False).encode(), "application/json")
