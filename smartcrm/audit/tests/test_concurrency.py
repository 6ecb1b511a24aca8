"""Concurrent writers and sealers of one organisation never fork its chain (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from smartcrm.audit.models import AuditEvent
from smartcrm.audit.services import audit_seal, audit_seal_all, audit_verify
from smartcrm.sales import services as sales


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_writers_and_two_sealers_at_once_leave_one_verified_chain(org, owner):
    # given two connections writing records of one organisation, and two sealing meanwhile
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []
    writing = threading.Event()

    def write(name: str) -> None:
        try:
            barrier.wait(timeout=10)
            for n in range(25):
                sales.account_create(org=org, user=owner, name=f"{name} {n} SRL")
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    def seal() -> None:
        try:
            barrier.wait(timeout=10)
            while not writing.is_set():
                audit_seal(org_id=org.pk, limit=7)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    writers = [threading.Thread(target=write, args=(name,)) for name in ("Alfa", "Beta")]
    sealers = [threading.Thread(target=seal) for _ in range(2)]
    for thread in (*writers, *sealers):
        thread.start()
    for thread in writers:
        thread.join(timeout=60)
    writing.set()
    for thread in sealers:
        thread.join(timeout=60)
    audit_seal_all()

    # then every event has one position, 1..50 without a gap, and the chain verifies
    assert errors == []
    events = AuditEvent.objects.filter(organization=org)
    positions = sorted(seq or 0 for seq in events.values_list("seq", flat=True))
    assert positions == list(range(1, 51))
    report = audit_verify(org=org)
    assert report.intact and report.checked == 50, report.problems
