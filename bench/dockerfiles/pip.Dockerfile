# syntax=docker/dockerfile:1
# The seed's "Pattern 1: pip (Simple)" (shared/seeds, "Python Dockerfiles"), as written there
# except: FROM the python:3.12-slim-like image made here, and CMD serves the app with gunicorn
# (the seed's `python app.py` does not serve a WSGI app).
FROM localhost/bench/python:3.12-slim

WORKDIR /app

# Install dependencies with cache mount
COPY requirements.txt .
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install --no-cache-dir -r requirements.txt

# Copy application code
COPY . .

# Create non-root user
RUN useradd -m -u 1000 appuser && chown -R appuser:appuser /app
USER appuser

EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]
