"""The file backend's journal slots (``_journal.py``): a transaction over several files is
made durable in a preallocated slot first; recovery replays only a dead writer's record
that is whole and not done, never a live writer's, never a done one over later writes."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal

import pytest

from portal import store
from portal.store import _files, _journal


def _two_files(backend, n: int) -> None:
    with backend.transaction("a/doc", "b/doc") as (a, b):
        a.table("t").insert({"n": n})
        b.table("t").insert({"n": n})


def _slots(folder):
    return sorted((folder / _files.JOURNAL_DIR).glob("slot-*.wal"))


def test_a_slot_is_made_once_and_reused_with_its_record_done(tmp_path):
    backend = store.open_backend(tmp_path)
    for n in range(5):
        _two_files(backend, n)
    [slot] = _slots(tmp_path)
    assert slot.stat().st_size == _journal.SLOT_BYTES  # overwritten in place, never grown
    assert _journal.read_record(slot) is None  # done: nothing to replay
    assert len(backend.read("a/doc")["t"]) == len(backend.read("b/doc")["t"]) == 5
    assert store.open_backend(tmp_path).check() == 0


def _record(tmp_path, writes: dict[str, dict]) -> bytes:
    body = {"writes": [[f"{k}.json", json.dumps(v)] for k, v in writes.items()]}
    return json.dumps(body).encode("utf-8")


def _dead_slot(tmp_path, body: bytes | None, state=_journal.READY, tear: bool = False):
    """A slot as a killed process leaves it: written, its lock gone with the process."""
    folder = tmp_path / _files.JOURNAL_DIR
    path = folder / "slot-999999-deadbeef.wal"

    def child():
        slot = _journal.Slot(folder)
        if body is not None:
            slot.write(body)
        if state == _journal.DONE:
            slot.done()
        if tear:  # a write the kill interrupted: the header is there, the body is not whole
            os.pwrite(slot.fd, b"\xff" * 16, 40)
        os.replace(slot.path, path)
        os.kill(os.getpid(), signal.SIGKILL)

    proc = multiprocessing.get_context("fork").Process(target=child)
    proc.start()
    proc.join(30)
    assert proc.exitcode == -signal.SIGKILL
    return path


def test_a_dead_writers_record_is_replayed_and_its_slot_removed(tmp_path):
    backend = store.open_backend(tmp_path)
    slot = _dead_slot(tmp_path, _record(tmp_path, {"a/doc": {"t": {"1": {"n": 7}}}}))
    assert backend.check() == 1
    assert backend.read("a/doc") == {"t": {"1": {"n": 7}}}
    assert not slot.exists()


@pytest.mark.parametrize("case", ["done", "torn", "empty"])
def test_a_done_torn_or_empty_record_is_never_replayed(tmp_path, case):
    backend = store.open_backend(tmp_path)
    with backend.transaction("a/doc") as (db,):
        db.table("t").insert({"n": "later"})
    before = backend.read("a/doc")
    body = _record(tmp_path, {"a/doc": {"t": {"1": {"n": "older"}}}})
    slot = _dead_slot(
        tmp_path,
        None if case == "empty" else body,
        state=_journal.DONE if case == "done" else _journal.READY,
        tear=case == "torn",
    )
    assert backend.check() == 0
    backend.forget_caches()
    assert backend.read("a/doc") == before
    assert not slot.exists()


def test_a_live_writers_slot_is_left_to_it(tmp_path):
    backend = store.open_backend(tmp_path)
    folder = tmp_path / _files.JOURNAL_DIR
    slot = _journal.take(folder)  # this process holds its lock
    slot.write(_record(tmp_path, {"a/doc": {"t": {"1": {"n": 1}}}}))
    try:
        assert backend.check() == 0
        assert backend.read("a/doc") == {}
        assert slot.path.exists()
    finally:
        slot.done()
        _journal.give_back(slot)


def test_a_record_larger_than_the_slot_grows_it(tmp_path):
    backend = store.open_backend(tmp_path)
    big = "长" * (_journal.SLOT_BYTES // 2)
    with backend.transaction("a/doc", "b/doc") as (a, b):
        a.table("t").insert({"text": big})
        b.table("t").insert({"text": big})
    [slot] = _slots(tmp_path)
    assert slot.stat().st_size > _journal.SLOT_BYTES
    backend.forget_caches()
    assert backend.read("b/doc")["t"]["1"]["text"] == big


def test_a_failure_before_any_file_is_replaced_voids_the_record(tmp_path, monkeypatch):
    backend = store.open_backend(tmp_path)
    _two_files(backend, 1)  # the slot exists

    def no_space(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_files.os, "replace", no_space)
    with pytest.raises(OSError):
        _two_files(backend, 2)
    monkeypatch.undo()
    [slot] = _slots(tmp_path)
    assert _journal.read_record(slot) is None  # nothing to replay: the caller was told so
    backend.forget_caches()
    assert [r["n"] for r in backend.read("a/doc")["t"].values()] == [1]
    _two_files(backend, 3)  # the slot serves again
    assert len(_slots(tmp_path)) == 1


def test_a_journal_file_of_the_earlier_format_is_still_finished(tmp_path):
    """Upgrading with a journal an older version left behind: start-up finishes it."""
    backend = store.open_backend(tmp_path)
    journal = tmp_path / _files.JOURNAL_DIR / "1-2-3.json"
    journal.parent.mkdir(parents=True, exist_ok=True)
    record = {"writes": [["a/doc.json", json.dumps({"t": {"1": {"n": "old-format"}}})]]}
    journal.write_text(json.dumps(record), encoding="utf-8")
    assert backend.check() == 1
    assert backend.read("a/doc") == {"t": {"1": {"n": "old-format"}}}
    assert not journal.exists()
