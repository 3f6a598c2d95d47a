"""Batch scoring: discovered pairs -> comparisons -> verdicts -> the SQLite store, resumably.

The main process discovers pairs (``kgjudge.inputs``), skips those already stored for the same
run configuration, and feeds the rest in small chunks to worker processes, a bounded number at a
time, so memory stays flat however many documents there are. Each worker loads the domain pack
and a Processor once; it reads, extracts and compares (reference graphs cached), and with the
embedded ``kg`` judge also judges. Remote judges (``openai``) are called from a bounded thread
pool in the main process. Only the main process writes to the store (one SQLite writer), one
transaction per pair, as each result arrives: a kill loses at most the pairs in flight.

A pair that cannot be scored (bad file, missing member, judge failure) is stored with its reason
as an error verdict per rubric; it never stops the run.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import signal
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kgjudge.errors import ConfigError, InputError, KgJudgeError, ServerUnreachable
from kgjudge.inputs import Item, check_text, discover, read_document
from kgjudge.judge.base import Pair, Verdict
from kgjudge.processor import (
    BatchSettings,
    PipelineProcessor,
    Processor,
    import_spacy_without_torch,
    judge_settings,
    load_processor,
    remember_pack,
)
from kgjudge.runtime import settle, tune_for_long_runs
from kgjudge.store import CaseBlobs, Store, config_hash

__all__ = ["BatchReport", "BatchSettings", "Outcome", "PipelineProcessor", "Processor",
           "import_spacy_without_torch", "judge_settings", "load_processor", "run_batch"]

if TYPE_CHECKING:
    from kgjudge.compare.model import Comparison
    from kgjudge.domain import DomainPack


@dataclass
class Outcome:
    """One pair's result, sent from a worker to the main process (picklable)."""

    pair: Pair
    blobs: CaseBlobs | None = None
    verdicts: list[Verdict] = field(default_factory=list)
    error: str = ""
    comparison: Comparison | None = None
    """Kept only while a remote judge still has to score it."""


@dataclass
class BatchReport:
    """What a batch did, for the summary and the exit code."""

    run_id: int
    total: int = 0
    skipped: int = 0
    processed: int = 0
    interrupted: bool = False
    failures: Counter[str] = field(default_factory=Counter)

    @property
    def exit_code(self) -> int:
        return 1 if self.failures else 0

# ---------------------------------------------------------------------------- per pair
def read_pair(item: Item, max_bytes: int) -> Pair:
    """Read an item's documents into a Pair; InputError names the file and the problem."""
    if item.problem:
        raise InputError(item.problem)
    texts = {}
    for role in ("reference", "candidate"):
        inline = getattr(item, f"{role}_text")
        path = getattr(item, f"{role}_path")
        texts[role] = (check_text(inline, f"{item.id} ({role})", max_bytes=max_bytes)
                       if inline is not None else read_document(path, max_bytes=max_bytes))
    return Pair(id=item.id, reference=texts["reference"], candidate=texts["candidate"],
                instruction=item.instruction, source=item.source,
                reference_path=item.reference_path, candidate_path=item.candidate_path,
                metadata=item.metadata)


def failed_verdicts(pair: Pair, rubrics: Iterable[str], error: str, **fields: Any) -> list[Verdict]:
    return [Verdict(case_id=pair.id, rubric=r, status="error", error=error, source=pair.source,
                    **fields) for r in rubrics]


def describe(error: BaseException) -> str:
    """An error message that starts with its failure class (how failures are grouped).

    Input errors already start with theirs ('empty file: ...'); other kgjudge errors get their
    class name, as the judges' own error verdicts do ('JudgeTimeout: ...').
    """
    if isinstance(error, InputError):
        return str(error)
    if isinstance(error, KgJudgeError):
        return f"{type(error).__name__}: {error}"
    # A bug must not stop the run; keep where it happened so it can be reported.
    where = traceback.extract_tb(error.__traceback__)[-1:] if error.__traceback__ else []
    place = f" at {where[0].filename}:{where[0].lineno}" if where else ""
    return f"internal error: {type(error).__name__}: {error}{place}"


