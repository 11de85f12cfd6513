"""The express lane of ``POST /v1/events/ingest``: the common request without FastAPI's machinery.

Nearly every request to the ingest endpoint is the same: an API key with the ``ingest`` scope,
a JSON body of a declared length that is a valid :class:`IngestEvent`. For that request FastAPI
would route, solve the dependencies, parse the JSON with :mod:`json`, validate the result, run
the endpoint and validate its answer again — most of the CPU an accepted event costs. The
express lane checks the same things itself (credentials first, before the body is read), parses
and validates the body once (``model_validate_json``), and accepts the event through the same
:func:`accept_event` as the route.

Anything else takes the ordinary route, unchanged: a signature instead of an API key, a missing
or unknown key, a key without the scope, another media type, a chunked body, a body that does
not validate, an invalid ``trace_id``. The body already read is handed to FastAPI as it came, so
those requests get exactly the route's answers (401, 403, 415, 422...). The lane sits inside the
body limit and the HTTP metrics (it is added to the app first).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from radar_common.telemetry import is_trace_id
from radar_ingestion.api.deps import AppState
from radar_ingestion.api.intake import accept_event, delivery_key
from radar_ingestion.api.media import is_json
from radar_ingestion.api.routes.events import canonical_event
from radar_ingestion.auth import has_webhook_signature, offered_key
from radar_ingestion.problems import Problem
from radar_ingestion.schemas import IngestEvent

PATH = "/v1/events/ingest"


class ExpressIngest:
    """ASGI middleware serving the common ``POST /v1/events/ingest`` (see the module)."""

    def __init__(self, app: ASGIApp, route: Any = None) -> None:
        self.app = app
        # The route object, so that the HTTP metrics label the request with its template.
        self.route = route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        # Set by the lifespan; absent before it ran (then the route answers as it would).
        state: AppState | None = getattr(getattr(scope.get("app"), "state", None), "radar", None)
        headers = Headers(scope=scope)
        if state is None or not self._takes(state, headers):
            await self.app(scope, receive, send)
            return
        body, complete = await _read(receive)
        if not complete:  # the client went away
            return
        try:
            event = IngestEvent.model_validate_json(body)
        except ValidationError:
            event = None
        if event is None or (event.trace_id and not is_trace_id(event.trace_id)):
            await self.app(scope, _replay(body, receive), send)  # the route's own 422
            return
        if self.route is not None:
            scope["route"] = self.route
        request = Request(scope, receive)
        key = delivery_key(
            request, event.idempotency_key, headers.get("webhook-id"), client_key=True
        )
        try:
            response = await accept_event(
                state, request, None, canonical_event(event), key, trace_id=event.trace_id
            )
        except Problem as problem:
            response = problem.response(PATH)
        await response(scope, receive, send)

    @staticmethod
    def _takes(state: AppState, headers: Headers) -> bool:
        """Whether the request is the common one, judged on its head alone."""
        if state.settings.auth_disabled or has_webhook_signature(headers):
            return False
        scopes = state.authenticator.key_scopes(offered_key(headers))
        length = headers.get("content-length", "")
        return (
            scopes is not None
            and "ingest" in scopes
            and is_json(headers.get("content-type", ""))
            and length.isascii()
            and length.isdigit()
        )


async def _read(receive: Receive) -> tuple[bytes, bool]:
    """The whole body (its length was declared and checked by the body limit)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"", False
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), True


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives ``body`` again, then whatever the connection sends next."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
