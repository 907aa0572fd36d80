"""The indexes on disk: one directory per challenge, its generations, its write lock.

Layout, one directory per challenge::

    root/<challenge_id>/WRITELOCK      flock held by every writer of this challenge
    root/<challenge_id>/CURRENT        {"generation": "gen-...", "language": "nl"}
    root/<challenge_id>/gen-<hex>/     a complete Whoosh index

Writers take WRITELOCK with a bounded, jittered retry loop and raise `IndexBusy` when it
stays taken; flock is released by the kernel when a process dies, so a crashed worker never
leaves a stale lock. The lock lives outside the generation directories: a writer that waited
on a Whoosh lock inside the old generation would, after a rebuild, write into an index nobody
reads. CURRENT is replaced with os.replace, which is atomic: readers in any process see the
old or the new generation, never a mix. Readers never take WRITELOCK.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import random
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import FileIndex
from whoosh.index import IndexError as WhooshIndexError
from whoosh.util.filelock import FileLock

POINTER = "CURRENT"
WRITELOCK = "WRITELOCK"

# What a damaged index surfaces as while its files are read (measured by damaging segment
# and TOC files): EmptyIndexError for a missing TOC, FileNotFoundError for a missing segment,
# EOFError / struct.error / UnpicklingError for truncated segments. zlib.error guards
# compressed posting blocks.
DAMAGED = (
    WhooshIndexError,
    OSError,
    EOFError,
    struct.error,
    zlib.error,
    pickle.UnpicklingError,
)
# Opening an index (and writing one, all of it Whoosh's code) may also meet a garbled TOC:
# UnpicklingError or UnicodeDecodeError, a ValueError. Not while searching: there a
# ValueError is as likely to come from the search's own code, and is no reason to rebuild.
UNREADABLE = (*DAMAGED, ValueError)


class IndexMissing(Exception):
    """The challenge's index is absent, unreadable or built for another language.

    The caller should schedule `IdeaIndex.rebuild` for the challenge.
    """


class IndexBusy(Exception):
    """Another writer held the challenge's write lock for longer than the timeout.

    Nothing was written; retry later (e.g. from the outbox).
    """


def challenge_dir(root: Path, challenge_id: int) -> Path:
    # int() keeps arbitrary strings out of the path.
    return root / str(int(challenge_id))


def new_generation_name() -> str:
    return f"gen-{time.time_ns():x}-{os.getpid()}"


@contextmanager
def write_lock(cdir: Path, challenge_id: int, timeout: float) -> Iterator[Path]:
    """Holds the challenge's WRITELOCK; `IndexBusy` after ``timeout`` seconds."""
    cdir.mkdir(parents=True, exist_ok=True)
    # flock locks belong to an open file description, so this also
    # serialises threads of one process (each acquire opens the file anew).
    lock = FileLock(str(cdir / WRITELOCK))
    deadline = time.monotonic() + timeout
    delay = 0.002
    while not lock.acquire(blocking=False):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise IndexBusy(f"challenge {challenge_id}: index write lock busy")
        # Jitter keeps waiting processes from retrying in lockstep.
        time.sleep(min(remaining, delay * (0.5 + random.random())))  # noqa: S311
        delay = min(delay * 2, 0.05)
    try:
        yield cdir
    finally:
        lock.release()


def read_pointer(cdir: Path) -> tuple[str, str] | None:
    """(generation, language) of the challenge's live index; None when it has none."""
    try:
        data = json.loads((cdir / POINTER).read_text(encoding="utf-8"))
        return str(data["generation"]), str(data["language"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexMissing(f"{cdir}: unreadable {POINTER} file") from exc


def write_pointer(cdir: Path, generation: str, language: str) -> None:
    """Makes ``generation`` the live index, atomically and durably."""
    tmp = cdir / f"{POINTER}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump({"generation": generation, "language": language}, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, cdir / POINTER)
    # Make the rename itself durable (POSIX: fsync the directory).
    with contextlib.suppress(OSError):
        dir_fd = os.open(cdir, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def live_generation(cdir: Path, challenge_id: int, language: str | None) -> str:
    """The live generation; `IndexMissing` when there is none or it is in another language
    (``language`` None: any)."""
    pointer = read_pointer(cdir)
    if pointer is None:
        raise IndexMissing(f"challenge {challenge_id}: no index")
    generation, built_for = pointer
    if language is not None and built_for != language:
        raise IndexMissing(
            f"challenge {challenge_id}: index built for {built_for!r}, not {language!r}"
        )
    return generation


class OpenIndexes:
    """The open Whoosh index of each challenge's live generation, shared by threads."""

    def __init__(self) -> None:
        self._indexes: dict[tuple[int, str], FileIndex] = {}
        self._lock = threading.Lock()

    def get(self, challenge_id: int, cdir: Path, generation: str) -> FileIndex:
        key = (challenge_id, generation)
        with self._lock:
            ix = self._indexes.get(key)
        if ix is None:
            gdir = cdir / generation
            if not gdir.is_dir():
                raise FileNotFoundError(str(gdir))
            ix = whoosh_index.open_dir(str(gdir))
            with self._lock:
                for old in [k for k in self._indexes if k[0] == challenge_id]:
                    del self._indexes[old]
                self._indexes[key] = ix
        return ix

    def forget(self, challenge_id: int) -> None:
        with self._lock:
            for key in [k for k in self._indexes if k[0] == challenge_id]:
                del self._indexes[key]


@contextmanager
def unreadable_as_missing(challenge_id: int, forget: Callable[[int], None]) -> Iterator[None]:
    """Turns damage met while opening or writing an index into `IndexMissing`."""
    try:
        yield
    except UNREADABLE as exc:
        forget(challenge_id)
        raise IndexMissing(f"challenge {challenge_id}: index unreadable: {exc!r}") from exc