def process_item(processor: Processor, item: Item, rubrics: list[str],
                 settings: BatchSettings) -> Outcome:
    """Read, compare and (for local judges) judge one item; never raises."""
    placeholder = Pair(id=item.id, reference="", candidate="", source=item.source,
                       reference_path=item.reference_path, candidate_path=item.candidate_path,
                       instruction=item.instruction, metadata=item.metadata)
    try:
        pair = read_pair(item, settings.max_bytes)
    except Exception as e:  # noqa: BLE001 - recorded per item, see describe()
        message = describe(e)
        return Outcome(placeholder, verdicts=failed_verdicts(placeholder, rubrics, message),
                       error=message)
    try:
        comparison = processor.compare(pair)
        blobs = CaseBlobs.of(comparison)
    except Exception as e:  # noqa: BLE001
        message = describe(e)
        return Outcome(pair, verdicts=failed_verdicts(pair, rubrics, message), error=message)
    if processor.remote:
        return Outcome(pair, blobs=blobs, comparison=comparison)
    return Outcome(pair, blobs=blobs, verdicts=judge_safely(processor, pair, comparison, rubrics))


def _server_gone(outcome: Outcome) -> str | None:
    """The message of a verdict that found the judge's server unreachable, if one did."""
    prefix = f"{ServerUnreachable.__name__}: "
    for verdict in outcome.verdicts:
        if verdict.error.startswith(prefix):
            return verdict.error.removeprefix(prefix)
    return None


def judge_safely(processor: Processor, pair: Pair, comparison: Comparison,
                 rubrics: list[str]) -> list[Verdict]:
    try:
        verdicts = processor.judge(pair, comparison, rubrics)
    except Exception as e:  # noqa: BLE001
        return failed_verdicts(pair, rubrics, describe(e), backend=processor.backend,
                               model=processor.model)
    return [v if v.source == pair.source else replace(v, source=pair.source) for v in verdicts]


# ---------------------------------------------------------------------------- workers
_WORKER: tuple[Processor, list[str], BatchSettings] | None = None


def _init_worker(settings: BatchSettings, rubrics: list[str]) -> None:
    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process handles Ctrl-C
    tune_for_long_runs()  # a spawned worker does not inherit the CLI's setting
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    _WORKER = (load_processor(settings), rubrics, settings)
    settle()  # the worker's pack, extractor and judge live as long as it does


