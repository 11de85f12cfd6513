"""Observing calls to a language model: one span, a latency histogram, errors and tokens.

Wrap every model call so the dashboard's LLM panels and the fallback alert have data::

    with llm_call("gpt-4o-mini") as call:
        reply = await client.complete(prompt)
        call.tokens(prompt=reply.usage.prompt_tokens, completion=reply.usage.completion_tokens)

and count each assessment with :func:`assessed`, each fallback to the rules engine with
:func:`fell_back`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from radar_common import metrics

_tracer = trace.get_tracer(__name__)


@dataclass
class LLMCall:
    """The call in hand: record its token usage."""

    model: str
    span: trace.Span

    def tokens(self, *, prompt: int = 0, completion: int = 0) -> None:
        """Count the tokens sent and received (OpenTelemetry GenAI attribute names)."""
        if prompt:
            metrics.LLM_TOKENS.labels(self.model, "prompt").inc(prompt)
            self.span.set_attribute("gen_ai.usage.input_tokens", prompt)
        if completion:
            metrics.LLM_TOKENS.labels(self.model, "completion").inc(completion)
            self.span.set_attribute("gen_ai.usage.output_tokens", completion)


def error_kind(exc: BaseException) -> str:
    """A small, bounded label for an error: timeout, rate_limited, auth, or the class name."""
    if isinstance(exc, TimeoutError):
        return "timeout"
    status = getattr(exc, "status_code", None) or getattr(
        getattr(exc, "response", None), "status_code", None
    )
    if status == 429:
        return "rate_limited"
    if status in (401, 403):
        return "auth"
    return type(exc).__name__.lower()[:40]


@contextmanager
def llm_call(model: str, operation: str = "chat") -> Iterator[LLMCall]:
    """Time one model call in a CLIENT span; count it as an error if it raises."""
    started = time.perf_counter()
    with _tracer.start_as_current_span(
        f"{operation} {model}",
        kind=SpanKind.CLIENT,
        attributes={"gen_ai.operation.name": operation, "gen_ai.request.model": model},
        record_exception=True,
        set_status_on_exception=False,
    ) as span:
        try:
            yield LLMCall(model, span)
        except BaseException as exc:
            metrics.LLM_ERRORS.labels(model, error_kind(exc)).inc()
            span.set_status(Status(StatusCode.ERROR, repr(exc)))
            raise
        finally:
            metrics.LLM_CALL_LATENCY.labels(model).observe(time.perf_counter() - started)


def assessed(severity: str, engine: str) -> None:
    """Count one assessment (``engine``: ``rules``, ``crew`` or ``rules-fallback``)."""
    metrics.ASSESSMENTS.labels(severity, engine).inc()


def fell_back(reason: str) -> None:
    """Count an assessment that fell back to the rules engine (``timeout``, ``error``...)."""
    metrics.LLM_FALLBACKS.labels(reason).inc()
