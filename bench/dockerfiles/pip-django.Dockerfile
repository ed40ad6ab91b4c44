# syntax=docker/dockerfile:1
# The seed's pip pattern for the Django app, with the collectstatic step of the seed's
# "Django Complete Example" (the buildpack runs collectstatic too) and its gunicorn CMD.
FROM localhost/bench/python:3.12-slim

WORKDIR /app

# Install dependencies with cache mount
COPY requirements.txt .
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install --no-cache-dir -r requirements.txt

# Copy application code
COPY . .

# Collect static files
RUN python manage.py collectstatic --noinput

# Create non-root user
RUN useradd -m -u 1000 appuser && chown -R appuser:appuser /app
USER appuser

EXPOSE 8000
CMD ["gunicorn", "mysite.wsgi:application", "--bind", "0.0.0.0:8000"]
