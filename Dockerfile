# syntax=docker/dockerfile:1.7
# Every Radar image, from the repository root, one build argument per choice:
#   docker build --build-arg SERVICE=ingestion -t radar-ingestion .
#   docker build --build-arg SERVICE=inference --build-arg EXTRAS=crew -t radar-inference:dev-crew .
# SERVICE  a workspace member that runs: services/<SERVICE>, package radar_<SERVICE>.
# EXTRAS   an optional extra of that service (inference: `crew`, the CrewAI crew, ~800 MB).
# Only that service and what it declares (radar-common included) are installed, exactly as
# uv.lock pins them (uv sync --frozen): no resolution at build time. `make images` builds them all.

ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9

FROM ${UV_IMAGE} AS uv

FROM ${PYTHON_IMAGE} AS builder
ARG SERVICE
ARG EXTRAS=""
COPY --from=uv /uv /bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src
# Dependencies first, a layer that changes only with the lock and the build arguments: with
# --frozen and --no-install-workspace uv reads the lock alone, no member's pyproject.toml.
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    test -n "$SERVICE" || { echo "--build-arg SERVICE=<service> is required" >&2; exit 1; }; \
    uv sync --frozen --no-dev --package "radar-$SERVICE" ${EXTRAS:+--extra "$EXTRAS"} \
      --no-install-workspace --no-editable
# Then the code: the shared library and this service only, installed non-editable so the
# venv stands alone, and the one entry point every image has (Tilt's restart wrapper runs it
# too): a fixed name, so that the ENTRYPOINT is the same exec form for every service.
COPY services/common services/common
COPY services/${SERVICE} services/${SERVICE}
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --package "radar-$SERVICE" ${EXTRAS:+--extra "$EXTRAS"} \
      --no-editable \
 && printf '#!/bin/sh\nexec python -m radar_%s "$@"\n' "$SERVICE" \
      > "$UV_PROJECT_ENVIRONMENT/bin/radar-service" \
 && chmod 0755 "$UV_PROJECT_ENVIRONMENT/bin/radar-service"

FROM ${PYTHON_IMAGE} AS runtime
ARG SERVICE
ARG EXTRAS=""
# APP_OWNER=10001 only for Tilt's live_update (dev); images that ship keep root-owned code.
ARG APP_OWNER=0
RUN groupadd --system --gid 10001 radar \
 && useradd --system --uid 10001 --gid radar --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin radar
COPY --from=builder --chown=${APP_OWNER}:${APP_OWNER} /app/.venv /app/.venv
LABEL org.opencontainers.image.title="radar-${SERVICE}" \
      org.opencontainers.image.description="Obsolescence Radar: ${SERVICE} (extras: ${EXTRAS:-none})"
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    RADAR_HTTP_HOST=0.0.0.0 \
    RADAR_HTTP_PORT=8080 \
    RADAR_LOG_JSON=true
WORKDIR /app
USER 10001:10001
EXPOSE 8080
# radar-service execs `python -m radar_<SERVICE>`: python is PID 1 and receives SIGTERM.
ENTRYPOINT ["/app/.venv/bin/radar-service"]
