# The one image every Runplane service runs: serve, worker, and the one-shot
# `runplane db upgrade` and first-admin commands (compose.yaml, docs/deployment.md).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src/runplane
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install . \
    && useradd --system --create-home --home-dir /home/runplane runplane \
    && mkdir /data \
    && chown runplane /data

# Executions run as this user, never as root; /data is where pipelines read input files.
USER runplane
WORKDIR /home/runplane
ENV RUNPLANE_DATA_DIR=/data
EXPOSE 8000
CMD ["runplane", "serve", "--host", "0.0.0.0", "--port", "8000"]
