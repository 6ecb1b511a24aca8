"""The README's "Using the API" examples, run as they are against a live server."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from smartcrm.core.tokens import api_token_create
from smartcrm.sales.models import Offer, Prospect

README = Path(__file__).resolve().parents[3] / "README.md"


def _examples() -> str:
    match = re.search(r"```sh api-examples\n(.*?)```", README.read_text(), re.S)
    assert match, "README.md lost its ```sh api-examples block"
    return match.group(1)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.django_db(transaction=True)
def test_readme_curl_examples_run_against_a_live_server(live_server, org, owner):
    # given a live server and a token, as the README's setup lines make them
    _, token = api_token_create(org=org, user=owner, name="README")
    env = {**os.environ, "SMARTCRM": f"{live_server.url}/api/v1", "TOKEN": token}
    # when the examples run verbatim
    result = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + _examples()],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # then every command succeeded (curl -f fails on any HTTP error) and did what it says
    assert result.returncode == 0, result.stdout[-3000:] + "\n---\n" + result.stderr[-1500:]
    prospect = Prospect.objects.get(company_name="Fabrica de Ciocolată Brașov SRL")
    assert (prospect.status, prospect.cui, prospect.vat_payer) == ("converted", "18547290", True)
    offer = Offer.objects.get(account=prospect.converted_account)
    assert (offer.title, offer.probability, str(offer.total_gross)) == (
        "Ambalaje pentru sezonul de iarnă",
        60,
        "756.25",
    )
    assert '"kind":"prospect"' in result.stdout.replace(" ", "")
