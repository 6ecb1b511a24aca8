"""Idempotency-Key on POST: the first response is replayed for a repeat of the same key and
body (24 hours); a repeat while the first is still running is a 409; the same key with
another body is a 422. Keys belong to the calling user."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from smartcrm.api.auth import bearer_actor
from smartcrm.api.models import IdempotencyRecord
from smartcrm.api.problems import problem

API_PREFIX = "/api/v1/"
KEEP_FOR = dt.timedelta(hours=24)
REPLAYED_HEADERS = ("Content-Type", "ETag", "Location")


def _request_hash(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode() if request.method else b"")
    digest.update(request.path.encode())
    digest.update(b"\0")
    digest.update(request.body)
    return digest.hexdigest()


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key or not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        if len(key) > 255:
            return problem(
                400,
                "Idempotency-Key is at most 255 characters.",
                code="invalid_idempotency_key",
                errors=[{"field": "Idempotency-Key", "message": "Too long.", "code": "too_long"}],
            )
        actor = bearer_actor(request)
        user_id = (
            actor.user.pk if actor else (request.user.pk if request.user.is_authenticated else None)
        )
        if user_id is None:
            return self.get_response(request)  # authentication will answer 401
        try:
            fingerprint = _request_hash(request)
        except RequestDataTooBig:
            return self.get_response(request)  # the API answers 413, naming the limit
        IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - KEEP_FOR).delete()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user_id=user_id,
                    key=key,
                    method=request.method,
                    path=request.path[:500],
                    request_hash=fingerprint,
                )
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(user_id=user_id, key=key).first()
            if existing is None:  # expired and purged between the two statements
                return self.get_response(request)
            return self._replay(existing, fingerprint)
        try:
            response = self.get_response(request)
        except BaseException:
            record.delete()
            raise
        if response.status_code >= 500 or getattr(response, "streaming", False):
            record.delete()  # not an answer worth keeping: the client may retry
            return response
        record.status_code = response.status_code
        record.headers = {h: response[h] for h in REPLAYED_HEADERS if h in response}
        record.body = response.content
        record.completed_at = timezone.now()
        record.save(update_fields=["status_code", "headers", "body", "completed_at"])
        return response

    def _replay(self, record: IdempotencyRecord, fingerprint: str) -> HttpResponse:
        if record.completed_at is None:
            return problem(
                409,
                "The first request with this Idempotency-Key is still running.",
                code="idempotency_in_progress",
            )
        if record.request_hash != fingerprint:
            return problem(
                422,
                "This Idempotency-Key was used with another request.",
                code="idempotency_key_reused",
                errors=[
                    {
                        "field": "Idempotency-Key",
                        "message": "Used with another request body.",
                        "code": "idempotency_key_reused",
                    }
                ],
            )
        response = HttpResponse(bytes(record.body or b""), status=record.status_code or 200)
        for name, value in record.headers.items():
            response[name] = value
        response["Idempotent-Replayed"] = "true"
        return response
