# relcommerce: one image for every process (web, worker, beat, migrate).
# Configuration comes from environment variables (see README.md); docker-compose.yml
# runs the full stack with it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # The code runs from /app, not from the copy `pip install .` puts in site-packages:
    # settings find templates/, static/ and manage.py relative to the package, so the
    # package must be the one next to them.
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=relcommerce.settings

WORKDIR /app

RUN groupadd --system --gid 1000 app \
    && useradd --system --uid 1000 --gid app --home-dir /app --shell /usr/sbin/nologin app

# Dependencies first, in their own layer, from the lock file (exact versions, checked
# against their hashes): rebuilt only when the lock changes.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

COPY . .
RUN pip install --no-deps .

# Static files are collected into the image (WhiteNoise serves them, hashed and
# compressed). Production settings need a secret and hosts to load: dummies, for this
# step only.
RUN DEBUG=0 SECRET_KEY=collectstatic-build-only ALLOWED_HOSTS=build.invalid \
    python manage.py collectstatic --no-input

# Writable locations, owned by the unprivileged user; compose mounts named volumes here.
RUN mkdir -p /data/media /data/beat && chown -R app:app /data
ENV MEDIA_ROOT=/data/media

USER app
EXPOSE 8000

CMD ["gunicorn", "relcommerce.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
