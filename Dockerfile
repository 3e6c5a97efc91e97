# Production image: gunicorn serving the app, the same image runs the Celery worker and beat.
FROM node:20-bookworm-slim AS frontend
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY scripts/build-frontend.mjs scripts/
COPY static static
RUN npm run build

FROM python:3.12-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH DJANGO_READ_DOT_ENV=0
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgdal32 libgeos-c1v5 libproj25 \
    && rm -rf /var/lib/apt/lists/* \
    && pip install --no-cache-dir uv
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
COPY --from=frontend /app/static/dist static/dist
RUN DJANGO_SECRET_KEY=build DATABASE_URL=postgis://x@localhost/x REDIS_URL=redis://localhost \
    DJANGO_ALLOWED_HOSTS=x SITE_URL=http://x DEFAULT_FROM_EMAIL=x@x \
    DJANGO_SETTINGS_MODULE=config.settings.production python manage.py collectstatic --no-input
# osrm-routed (and the other OSRM programs) ship inside the osrm-bindings wheel: put them on
# PATH for the osrm service in docker-compose.yml. find_spec locates it without importing it.
RUN ln -s "$(python -c 'import importlib.util as u, pathlib as p; print(p.Path(u.find_spec("osrm").origin).parent / "bin")')"/osrm-* /usr/local/bin/ \
    && osrm-routed --version
# var/osrm is where build_road_network writes by default (the osrm volume in docker-compose.yml).
RUN useradd --system app && mkdir -p /app/var/osrm && chown -R app /app/var
USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--config", "config/gunicorn_conf.py"]
