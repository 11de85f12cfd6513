"""Prometheus metrics shared by every service (one registry per process, ``radar_`` prefix)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, Info

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
E2E_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)

BUILD_INFO = Info("radar_build", "Version of the running service.", ["service"])

HTTP_REQUESTS = Counter(
    "radar_http_requests_total",
    "HTTP requests answered.",
    ["service", "route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "radar_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["service", "route", "method"],
    buckets=LATENCY_BUCKETS,
)
MESSAGES_RECEIVED = Counter(
    "radar_stage_messages_received_total", "Messages delivered to a stage.", ["stage"]
)
MESSAGES_PROCESSED = Counter(
    "radar_stage_messages_processed_total", "Messages a stage handled and acked.", ["stage"]
)
MESSAGES_FAILED = Counter(
    "radar_stage_messages_failed_total",
    "Handler failures of a stage (retried or dead-lettered).",
    ["stage", "kind"],
)
MESSAGES_RETRIED = Counter(
    "radar_stage_messages_retried_total", "Messages naked for redelivery.", ["stage"]
)
MESSAGES_DEAD_LETTERED = Counter(
    "radar_stage_messages_dead_lettered_total",
    "Messages moved to the dead-letter stream.",
    ["stage"],
)
HANDLER_LATENCY = Histogram(
    "radar_stage_handler_duration_seconds",
    "Time a stage's handler spent on one message.",
    ["stage"],
    buckets=LATENCY_BUCKETS,
)
END_TO_END_LATENCY = Histogram(
    "radar_stage_end_to_end_seconds",
    "Time from acceptance by ingestion to the end of each stage.",
    ["stage"],
    buckets=E2E_BUCKETS,
)
IN_FLIGHT = Gauge("radar_stage_in_flight", "Messages a stage is handling now.", ["stage"])
EVENTS_ACCEPTED = Counter(
    "radar_ingest_events_accepted_total",
    "Events accepted (202) by ingestion.",
    ["format", "replay"],
)
EVENTS_REFUSED = Counter(
    "radar_ingest_events_refused_total", "Events refused by ingestion.", ["format", "reason"]
)
TASKS_FINISHED = Counter(
    "radar_tasks_finished_total", "Tasks that reached a terminal state.", ["state"]
)
TASK_DURATION = Histogram(
    "radar_task_duration_seconds",
    "Time from acceptance of a task to its terminal state.",
    ["state"],
    buckets=E2E_BUCKETS,
)

# JetStream: polled from the server (radar_common.bus.lag), the numbers KEDA scales on.
CONSUMER_PENDING = Gauge(
    "radar_jetstream_consumer_pending_messages",
    "Messages in the stream not yet delivered to the durable consumer.",
    ["stream", "consumer"],
)
CONSUMER_ACK_PENDING = Gauge(
    "radar_jetstream_consumer_ack_pending_messages",
    "Messages delivered to the consumer and not yet acknowledged.",
    ["stream", "consumer"],
)
CONSUMER_REDELIVERED = Gauge(
    "radar_jetstream_consumer_redelivered_messages",
    "Messages of the consumer delivered more than once and still unacknowledged.",
    ["stream", "consumer"],
)
STREAM_MESSAGES = Gauge(
    "radar_jetstream_stream_messages", "Messages stored in a stream.", ["stream"]
)
DLQ_DEPTH = Gauge(
    "radar_dlq_messages", "Dead letters waiting in the dead-letter stream.", ["stream"]
)
LAG_POLL_ERRORS = Counter(
    "radar_jetstream_poll_errors_total", "Failed polls of JetStream stream/consumer info."
)

# Inference: defined here so the assessment engine and any LLM client share one set of names.
ASSESSMENTS = Counter(
    "radar_inference_assessments_total",
    "Assessments produced, by severity and by engine (rules, crew or rules-fallback).",
    ["severity", "engine"],
)
LLM_CALL_LATENCY = Histogram(
    "radar_llm_call_duration_seconds",
    "Time of one call to a language model.",
    ["model"],
    buckets=(0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0),
)
LLM_ERRORS = Counter(
    "radar_llm_errors_total", "Failed calls to a language model.", ["model", "kind"]
)
LLM_TOKENS = Counter(
    "radar_llm_tokens_total",
    "Tokens sent to (prompt) and received from (completion) a model.",
    ["model", "kind"],
)
LLM_FALLBACKS = Counter(
    "radar_llm_fallbacks_total",
    "Assessments that fell back to the rules engine because the model failed or timed out.",
    ["reason"],
)
