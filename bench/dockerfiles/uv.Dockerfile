# syntax=docker/dockerfile:1
# The seed's "Pattern 3: uv (Fastest)", as written there except: FROM the python:3.12-slim-like
# image made here, uv from the local stand-in for ghcr.io/astral-sh/uv, and CMD serves the
# app with gunicorn (the Flask app is WSGI).
FROM localhost/bench/python:3.12-slim AS builder

# Install uv
COPY --from=localhost/bench/uv:0.13.8 /uv /usr/local/bin/uv

WORKDIR /app

# Copy dependency files
COPY pyproject.toml uv.lock ./

# Install dependencies
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev

# Copy application code
COPY . .

# Runtime stage
FROM localhost/bench/python:3.12-slim

WORKDIR /app

# Copy application and dependencies from builder
COPY --from=builder /app /app

# Create non-root user
RUN useradd -m -u 1000 appuser && chown -R appuser:appuser /app
USER appuser

# Activate virtual environment
ENV PATH="/app/.venv/bin:$PATH"

EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]
