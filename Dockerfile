# Kepuri production images: one multi-stage Dockerfile, one target per service.
#
#   docker build --target registration -t kepuri/registration .
#   docker compose up --build            (builds all four targets; see deploy/README.md)
#
# Stages: builder (a venv with the pinned runtime dependencies and the kepuri package) -> runtime
# (slim, non-root, only the venv) -> registration | review | notification | analytics.

ARG PYTHON_IMAGE=python:3.11-slim

# --------------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

RUN python -m venv /opt/venv

WORKDIR /src

# Dependencies first, in their own layer: it is rebuilt only when pyproject.toml or the lock change.
# Only the runtime dependencies of pyproject.toml are installed (the dev extra - test brokers,
# embedded PostgreSQL, linters - stays out of the image), each at the version requirements.lock pins.
COPY pyproject.toml requirements.lock ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/runtime-requirements.txt \
    && pip install --requirement /tmp/runtime-requirements.txt --constraint requirements.lock

# Then the code itself, without touching the dependencies installed above.
COPY shared ./shared
COPY services ./services
COPY cli ./cli
COPY harness ./harness
RUN pip install --no-deps . \
    && python -c "import services, shared, cli"

# --------------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    KEPURI_ENVIRONMENT=production \
    KEPURI_HOST=0.0.0.0 \
    KEPURI_DATA_DIR=/var/lib/kepuri \
    KEPURI_LOG_JSON=true

RUN groupadd --system --gid 10001 kepuri \
    && useradd --system --uid 10001 --gid kepuri --home-dir /var/lib/kepuri --shell /usr/sbin/nologin kepuri \
    && mkdir -p /var/lib/kepuri \
    && chown kepuri:kepuri /var/lib/kepuri

COPY --from=builder /opt/venv /opt/venv

WORKDIR /var/lib/kepuri
USER kepuri:kepuri
# uvicorn shuts down gracefully on SIGTERM (in-flight requests finish, consumers leave their group).
STOPSIGNAL SIGTERM

# --------------------------------------------------------------------------------------------------
# One target per service. The health check uses python's urllib (the slim image has no curl) and
# follows KEPURI_<SERVICE>_PORT if it is overridden.

FROM runtime AS registration
ENV KEPURI_REGISTRATION_PORT=8001
EXPOSE 8001
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['KEPURI_REGISTRATION_PORT'], timeout=2)"]
CMD ["python", "-m", "services.registration"]

FROM runtime AS review
ENV KEPURI_REVIEW_PORT=8002
EXPOSE 8002
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['KEPURI_REVIEW_PORT'], timeout=2)"]
CMD ["python", "-m", "services.review"]

FROM runtime AS notification
ENV KEPURI_NOTIFICATION_PORT=8003
EXPOSE 8003
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['KEPURI_NOTIFICATION_PORT'], timeout=2)"]
CMD ["python", "-m", "services.notification"]

FROM runtime AS analytics
ENV KEPURI_ANALYTICS_PORT=8004
EXPOSE 8004
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['KEPURI_ANALYTICS_PORT'], timeout=2)"]
CMD ["python", "-m", "services.analytics"]
