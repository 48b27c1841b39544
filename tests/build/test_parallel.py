"""The process pool: results in the items' order whatever the start method, and a build
made on every core the same as one made in a single process."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from flashgen.build import parallel
from flashgen.build.parallel import map_chunks
from flashgen.build.pipeline import collect
from tests.helpers import QA


def _square_all(offset: int, chunk: Sequence[int]) -> list[int]:
    return [offset + item * item for item in chunk]


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_results_come_back_in_order_with_each_start_method(
    method: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    finished: list[int] = []
    items = list(range(1000))
    results = list(map_chunks(_square_all, 7, items, done=finished.append, method=method))
    assert results == [7 + item * item for item in items]
    assert sum(finished) == len(items) and len(finished) > 1  # in chunks: a pool ran


def test_a_small_batch_runs_here_an_item_at_a_time() -> None:
    finished: list[int] = []
    assert list(map_chunks(_square_all, 0, [1, 2, 3], done=finished.append)) == [1, 4, 9]
    assert finished == [1, 1, 1]


def _write_vault(root: Path, count: int) -> Path:
    for number in range(count):
        answer = f"{number * number}, see [[n{number + 1}]]"
        body = QA.format(q=f"What is {number} squared?", a=answer)
        path = root / f"topic{number % 5}/n{number}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# Note {number}\n\n#t{number % 3}\n\n{body}", encoding="utf-8")
    return root


def test_a_build_on_every_core_equals_one_in_a_single_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    pooled_vault = _write_vault(tmp_path / "pooled" / "vault", 450)
    single_vault = _write_vault(tmp_path / "single" / "vault", 450)
    outcome: list[object] = []
    # in a thread, as watch mode and the progress bar run beside the build
    worker = threading.Thread(target=lambda: outcome.append(collect(pooled_vault, now=0.0)))
    worker.start()
    worker.join()
    pooled = outcome[0]
    monkeypatch.setattr(parallel, "POOL_THRESHOLD", 10**9)
    single = collect(single_vault, now=0.0)
    assert isinstance(pooled, type(single))
    assert pooled.notes_parsed == single.notes_parsed == 450
    assert [card.to_dict() for card in pooled.cards] == [card.to_dict() for card in single.cards]
    assert pooled.diagnostics == single.diagnostics


def test_calls_within_keep_workers_share_one_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    started: list[object] = []
    start = parallel._pool

    def counted(*args: object) -> object:
        started.append(args)
        return start(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(parallel, "_pool", counted)
    items = list(range(1000))
    with parallel.keep_workers():
        first = list(map_chunks(_square_all, 1, items, method="forkserver"))
        second = list(map_chunks(_square_all, 2, items, method="forkserver"))
        assert len(started) == 1
    assert first == [1 + item * item for item in items]
    assert second == [2 + item * item for item in items]
    list(map_chunks(_square_all, 3, items, method="forkserver"))
    assert len(started) == 2  # outside, each call starts (and ends) its own
