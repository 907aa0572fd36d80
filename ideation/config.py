"""Configuration: defaults <- instance/config.py <- IDEATION_* environment <- test overrides.

Every setting a deployer may change is listed in ``SETTINGS`` with its environment variable,
so the README and the validation below stay in step with the code.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask

from ideation.core.ratelimit import storage_uri

ENV_PREFIX = "IDEATION_"

# Keys that are published in examples or are plainly guessable; refused outside testing.
KNOWN_WEAK_KEYS = frozenset({"", "dev", "development", "secret", "changeme", "change-me", "test"})


class ConfigError(RuntimeError):
    """Raised at start-up when the configuration cannot work; the message says how to fix it."""


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true or false, got {value!r}")


@dataclass(frozen=True)
class Setting:
    env: str  # environment variable without the prefix
    key: str  # Flask config key
    parse: Callable[[str], Any]
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("DATABASE_URL", "SQLALCHEMY_DATABASE_URI", str,
            "SQLAlchemy URL; default SQLite in the instance folder"),
    Setting("SECRET_KEY", "SECRET_KEY", str,
            "session signing key; generated once into the instance folder when unset"),
    Setting("INSTANCE_PATH", "INSTANCE_PATH", str,
            "folder for the SQLite database, uploads, search index and secret key"),
    Setting("DEFAULT_LANGUAGE", "BABEL_DEFAULT_LOCALE", str,
            "language when the browser states no preference (nl or en)"),
    Setting("TIMEZONE", "IDEATION_TIMEZONE", str,
            "time zone in which phase dates are read and times are shown"),
    Setting("SESSION_COOKIE_SECURE", "SESSION_COOKIE_SECURE", _bool,
            "send cookies over HTTPS only; set true behind TLS"),
    Setting("RATELIMIT_STORAGE_URI", "RATELIMIT_STORAGE_URI", str,
            "where rate-limit counters live; default a SQLite file in the instance folder "
            "(shared by the workers of one host), or IDEATION_REDIS_URL when set"),
    Setting("REDIS_URL", "IDEATION_REDIS_URL", str,
            "the one Redis of the platform (redis://host:6379/0): rate-limit counters shared "
            "between hosts and background jobs on RQ; empty: one host, jobs in the web process"),
    Setting("LOGIN_RATE_LIMIT", "IDEATION_LOGIN_RATE_LIMIT", str,
            "failed log-in attempts allowed per address and per account"),
    Setting("SUBMIT_RATE_LIMIT", "IDEATION_SUBMIT_RATE_LIMIT", str,
            "ideas one account may send in"),
    Setting("COMMENT_RATE_LIMIT", "IDEATION_COMMENT_RATE_LIMIT", str,
            "responses one account may place"),
    Setting("MAX_UPLOAD_MB", "IDEATION_MAX_UPLOAD_MB", int,
            "largest photo a citizen may upload, in megabytes"),
    Setting("PROXY_FIX", "IDEATION_PROXY_FIX", int,
            "number of trusted reverse proxies in front of the app (0 = none)"),
    Setting("BASE_URL", "IDEATION_BASE_URL", str,
            "public address of the platform, used for links in e-mails"),
    Setting("MAIL_HOST", "IDEATION_MAIL_HOST", str,
            "SMTP server; when empty, mail is written as .eml files to instance/outbox"),
    Setting("MAIL_PORT", "IDEATION_MAIL_PORT", int, "SMTP port"),
    Setting("MAIL_SECURITY", "IDEATION_MAIL_SECURITY", str,
            "starttls, ssl or none"),
    Setting("MAIL_USERNAME", "IDEATION_MAIL_USERNAME", str, "SMTP user name (optional)"),
    Setting("MAIL_PASSWORD", "IDEATION_MAIL_PASSWORD", str, "SMTP password (optional)"),
    Setting("MAIL_FROM", "IDEATION_MAIL_FROM", str, "sender address of every message"),
    Setting("MAIL_TIMEOUT", "IDEATION_MAIL_TIMEOUT", int, "seconds to wait for the SMTP server"),
    Setting("MAIL_BACKGROUND", "IDEATION_MAIL_BACKGROUND", _bool,
            "send mail from a background thread in every web process (false: only "
            "`flask mail deliver` sends)"),
    Setting("MAIL_RETRY_SECONDS", "IDEATION_MAIL_RETRY_SECONDS", float,
            "seconds before a failed message is tried again (each next wait is 4 times "
            "longer, at most 6 hours); also how often each process looks for due mail"),
    Setting("MINORITY_SHARE", "IDEATION_MINORITY_SHARE", float,
            "smallest share (0-0.5) of answers against the majority that the minority report "
            "shows"),
    Setting("MIN_RESPONSES_FOR_CONCLUSIONS", "IDEATION_MIN_RESPONSES_FOR_CONCLUSIONS", int,
            "fewest sent-in answers of a round (or group) from which its figures, comparison "
            "and minority report are read without a warning that they are too few"),
    Setting("TOKEN_RATE_LIMIT", "IDEATION_TOKEN_RATE_LIMIT", str,
            "requests to personal stakeholder links allowed per address"),
    Setting("API_RATE_LIMIT", "IDEATION_API_RATE_LIMIT", str,
            "requests to the read-only JSON API (/api/v1/) and the open-data download allowed "
            "per client address"),
    Setting("ACCESSIBILITY_CONTACT", "IDEATION_ACCESSIBILITY_CONTACT", str,
            "e-mail address for accessibility questions, shown in the accessibility statement"),
    Setting("ACCOUNT_MAIL_RATE_LIMIT", "IDEATION_ACCOUNT_MAIL_RATE_LIMIT", str,
            "password-reset, confirmation and address-change e-mails asked for, per client "
            "address and per e-mail address"),
    Setting("SCHEDULED_JOBS", "IDEATION_SCHEDULED_JOBS", _bool,
            "run the daily retention and the weekly digest in the web workers (after a "
            "response, at most once per period over all workers)"),
    Setting("JOB_THRESHOLD", "IDEATION_JOB_THRESHOLD", int,
            "challenges with more ideas than this run suggestions, duplicates and reindexes "
            "as background jobs (when IDEATION_REDIS_URL is set)"),
    Setting("UPLOAD_DIR", "IDEATION_UPLOAD_DIR", str,
            "folder of the uploaded photos; default uploads/ in the instance folder. Behind "
            "several hosts: one folder every host mounts (NFS or similar)"),
    Setting("UPLOAD_ACCEL_PREFIX", "IDEATION_UPLOAD_ACCEL_PREFIX", str,
            "behind nginx: the internal location that aliases the upload folder (e.g. "
            "/_uploads/); the app checks who may see a photo and nginx sends it"),
    Setting("DB_POOL_SIZE", "IDEATION_DB_POOL_SIZE", int,
            "PostgreSQL connections each process keeps open"),
    Setting("DB_MAX_OVERFLOW", "IDEATION_DB_MAX_OVERFLOW", int,
            "PostgreSQL connections a process may open beyond the pool at busy moments"),
    Setting("DB_STATEMENT_TIMEOUT_MS", "IDEATION_DB_STATEMENT_TIMEOUT_MS", int,
            "on PostgreSQL, the longest a statement of a web request may run (0: no limit); "
            "commands and background work are not limited"),
    Setting("SESSION_JOIN_RATE_LIMIT", "IDEATION_SESSION_JOIN_RATE_LIMIT", str,
            "wrong join codes of live sessions typed in, per address (joining that works "
            "is not counted: a room behind one address must be able to join)"),
    Setting("SESSION_POST_RATE_LIMIT", "IDEATION_SESSION_POST_RATE_LIMIT", str,
            "ideas, dots and objections one participant of a live session may send, per "
            "join code"),
    Setting("SESSION_CODE_RATE_LIMIT", "IDEATION_SESSION_CODE_RATE_LIMIT", str,
            "ideas, dots and objections all participants of one join code may send together"),
    Setting("END_USER_WARNING_DAYS", "IDEATION_END_USER_WARNING_DAYS", int,
            "days before a phase closes from which the workspace warns when the end users "
            "on the stakeholder map have not contributed"),
    Setting("SEARCH_BACKEND", "IDEATION_SEARCH_BACKEND", str,
            "where idea search lives: auto (PostgreSQL full-text search when the database is "
            "PostgreSQL, shared by every host; else a Whoosh index in the instance folder), "
            "whoosh or postgres"),
    Setting("PASSWORD_HASH_METHOD", "PASSWORD_HASH_METHOD", str,
            "Werkzeug hash method for new passwords, e.g. scrypt or scrypt:65536:8:1"),
)

SUPPORTED_LANGUAGES = ("nl", "en")


def defaults(instance_path: str) -> dict[str, Any]:
    return {
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(instance_path, "ideation.db"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SECRET_KEY": None,
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "IDEATION_TIMEZONE": "Europe/Amsterdam",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead; long forms must not expire
        "RATELIMIT_STORAGE_URI": None,  # see load(): SQLite in the instance folder, or Redis
        "RATELIMIT_KEY_PREFIX": "ideation",  # room for other applications on one Redis
        "IDEATION_REDIS_URL": "",
        "RATELIMIT_HEADERS_ENABLED": True,
        "IDEATION_LOGIN_RATE_LIMIT": "10 per minute;50 per hour",
        "IDEATION_SUBMIT_RATE_LIMIT": "10 per minute;100 per day",
        "IDEATION_COMMENT_RATE_LIMIT": "20 per minute;300 per day",
        "IDEATION_MAX_UPLOAD_MB": 10,
        "IDEATION_PROXY_FIX": 0,
        "IDEATION_BASE_URL": "http://localhost:8000",
        "IDEATION_MAIL_HOST": "",
        "IDEATION_MAIL_PORT": 587,
        "IDEATION_MAIL_SECURITY": "starttls",
        "IDEATION_MAIL_USERNAME": "",
        "IDEATION_MAIL_PASSWORD": "",
        "IDEATION_MAIL_FROM": "Ideation <noreply@localhost>",
        "IDEATION_MAIL_TIMEOUT": 20,
        "IDEATION_MAIL_BACKGROUND": True,
        "IDEATION_MAIL_RETRY_SECONDS": 60.0,
        "IDEATION_ACCESSIBILITY_CONTACT": "",
        "IDEATION_MINORITY_SHARE": 0.10,
        "IDEATION_MIN_RESPONSES_FOR_CONCLUSIONS": 5,
        "IDEATION_TOKEN_RATE_LIMIT": "30 per minute;300 per hour",
        "IDEATION_API_RATE_LIMIT": "120 per minute;3000 per hour",
        "IDEATION_ACCOUNT_MAIL_RATE_LIMIT": "5 per hour;20 per day",
        "IDEATION_SCHEDULED_JOBS": True,
        "IDEATION_JOB_THRESHOLD": 1000,
        "IDEATION_SESSION_JOIN_RATE_LIMIT": "10 per minute;50 per hour",
        "IDEATION_SESSION_POST_RATE_LIMIT": "30 per minute;300 per hour",
        "IDEATION_SESSION_CODE_RATE_LIMIT": "3000 per minute",
        "IDEATION_END_USER_WARNING_DAYS": 14,
        "MAX_FORM_MEMORY_SIZE": 1024 * 1024,
        "PASSWORD_HASH_METHOD": "scrypt",
        "IDEATION_UPLOAD_DIR": "",
        "IDEATION_UPLOAD_ACCEL_PREFIX": "",
        "IDEATION_DB_POOL_SIZE": 5,
        "IDEATION_DB_MAX_OVERFLOW": 10,
        "IDEATION_DB_STATEMENT_TIMEOUT_MS": 30_000,
        "IDEATION_SEARCH_BACKEND": "auto",
        "TESTING": False,
    }


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Read every known ``IDEATION_*`` variable; a value that does not parse stops start-up."""
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(ENV_PREFIX + setting.env)
        if raw is None:
            continue
        try:
            values[setting.key] = setting.parse(raw)
        except ValueError as exc:
            raise ConfigError(f"{ENV_PREFIX}{setting.env}: {exc}") from exc
    return values