def _exit_with_parent(parent: int) -> None:
    """End this worker when the main process is gone (kill -9 leaves workers blocked otherwise)."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _process_chunk(items: list[Item]) -> list[Outcome]:
    assert _WORKER is not None, "worker not initialised"
    processor, rubrics, settings = _WORKER
    return [process_item(processor, item, rubrics, settings) for item in items]


def _chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    chunk: list[Item] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _outcomes(chunks: Iterable[list[Item]], settings: BatchSettings, rubrics: list[str],
              local: Callable[[], Processor]) -> Iterator[Outcome]:
    """Process chunks in order, at most 2 chunks per worker in flight (flat memory)."""
    if settings.jobs <= 1:
        processor = local()
        for chunk in chunks:
            for item in chunk:
                yield process_item(processor, item, rubrics, settings)
        return
    from collections import deque
    from concurrent.futures.process import BrokenProcessPool

    pool = cf.ProcessPoolExecutor(settings.jobs, initializer=_init_worker,
                                  initargs=(settings, rubrics))
    pending: deque[cf.Future[list[Outcome]]] = deque()
    try:
        for chunk in chunks:
            pending.append(pool.submit(_process_chunk, chunk))
            if len(pending) >= 2 * settings.jobs:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    except BrokenProcessPool as e:
        raise KgJudgeError("a batch worker process died (out of memory, or killed); what was "
                           "stored is kept: run the same command again to resume") from e
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def resolve_rubrics(pack: DomainPack, wanted: Iterable[str]) -> list[str]:
    from kgjudge.errors import did_you_mean

    rubrics = list(wanted) or list(pack.default_rubrics)
    for rubric in rubrics:
        if rubric not in pack.rubrics:
            raise ConfigError(f"pack '{pack.name}' has no rubric '{rubric}'"
                              f"{did_you_mean(rubric, pack.rubrics)}; known: "
                              f"{', '.join(pack.rubrics)}")
    if not rubrics:
        raise ConfigError(f"pack '{pack.name}' has no default rubric; pass --rubric")
    return rubrics


def open_run(store: Store, input_path: Path, settings: BatchSettings, pack: DomainPack,
             rubrics: list[str]) -> int:
    """The run with this configuration (resumed), or a new one."""
    source = str(input_path.resolve())
    config = settings.config(source, pack, rubrics)
    found = store.find_run(config_hash(config))
    if found is not None:
        return found.id
    return store.create_run(
        config=config, domain=pack.name, pack_hash=pack.content_hash, rubrics=rubrics,
        backend=settings.backend, extractor=settings.extractor or pack.extractor.name or "rules",
        model=str(settings.judge_options.get("model") or settings.backend), input=source)


def run_batch(input_path: str | Path, settings: BatchSettings, *, db: str | Path,
              on_start: Callable[[int, int], None] | None = None,
              on_outcome: Callable[[Outcome], None] | None = None,
              processor: Processor | None = None,
              on_loaded: Callable[[], None] | None = None) -> BatchReport:
    """Score every pair under ``input_path`` not yet stored for this configuration.

    Args:
        input_path: a folder or manifest (see kgjudge.inputs).
        settings: what to run and how fast.
        db: the SQLite store; created if missing, resumed if it holds the same configuration.
        on_start: called with (pairs to do, pairs already stored) before the first pair.
        on_outcome: called after each pair is stored (progress).
        processor: used instead of settings.processor when jobs is 1 (tests, the Python API).
        on_loaded: called once this process has built its processor (the CLI then moves what
            was loaded out of the cyclic collector's walks, `kgjudge.runtime.settle`).
    """
    from kgjudge.domain import load_pack

    input_path = Path(input_path)
    pack = load_pack(settings.domain)
    remember_pack(settings.domain, pack)
    rubrics = resolve_rubrics(pack, settings.rubrics)
    total = sum(1 for _ in discover(input_path))  # checks the layout before a store is made
    if total == 0:
        raise InputError(f"{input_path}: no documents found; put files in references/ and "
                         "candidates/ (see 'kgjudge batch --help')")
    judge_settings(settings)  # option errors exit now, not once per pair
    main_processor: list[Processor] = [processor] if processor else []

    def local() -> Processor:
        if not main_processor:
            main_processor.append(load_processor(settings))
            if on_loaded is not None:
                on_loaded()
        return main_processor[0]

    if settings.backend != "kg":  # the main process judges: build it now (bad endpoint: exit 2)
        backend = getattr(local(), "judge_backend", None)
        check_server = getattr(backend, "check_server", None)  # remote judges have one
        if check_server is not None:
            check_server()  # a server that is down fails the run now, not every pair
    with Store(db) as store:
        run_id = open_run(store, input_path, settings, pack, rubrics)
        done = store.done(run_id, include_errors=not settings.retry_failed)

        def todo() -> Iterator[Item]:
            return (i for i in discover(input_path)
                    if not all((i.source, i.id, r) in done for r in rubrics))

        report = BatchReport(run_id, total=total)
        count = sum(1 for _ in todo())
        report.skipped = report.total - count
        if on_start:
            on_start(count, report.skipped)
        def record(outcome: Outcome) -> None:
            store.add_result(run_id, outcome.pair, comparison=outcome.blobs,
                             verdicts=outcome.verdicts, error=outcome.error or None)
            report.processed += 1
            if on_outcome:
                on_outcome(outcome)

        try:
            _drain(_outcomes(_chunks(todo(), settings.chunk), settings, rubrics, local),
                   record, local, rubrics, 1 if settings.backend == "hf" else settings.concurrency)
        except KeyboardInterrupt:
            report.interrupted = True
            raise
        store.finish_run(run_id)
        report.failures = store.failures(run_id)
    return report


def _drain(outcomes: Iterator[Outcome], record: Callable[[Outcome], None],
           local: Callable[[], Processor], rubrics: list[str], concurrency: int) -> None:
    """Store outcomes; those waiting for a remote judge go through a bounded thread pool."""
    threads: cf.ThreadPoolExecutor | None = None
    pending: set[cf.Future[Outcome]] = set()
    judge_with: Processor

    def judged(outcome: Outcome) -> Outcome:
        assert outcome.comparison is not None
        outcome.verdicts = judge_safely(judge_with, outcome.pair, outcome.comparison, rubrics)
        outcome.comparison = None
        return outcome

    def record_judged(outcome: Outcome) -> None:
        gone = _server_gone(outcome)
        if gone:  # not stored: the pair is not at fault, and the rerun picks it up
            raise ServerUnreachable(f"stopped: {gone} What was judged is stored; start the "
                                    "server and run the same command again to resume.")
        record(outcome)

    try:
        for outcome in outcomes:
            if outcome.comparison is None:
                record(outcome)
                continue
            if threads is None:
                judge_with = local()  # loaded once, before any thread needs it
                threads = cf.ThreadPoolExecutor(max(1, concurrency))
            pending.add(threads.submit(judged, outcome))
            if len(pending) >= max(1, concurrency):
                finished, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                for future in finished:
                    record_judged(future.result())
        for future in cf.as_completed(pending):
            record_judged(future.result())
        pending = set()
    finally:
        if threads:
            threads.shutdown(wait=not pending, cancel_futures=True)
