# syntax=docker/dockerfile:1
# frontdesk's image: `docker build -t frontdesk .` (docs/DEPLOY.md; decision 0059).
#
# Two stages. The builder turns the project and every dependency into wheels, once; the
# final image installs those wheels only (no index, no compiler, no source tree) into
# /opt/frontdesk and runs as an unprivileged user. The build steps live in
# deploy/build-wheels.sh, which tests/deploy/test_image_build.py runs too, so the
# image's recipe is exercised on every test run even where docker cannot build.
#
# Build arguments:
#   EXTRAS       optional dependencies (pyproject.toml): postgres,redis by default; add
#                `speech` for our own streaming voice (faster-whisper, onnxruntime)
#                and `otel` for OpenTelemetry traces (FRONTDESK_OTLP_ENDPOINT)
#   WITH_ESPEAK  1: install espeak-ng, the default local voice (FRONTDESK_SPEECH_TTS=espeak)

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder
ARG EXTRAS=postgres,redis
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
COPY deploy/build-wheels.sh /usr/local/bin/build-wheels.sh
RUN build-wheels.sh /src /wheels "$EXTRAS"

FROM ${PYTHON_IMAGE}
ARG EXTRAS=postgres,redis
ARG WITH_ESPEAK=0
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/frontdesk/bin:$PATH \
    FRONTDESK_HOST=0.0.0.0 \
    FRONTDESK_PORT=8000 \
    FRONTDESK_DATA_DIR=/var/lib/frontdesk
RUN if [ "$WITH_ESPEAK" = "1" ]; then \
        apt-get update \
        && apt-get install -y --no-install-recommends espeak-ng \
        && rm -rf /var/lib/apt/lists/*; \
    fi \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/frontdesk \
        --create-home --shell /usr/sbin/nologin frontdesk
COPY deploy/build-wheels.sh /usr/local/bin/build-wheels.sh
# The wheels come in for this one step only (a bind mount adds no layer).
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    build-wheels.sh --install /wheels "$EXTRAS" /opt/frontdesk
USER frontdesk
WORKDIR /var/lib/frontdesk
VOLUME ["/var/lib/frontdesk"]
EXPOSE 8000
# Liveness: /health answers 200 while the process runs and the database answers. No curl
# in a slim image: Python's own client does it.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('FRONTDESK_PORT', '8000'), timeout=4)"]
# SIGTERM drains: new requests get 503, live calls hear a closing line, in-flight turns
# and sends finish, all within FRONTDESK_SHUTDOWN_GRACE_S (give `docker stop` longer).
STOPSIGNAL SIGTERM
ENTRYPOINT ["frontdesk"]
CMD ["serve"]
