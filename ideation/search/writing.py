"""Writing changes into a challenge's live index: upserts and deletions, merges.

Small upserts commit without merging; every ``max_segments``-th segment lets Whoosh's
MERGE_SMALL policy merge the small ones. The caller holds the challenge's write lock.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.fields import COLUMN
from whoosh.index import FileIndex, LockError

from ideation.search.generations import (
    IndexBusy,
    IndexMissing,
    OpenIndexes,
    new_generation_name,
    read_pointer,
    unreadable_as_missing,
    write_pointer,
)
from ideation.search.schema import CODEC, build_schema

Forget = Callable[[int], None]


def open_for_write(
    indexes: OpenIndexes,
    challenge_id: int,
    cdir: Path,
    language: str | None,
    *,
    create: bool,
    forget: Forget,
) -> FileIndex | None:
    """The live index to write to: created (in ``language``) when there is none and
    ``create``; None when there is none and it may not be created. `IndexMissing` when it is
    in another language, unreadable, or of an older schema."""
    pointer = read_pointer(cdir)
    if pointer is None:
        if not create or language is None:
            return None
        generation = new_generation_name()
        (cdir / generation).mkdir()
        whoosh_index.create_in(str(cdir / generation), build_schema(language))
        write_pointer(cdir, generation, language)
        pointer = (generation, language)
    generation, built_for = pointer
    if language is not None and built_for != language:
        raise IndexMissing(
            f"challenge {challenge_id}: index built for {built_for!r}, not {language!r}"
        )
    with unreadable_as_missing(challenge_id, forget):
        ix = indexes.get(challenge_id, cdir, generation)
        if not isinstance(ix.schema["created"], COLUMN):
            # Built before the sort fields became value columns: it still
            # serves searches, but new documents no longer fit its schema.
            raise IndexMissing(f"challenge {challenge_id}: index built with an older schema")
        return ix


def write_changes(
    ix: FileIndex,
    challenge_id: int,
    deleted: set[str],
    batch: dict[str, dict[str, Any]],
    *,
    max_segments: int,
    forget: Forget,
) -> None:
    """Deletes the documents with the ids ``deleted`` and adds or replaces those of
    ``batch`` (schema fields by id), in one commit."""
    with unreadable_as_missing(challenge_id, forget):
        try:
            writer = ix.writer(timeout=1.0, codec=CODEC)
        except LockError as exc:  # Whoosh's own lock: a writer that never let go
            raise IndexBusy(f"challenge {challenge_id}: {exc!r}") from exc
        try:
            for key in deleted:
                writer.delete_by_term("id", key)
            for fields in batch.values():
                writer.update_document(**fields)
            _commit(writer, max_segments)
        except BaseException:
            # Also when the commit fails: a writer left open keeps Whoosh's lock,
            # and every later write of this process would fail.
            writer.cancel()
            raise


def merge_all(ix: FileIndex, challenge_id: int, forget: Forget) -> None:
    """Merges all segments of ``ix`` into one."""
    with unreadable_as_missing(challenge_id, forget):
        ix.writer(timeout=1.0, codec=CODEC).commit(optimize=True)


def _commit(writer: Any, max_segments: int) -> None:
    try:
        writer.commit(merge=len(writer.segments) + 1 >= max_segments)
    except LockError as exc:  # pragma: no cover - only foreign Whoosh writers
        raise IndexBusy(str(exc)) from exc
