# Commons, production image: the web app under gunicorn; the same image runs the Celery
# worker and beat (see docker-compose.yml). Configuration comes from the environment at run
# time (SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL, ...); no secret is baked in.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    DATA_DIR=/app/var \
    MEDIA_ROOT=/app/var/media

# The app runs as an unprivileged user that owns only its data folder, not the code.
RUN groupadd --system --gid 10001 commons \
    && useradd --system --uid 10001 --gid commons --create-home --home-dir /home/commons \
       --shell /usr/sbin/nologin commons

WORKDIR /app

# Dependencies first, from the pinned list in pyproject.toml (no test extras), so code
# changes do not reinstall them.
COPY pyproject.toml ./
RUN pip install . && rm -rf build ./*.egg-info

COPY . .

# Static files are collected into the image. Production settings refuse to load without a
# secret key and allowed hosts, so this one step gets throwaway values inline; they are
# never stored in the image's environment.
RUN SECRET_KEY=build-only-collectstatic-not-a-secret ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media \
    && chown -R commons:commons /app/var \
    && chown -R root:root /app/var/static

USER commons

EXPOSE 8000

# Health is checked by docker-compose.yml for the web service only, because the worker and
# beat run this same image without serving HTTP.
CMD ["gunicorn", "--config", "config/gunicorn.py", "config.wsgi:application"]
