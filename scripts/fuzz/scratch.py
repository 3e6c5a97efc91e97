"""What `make fuzz` (scripts/fuzz/fuzz.py) and `make load` (scripts/load/load.py) share: a scratch
database made afresh from the demo data, real credentials for each role (roles.py), and the app
served by gunicorn with the production settings on 127.0.0.1.

The scratch database is dropped and created again every run, on the PostgreSQL of .env's
DATABASE_URL (never that database itself). Production settings, over plain HTTP on 127.0.0.1,
take only environment variables: no TLS redirect and cookies without the Secure flag
(DJANGO_SECURE_SSL_REDIRECT=0, DJANGO_SESSION_COOKIE_SECURE=0, DJANGO_CSRF_COOKIE_SECURE=0);
everything else is as deployed (DEBUG off, manifest static files, Redis cache and sessions).
"""

from __future__ import annotations

import json
import os
import re
import runpy
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
LOG_DIR = ROOT / "var" / "log"


def dot_env() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env").read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            name, value = line.split("=", 1)
            values[name.strip()] = value.strip()
    return values


def database_url(name: str) -> str:
    """.env's DATABASE_URL with another database name."""
    parts = urlsplit(dot_env()["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + name))


def redis_url(db: int) -> str:
    parts = urlsplit(dot_env()["REDIS_URL"])
    return urlunsplit(parts._replace(path=f"/{db}"))


def libpq_url(url: str) -> str:
    """A Django DATABASE_URL (postgis://) as libpq takes it (postgresql://)."""
    return urlunsplit(urlsplit(url)._replace(scheme="postgresql"))


def recreate_database(name: str) -> None:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or name == "placement":
        raise SystemExit(f"Not a scratch database name: {name!r}")
    import psycopg

    with psycopg.connect(libpq_url(database_url("postgres")), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")
    with psycopg.connect(libpq_url(database_url(name)), autocommit=True) as connection:
        connection.execute("CREATE EXTENSION IF NOT EXISTS postgis")


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


@dataclass
class Scratch:
    database: str
    redis_db: int

    def env(self, *, production: bool = False, **extra: str) -> dict[str, str]:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(self.database),
            "REDIS_URL": redis_url(self.redis_db),
            "DJANGO_SECRET_KEY": dot_env()["DJANGO_SECRET_KEY"],
            "DJANGO_READ_DOT_ENV": "0",
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
        if production:
            env |= {
                "DJANGO_SETTINGS_MODULE": "config.settings.production",
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
                "SITE_URL": "http://127.0.0.1",
                "DEFAULT_FROM_EMAIL": "proof@localhost",
                "DJANGO_SECURE_SSL_REDIRECT": "0",
                "DJANGO_SESSION_COOKIE_SECURE": "0",
                "DJANGO_CSRF_COOKIE_SECURE": "0",
                "LOG_LEVEL": "WARNING",
            }
        return env | extra

    def manage(self, *args: str, production: bool = False) -> str:
        done = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env(production=production),
            capture_output=True,
            text=True,
        )
        if done.returncode:
            sys.stderr.write(done.stdout + done.stderr)
            raise SystemExit(f"manage.py {' '.join(args)} failed ({done.returncode})")
        return done.stdout

    def prepare(
        self,
        *,
        requests: int,
        providers: int,
        officers: int,
        referrals: int = 0,
        reuse: bool = False,
    ) -> dict[str, Any]:
        """A fresh database with the demo data and `requests` demo placement requests, and
        the credentials of roles.py. `reuse` keeps the last run's database (a quicker second
        try while working on these scripts; a reported run never reuses)."""
        flush_redis(redis_url(self.redis_db))
        if not reuse:
            recreate_database(self.database)
            self.manage("migrate", "--no-input")
            self.manage("seed_demo")
            self.manage("seed_demo_requests", "--count", str(requests), "--months", "3")
            self.manage("collectstatic", "--no-input", production=True)
        done = subprocess.run(
            [
                PYTHON,
                "scripts/fuzz/roles.py",
                f"--providers={providers}",
                f"--officers={officers}",
                f"--referrals={referrals}",
            ],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
        )
        if done.returncode:
            sys.stderr.write(done.stderr)
            raise SystemExit(f"scripts/fuzz/roles.py failed ({done.returncode})")
        roles: dict[str, Any] = json.loads(done.stdout)
        return roles


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


GUNICORN_CONF = ROOT / "config" / "gunicorn_conf.py"


@dataclass(frozen=True)
class Gunicorn:
    """The deployed gunicorn settings (config/gunicorn_conf.py), bound to 127.0.0.1."""

    def argv(self, port: int) -> list[str]:
        return [
            GUNICORN,
            "config.wsgi",
            "--config",
            str(GUNICORN_CONF),
            "--bind",
            f"127.0.0.1:{port}",
        ]

    def settings(self, env: dict[str, str]) -> dict[str, Any]:
        """The settings the run used, read from the config file as gunicorn reads it."""
        values = runpy.run_path(str(GUNICORN_CONF))
        return {
            "server": "gunicorn",
            "config": "config/gunicorn_conf.py",
            **{name: values[name] for name in ("workers", "worker_class", "threads", "timeout")},
            "keepalive": values["keepalive"],
            "max_requests": values["max_requests"],
            "settings": env["DJANGO_SETTINGS_MODULE"],
            "debug": False,
            "bind": "127.0.0.1",
        }


@contextmanager
def serve(
    scratch: Scratch, gunicorn: Gunicorn, *, log_name: str, **extra_env: str
) -> Iterator[str]:
    """The app under gunicorn with the production settings; yields its base URL."""
    port = free_port()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = (LOG_DIR / f"{log_name}.log").open("w")
    process = subprocess.Popen(
        gunicorn.argv(port),
        cwd=ROOT,
        env=scratch.env(production=True, **extra_env),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=5) as response:  # noqa: S310 (http://127.0.0.1 only)
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start: see {log.name}")
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def sign_in(base: str, email: str, password: str) -> dict[str, str]:
    """Signs in through the real sign-in page; returns the cookies (sessionid, csrftoken)."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base + "/sign-in/", timeout=30) as response:
        token = CSRF_INPUT.search(response.read().decode())
    if token is None:
        raise SystemExit("The sign-in page has no CSRF token")
    body = urlencode(
        {"csrfmiddlewaretoken": token.group(1), "username": email, "password": password}
    ).encode()
    request = urllib.request.Request(base + "/sign-in/", data=body, headers={"Referer": base})  # noqa: S310
    with opener.open(request, timeout=30):
        pass
    cookies = {cookie.name: cookie.value for cookie in jar if cookie.value is not None}
    if not any(name.endswith("sessionid") for name in cookies):
        raise SystemExit(f"{email} could not sign in")
    return cookies
