# syntax=docker/dockerfile:1
# The open-banking sandbox server as a container.
#
#   docker build -t mockserver .
#   docker run --rm -p 8000:8000 mockserver
#   docker run --rm -p 8000:8000 -e MOCKSERVER_DB=postgresql://u:p@db/mock mockserver
#
# Stage 1 builds the wheel (specs/ and fixtures/ are bundled inside it by hatchling);
# stage 2 installs only that wheel, so no source tree, build backend or pip cache ships.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# Only what the wheel is built from: a change elsewhere (tests, bench) keeps this cache.
COPY pyproject.toml README.md ./
COPY mockserver ./mockserver
COPY specs ./specs
COPY fixtures ./fixtures
RUN python -m pip wheel --no-deps --wheel-dir /dist /src

FROM ${PYTHON_IMAGE} AS runtime
# Re-declared: an ARG before the first FROM is not visible inside a stage.
ARG PYTHON_IMAGE
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="mockserver" \
      org.opencontainers.image.description="Offline sandbox emulating UK Open Banking v3.1, Fena, Moneyhub and MogoPlus APIs" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Proprietary" \
      org.opencontainers.image.base.name="${PYTHON_IMAGE}"

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1 \
    MOCKSERVER_HOST=0.0.0.0 \
    MOCKSERVER_PORT=8000

# The wheel is bind-mounted from the build stage rather than copied, so it leaves no layer.
# The postgres extra pulls psycopg[binary]: a prebuilt wheel, no compiler needed.
# DL3013: the package is our own wheel file, pinned by construction; its dependencies'
# ranges come from pyproject.toml.
# hadolint ignore=DL3013
RUN --mount=type=bind,from=build,source=/dist,target=/dist \
    set -eu; \
    wheel="$(find /dist -maxdepth 1 -name 'mockserver-*.whl' -print -quit)"; \
    python -m pip install --no-cache-dir "${wheel}[postgres]"; \
    groupadd --system --gid 10001 mockserver; \
    useradd --system --uid 10001 --gid mockserver --home-dir /app \
        --shell /usr/sbin/nologin mockserver; \
    mkdir -p /app; \
    chown mockserver:mockserver /app

# Writable by the server user, e.g. for `--db /app/state.sqlite`.
WORKDIR /app
# Numeric, so Kubernetes' runAsNonRoot can verify it without the image's /etc/passwd.
USER 10001:10001
EXPOSE 8000

# The slim image has no curl: probe with the standard library (urlopen raises on non-2xx).
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('MOCKSERVER_PORT', '8000') + '/__admin/health', timeout=2)"]

ENTRYPOINT ["mockserver"]
CMD ["serve"]
