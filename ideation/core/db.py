"""Declarative base with a naming convention, so Alembic can alter constraints on SQLite."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Enum, MetaData
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and hands them back aware, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use ideation.core.db.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def contains_pattern(text: str) -> str:
    """A LIKE pattern (escape character ``\\``) matching ``text`` anywhere, its wildcards
    taken literally: ``column.ilike(contains_pattern(q), escape="\\")``."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    # One registry carries both, so Flask-SQLAlchemy's subclass inherits them together.
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


def str_enum(cls: type[enum.StrEnum], length: int = 20) -> Enum:
    """A string enum stored as VARCHAR with a check in Python (no native ENUM to migrate)."""
    return Enum(cls, native_enum=False, length=length, validate_strings=True)


def limit_web_statements(app: Any, engine: Any) -> None:
    """On PostgreSQL, give the statements of web requests ``IDEATION_DB_STATEMENT_TIMEOUT_MS``
    (a runaway query answers with an error page instead of holding a worker and a connection);
    commands, jobs and work after the response are not limited. Set when a connection is taken
    from the pool, committed at once so a rollback in the request cannot undo it."""
    limit = int(app.config.get("IDEATION_DB_STATEMENT_TIMEOUT_MS") or 0)
    if engine.dialect.name != "postgresql" or limit <= 0:
        return
    from flask import has_request_context
    from sqlalchemy import event

    def on_checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        wanted = limit if has_request_context() else 0
        if record.info.get("statement_timeout") == wanted:
            return
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", (str(wanted),))
        dbapi_connection.commit()
        record.info["statement_timeout"] = wanted

    event.listen(engine, "checkout", on_checkout)
