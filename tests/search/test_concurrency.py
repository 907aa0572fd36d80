"""Several processes writing to and reading from one challenge index at the same time."""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from ideation.search.index import IdeaIndex

CHALLENGE = 1
PER_WORKER = 50
WORKERS = 4


def _doc(i: int) -> dict[str, Any]:
    return {
        "id": i,
        "title": f"Idee {i} voor de speeltuin",
        "description": "Kinderen willen meer plek om te spelen in de buurt.",
        "comments": "Goed plan",
        "theme_id": i % 3,
        "status": "published",
    }


# Worker functions live at module level so the spawn start method can import them.


def _writer(root: str, worker: int, barrier: Any, errors: Any) -> None:
    try:
        index = IdeaIndex(root, lock_timeout=120)
        barrier.wait()
        for i in range(worker * PER_WORKER, (worker + 1) * PER_WORKER):
            index.upsert(CHALLENGE, "nl", [_doc(i)])  # one commit per document
    except BaseException:
        errors.put(f"writer {worker}: {traceback.format_exc()}")


def _reader(root: str, barrier: Any, stop: Any, errors: Any) -> None:
    try:
        index = IdeaIndex(root, lock_timeout=120)
        barrier.wait()
        while not stop.is_set():
            page = index.search(CHALLENGE, "nl", "speeltuin kinderen", per_page=100)
            found = [hit.id for hit in page.hits]
            if len(found) != len(set(found)) or page.total > WORKERS * PER_WORKER:
                errors.put(f"reader saw duplicates: {sorted(found)}")
                return
    except BaseException:
        errors.put(f"reader: {traceback.format_exc()}")


def _rebuilder(root: str, barrier: Any, errors: Any) -> None:
    try:
        index = IdeaIndex(root, lock_timeout=120)
        barrier.wait()
        time.sleep(0.3)  # in the middle of the writers' upserts
        # A rebuild sees the database, which holds every idea, committed or not
        # yet indexed; here: all ids the writers will upsert.
        index.rebuild(CHALLENGE, "nl", (_doc(i) for i in range(WORKERS * PER_WORKER)))
    except BaseException:
        errors.put(f"rebuilder: {traceback.format_exc()}")


def _run(processes: list[Any], errors: Any) -> list[str]:
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=60)
    problems = []
    while not errors.empty():
        problems.append(errors.get())
    problems += [f"{p.name} exit code {p.exitcode}" for p in processes if p.exitcode != 0]
    return problems


def test_four_processes_upserting_one_at_a_time_lose_nothing(tmp_path: Path) -> None:
    ctx = mp.get_context("spawn")
    barrier, errors = ctx.Barrier(WORKERS), ctx.Queue()
    writers = [
        ctx.Process(target=_writer, args=(str(tmp_path), w, barrier, errors), name=f"writer{w}")
        for w in range(WORKERS)
    ]
    assert _run(writers, errors) == []
    index = IdeaIndex(tmp_path, lock_timeout=120)
    assert index.doc_ids(CHALLENGE) == set(range(WORKERS * PER_WORKER))
    assert index.search(CHALLENGE, "nl", "speeltuin", per_page=1).total == WORKERS * PER_WORKER
    assert index.is_healthy(CHALLENGE)


def test_readers_keep_working_during_upserts_and_a_rebuild_swap(tmp_path: Path) -> None:
    IdeaIndex(tmp_path).rebuild(CHALLENGE, "nl", [])
    ctx = mp.get_context("spawn")
    barrier, errors, stop = ctx.Barrier(WORKERS + 2), ctx.Queue(), ctx.Event()
    writers = [
        ctx.Process(target=_writer, args=(str(tmp_path), w, barrier, errors), name=f"writer{w}")
        for w in range(WORKERS)
    ]
    reader = ctx.Process(target=_reader, args=(str(tmp_path), barrier, stop, errors))
    rebuilder = ctx.Process(target=_rebuilder, args=(str(tmp_path), barrier, errors))
    reader.start()
    problems = _run([*writers, rebuilder], errors)
    stop.set()
    reader.join(timeout=30)
    problems += _run([], errors) + ([] if reader.exitcode == 0 else ["reader crashed"])
    assert problems == []
    index = IdeaIndex(tmp_path, lock_timeout=120)
    assert index.doc_ids(CHALLENGE) == set(range(WORKERS * PER_WORKER))
    assert len(list((tmp_path / str(CHALLENGE)).glob("gen-*"))) == 1


def test_threads_share_one_instance_while_it_is_written(tmp_path: Path) -> None:
    # gunicorn's gthread workers: one IdeaIndex per process, used by many threads.
    index = IdeaIndex(tmp_path, lock_timeout=120)
    index.rebuild(CHALLENGE, "nl", [_doc(i) for i in range(20)])
    done, failures = threading.Event(), []

    def read() -> None:
        try:
            while not done.is_set():
                found = [h.id for h in index.search(CHALLENGE, "nl", "kinderen", per_page=100).hits]
                assert len(found) == len(set(found))
                index.similar(CHALLENGE, "nl", "speeltuin voor")
        except BaseException as exc:  # reported below
            failures.append(exc)

    def write(first: int) -> None:
        try:
            for i in range(first, first + 25):
                index.upsert(CHALLENGE, "nl", [_doc(i)])
            index.delete(CHALLENGE, "nl", [first])
        except BaseException as exc:
            failures.append(exc)

    readers = [threading.Thread(target=read) for _ in range(4)]
    writers = [threading.Thread(target=write, args=(first,)) for first in (100, 200)]
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join()
    done.set()
    for t in readers:
        t.join()
    assert failures == []
    expected = set(range(20)) | set(range(101, 125)) | set(range(201, 225))
    assert index.doc_ids(CHALLENGE) == expected