def load(app: Flask, overrides: Mapping[str, Any] | None = None) -> None:
    """Fill ``app.config`` in the documented order and validate the result."""
    app.config.from_mapping(defaults(app.instance_path))
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(from_environment(os.environ))
    if overrides:
        app.config.update(overrides)
    # MAX_CONTENT_LENGTH follows the photo limit: three photos plus the text of the form.
    # The remember-me cookie logs a person in as well as the session cookie does: it goes over
    # TLS only whenever the session cookie does (Flask-Login's own default is False).
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config["SESSION_COOKIE_SECURE"])
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = (3 * app.config["IDEATION_MAX_UPLOAD_MB"] + 1) * 2**20
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        # Counted together by every worker of this host (and kept over a restart); across
        # hosts through Redis.
        app.config["RATELIMIT_STORAGE_URI"] = app.config["IDEATION_REDIS_URL"] or storage_uri(
            Path(app.instance_path) / "rate-limits.sqlite3")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))
    if str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        # A pool per process, checked before use (a restarted server or a closed idle
        # connection costs a retry, not an error page), renewed hourly.
        options = app.config["SQLALCHEMY_ENGINE_OPTIONS"] = dict(
            app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options.setdefault("pool_size", app.config["IDEATION_DB_POOL_SIZE"])
        options.setdefault("max_overflow", app.config["IDEATION_DB_MAX_OVERFLOW"])
        options.setdefault("pool_recycle", 3600)
    validate(app.config)


def _instance_secret_key(instance: Path) -> str:
    """Generate a key once and keep it in the instance folder, readable by the owner only."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def _strong_password_method(method: str) -> bool:
    """scrypt at Werkzeug's default cost or above; tests may lower it, deployments may not."""
    name, *params = str(method).split(":")
    if name != "scrypt":
        return False
    try:
        return not params or int(params[0]) >= 2**15
    except ValueError:
        return False


def validate(config: Mapping[str, Any]) -> None:
    key = str(config.get("SECRET_KEY") or "")
    if not config.get("TESTING") and (key.lower() in KNOWN_WEAK_KEYS or len(key) < 16):
        raise ConfigError(
            "IDEATION_SECRET_KEY is a known or short value. Unset it to have a key generated "
            "into the instance folder, or set at least 32 random characters."
        )
    if config["BABEL_DEFAULT_LOCALE"] not in SUPPORTED_LANGUAGES:
        raise ConfigError(f"IDEATION_DEFAULT_LANGUAGE must be one of {SUPPORTED_LANGUAGES}")
    try:
        ZoneInfo(config["IDEATION_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        zone = config["IDEATION_TIMEZONE"]
        raise ConfigError(f"IDEATION_TIMEZONE: unknown time zone {zone!r}") from exc
    if config["IDEATION_MAX_UPLOAD_MB"] < 1:
        raise ConfigError("IDEATION_MAX_UPLOAD_MB must be at least 1")
    url = str(config["SQLALCHEMY_DATABASE_URI"])
    if not url.startswith(("sqlite:", "postgresql")):
        raise ConfigError("IDEATION_DATABASE_URL must be a sqlite:// or postgresql+psycopg:// URL")
    limits_uri = str(config["RATELIMIT_STORAGE_URI"])
    if not limits_uri.startswith(("sqlite://", "redis://", "rediss://", "redis+", "memory://")):
        raise ConfigError("IDEATION_RATELIMIT_STORAGE_URI must be a sqlite:///file, redis:// "
                          "or memory:// URI")
    if not config.get("TESTING") and not _strong_password_method(config["PASSWORD_HASH_METHOD"]):
        raise ConfigError("IDEATION_PASSWORD_HASH_METHOD must be scrypt, or scrypt:N:r:p with "
                          "N at least 32768 (Werkzeug's default cost)")
    if config["IDEATION_MAIL_SECURITY"] not in {"starttls", "ssl", "none"}:
        raise ConfigError("IDEATION_MAIL_SECURITY must be starttls, ssl or none")
    if not 0 < float(config["IDEATION_MAIL_RETRY_SECONDS"]) <= 86_400:
        raise ConfigError("IDEATION_MAIL_RETRY_SECONDS must be more than 0 and at most 86400")
    if not 0 < float(config["IDEATION_MINORITY_SHARE"]) < 0.5:
        raise ConfigError("IDEATION_MINORITY_SHARE must be between 0 and 0.5, e.g. 0.10")
    fewest = config["IDEATION_MIN_RESPONSES_FOR_CONCLUSIONS"]
    if isinstance(fewest, bool) or not isinstance(fewest, int) or fewest < 1:
        raise ConfigError("IDEATION_MIN_RESPONSES_FOR_CONCLUSIONS must be a whole number of at "
                          "least 1, e.g. 5")
    if not str(config["IDEATION_BASE_URL"]).startswith(("http://", "https://")):
        raise ConfigError("IDEATION_BASE_URL must start with http:// or https://")
    redis_url = str(config.get("IDEATION_REDIS_URL") or "")
    if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("IDEATION_REDIS_URL must be empty or a redis://, rediss:// or unix:// "
                          "URL, e.g. redis://127.0.0.1:6379/0")
    for name in ("IDEATION_DB_POOL_SIZE", "IDEATION_DB_MAX_OVERFLOW",
                 "IDEATION_DB_STATEMENT_TIMEOUT_MS"):
        if int(config[name]) < 0:
            raise ConfigError(f"{name} must be 0 or more")
    if int(config["IDEATION_DB_POOL_SIZE"]) < 1:
        raise ConfigError("IDEATION_DB_POOL_SIZE must be at least 1")
    prefix = str(config.get("IDEATION_UPLOAD_ACCEL_PREFIX") or "")
    if prefix and not prefix.startswith("/"):
        raise ConfigError("IDEATION_UPLOAD_ACCEL_PREFIX must be empty or a path such as "
                          "/_uploads/")
    backend = str(config.get("IDEATION_SEARCH_BACKEND") or "auto")
    if backend not in {"auto", "whoosh", "postgres"}:
        raise ConfigError("IDEATION_SEARCH_BACKEND must be auto, whoosh or postgres")
    if backend == "postgres" and not url.startswith("postgresql"):
        raise ConfigError("IDEATION_SEARCH_BACKEND=postgres needs a PostgreSQL database "
                          "(IDEATION_DATABASE_URL=postgresql+psycopg://...)")
    if int(config["IDEATION_JOB_THRESHOLD"]) < 0:
        raise ConfigError("IDEATION_JOB_THRESHOLD must be 0 or more (a number of ideas)")
