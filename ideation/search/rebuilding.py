"""Rebuilding a challenge's index: a new generation written whole, then swapped in.

A rebuild holds the challenge's write lock while it consumes ``docs`` (a lazy DB query sees
every change committed before it started) and swaps the pointer; upserts arriving meanwhile
wait up to their timeout and then raise `IndexBusy`, to be retried from the outbox.
Segments are written term by term (`SegmentsWriter`); with ``processes`` > 1 by forked worker
processes (`_ParallelWriter`), for the command line.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.index import FileIndex

from ideation.search.generations import new_generation_name, write_pointer
from ideation.search.schema import CODEC, build_schema, document
from ideation.search.segments import SegmentsWriter, commit_segments

PARALLEL_REBUILD_MIN_DOCS = 5_000
_BATCH = 250  # documents per message to a worker


def write_generation(
    cdir: Path,
    language: str,
    docs: Iterable[dict[str, Any]],
    progress: Callable[[int], None] | None,
    *,
    progress_every: int,
    processes: int,
    limitmb: float,
) -> tuple[str, int, int]:
    """Indexes ``docs`` into a new generation of ``cdir`` and makes it the live one; call it
    holding the write lock. Returns (the generation, documents indexed, the count last given
    to ``progress``). On any error the new generation is deleted and the live one stays."""
    generation = new_generation_name()
    gdir = cdir / generation
    gdir.mkdir()
    count = reported = 0
    try:
        ix = whoosh_index.create_in(str(gdir), build_schema(language))
        seen: set[str] = set()
        with _gc_paused(), _rebuild_writer(ix, processes, limitmb) as add:
            for doc in docs:
                fields = document(doc)
                if fields["id"] in seen:
                    continue
                seen.add(fields["id"])
                add(fields)
                count += 1
                if progress is not None and count - reported >= progress_every:
                    progress(count)
                    reported = count
        write_pointer(cdir, generation, language)
    except BaseException:
        shutil.rmtree(gdir, ignore_errors=True)
        raise
    return generation, count, reported


@contextmanager
def _rebuild_writer(
    ix: FileIndex, processes: int, limitmb: float
) -> Iterator[Callable[[dict[str, Any]], None]]:
    """A function that adds one document to the new generation; committed on a clean
    exit, cancelled (nothing of the new generation kept) on an error."""
    if processes > 1 and "fork" in multiprocessing.get_all_start_methods():
        parallel = _ParallelWriter(ix, processes, limitmb)
        try:
            yield parallel.add
        except BaseException:
            parallel.cancel()
            raise
        parallel.commit()
        return
    writer = SegmentsWriter(ix, CODEC, limitmb)
    try:
        yield writer.add
    except BaseException:
        writer.cancel()
        raise
    commit_segments(ix, CODEC, writer.finish())


def rebuild_processes(count: int) -> int:
    """How many processes a full reindex of ``count`` ideas from the command line uses: one
    per core, up to four, and one for small challenges (starting a worker costs more than
    indexing a few thousand ideas)."""
    if count < PARALLEL_REBUILD_MIN_DOCS:
        return 1
    return max(1, min(4, os.cpu_count() or 1))




class _ParallelWriter:
    """Rebuild with worker processes, each writing its own segments of the new generation
    (one, unless its share of the memory limit runs out).

    This process reads the documents and sends them in batches over a pipe to the workers in
    turn (a full pipe blocks the sender, so memory stays bounded); each worker adds them to
    its own `SegmentsWriter` and, told to finish, writes its segments and sends them back.
    The TOC listing the segments is written here, so the generation becomes an index only
    when every worker has succeeded. A worker that fails or dies makes `commit` (or the next
    send) raise, and `cancel` stops the others: the caller deletes the half-written
    generation and the live index stays as it was. Whoosh's own multiprocessing writer was
    not used: it drops the segment of a worker that died without a word and can wait on a
    dead worker for ever.
    """

    def __init__(self, ix: FileIndex, processes: int, limitmb: float) -> None:
        context = multiprocessing.get_context("fork")
        self._ix = ix
        self._workers: list[tuple[Any, Any]] = []
        self._batch: list[dict[str, Any]] = []
        self._next = 0
        try:
            for _ in range(processes):
                ours, theirs = context.Pipe()
                worker = context.Process(
                    target=_segment_worker,
                    args=(ix.storage.folder, ix.indexname, theirs, limitmb / processes),
                    daemon=True,
                )
                worker.start()
                theirs.close()
                self._workers.append((worker, ours))
        except BaseException:
            self.cancel()
            raise

    def add(self, fields: dict[str, Any]) -> None:
        self._batch.append(fields)
        if len(self._batch) >= _BATCH:
            self._send()

    def _send(self) -> None:
        worker, pipe = self._workers[self._next % len(self._workers)]
        self._next += 1
        try:
            pipe.send(self._batch)
        except OSError as exc:  # the worker is gone: a broken pipe
            raise RuntimeError(f"index worker {worker.pid} failed: {_why(worker, pipe)}") from exc
        self._batch = []

    def commit(self) -> None:
        if self._batch:
            self._send()
        segments = []
        try:
            for _worker, pipe in self._workers:
                pipe.send(None)
            for worker, pipe in self._workers:
                try:
                    status, result = pipe.recv()
                except (EOFError, OSError):
                    status, result = "error", _why(worker, pipe)
                if status != "ok":
                    raise RuntimeError(f"index worker {worker.pid} failed: {result}")
                segments.extend(result)
                worker.join()
        except BaseException:
            self.cancel()
            raise
        commit_segments(self._ix, CODEC, segments)

    def cancel(self) -> None:
        for worker, pipe in self._workers:
            pipe.close()
            if worker.is_alive():
                worker.terminate()
            worker.join()


def _why(worker: Any, pipe: Any) -> str:
    """What a worker that stopped early said (its exception), or how it ended."""
    with contextlib.suppress(EOFError, OSError):
        if pipe.poll(0):
            status, result = pipe.recv()
            if status == "error":
                return str(result)
    worker.join(timeout=5)
    return f"exited with code {worker.exitcode}"


def _segment_worker(folder: str, indexname: str, pipe: Any, limitmb: float) -> None:
    """In a forked process: add the documents of every batch received to new segments; at
    the end (None) write them and send ("ok", segments), or ("error", why)."""
    gc.disable()  # as in _gc_paused: the process ends when the segment is written
    try:
        ix = whoosh_index.open_dir(folder, indexname=indexname)
        writer = SegmentsWriter(ix, CODEC, limitmb)
        while (batch := pipe.recv()) is not None:
            for fields in batch:
                writer.add(fields)
        pipe.send(("ok", writer.finish()))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises
        with contextlib.suppress(OSError):
            pipe.send(("error", repr(exc)))


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Keeps Python's cyclic garbage collector from running during a rebuild.

    A rebuild makes millions of small objects (postings, pickles) that live until the commit;
    the collector walked them again and again, a fifth of a reindex (measured: 1,400 -> 1,800
    ideas/s). Reference counting still frees everything meanwhile, and the collector runs
    normally again afterwards. It is process-wide, so other threads go without it too for
    the few seconds a rebuild takes.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
