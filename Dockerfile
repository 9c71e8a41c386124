# linli in a container: the bot with the PostgreSQL and Redis extras, as scripts/run installs it,
# and the PostgreSQL client tools that `linli backup` / `linli restore` call (pg_dump, pg_restore,
# psql; Debian bookworm's are version 15, so the server in docs/deploy/compose.yaml is 15 too:
# pg_dump refuses a newer server).
#   docker build -t linli .
#   docker run --rm --env-file .env -v linli-data:/app/data linli run
FROM python:3.11-slim-bookworm

RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# What the package is built from (pyproject.toml's packages and its readme), nothing else.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY locales ./locales
RUN python -m pip install --no-cache-dir --disable-pip-version-check ".[postgres,redis]"

# Not root; DATA_DIR (the SQLite default, backups) on a volume that outlives the container.
RUN useradd --system --home-dir /app --shell /usr/sbin/nologin linli \
    && mkdir -p /app/data/backups && chown -R linli /app/data
USER linli
ENV DATA_DIR=/app/data PYTHONUNBUFFERED=1
VOLUME ["/app/data"]

# `linli run` migrates the database first; `docker compose run --rm bot backup PATH` etc. work too.
ENTRYPOINT ["linli"]
CMD ["run"]
