"""What runs per pair in a batch: the settings, the Processor protocol and the real one.

``PipelineProcessor`` wraps kgjudge.pipeline.Pipeline with the configured extractor and judge;
tests and the Python API may name another factory in ``BatchSettings.processor``. Each batch
worker builds one Processor and keeps it for every pair it handles.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from kgjudge.errors import ConfigError
from kgjudge.inputs import DEFAULT_MAX_BYTES
from kgjudge.judge.base import Pair, Verdict

if TYPE_CHECKING:
    from kgjudge.compare.model import Comparison
    from kgjudge.domain import DomainPack
    from kgjudge.judge.base import Judge

_INHERITED: tuple[str, DomainPack] | None = None
"""(domain, pack) the batch's main process loaded last; forked workers inherit it instead of
parsing the pack again."""


def remember_pack(domain: str, pack: DomainPack) -> None:
    global _INHERITED
    _INHERITED = (domain, pack)


@dataclass(frozen=True)
class BatchSettings:
    """Everything that defines a batch run (hashed, minus the speed knobs, to resume it)."""

    domain: str
    rubrics: tuple[str, ...] = ()
    """Empty: the pack's default rubrics."""
    backend: str = "kg"
    judge_options: dict[str, Any] = field(default_factory=dict)
    """Passed to get_judge (model, endpoint, timeout, ...)."""
    extractor: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    jobs: int = 1
    """Worker processes for reading, extraction, comparison and kg judging; 1 = in-process."""
    concurrency: int = 8
    """Remote judge calls in flight at once."""
    chunk: int = 16
    """Pairs per task sent to a worker."""
    retry_failed: bool = False
    """Recompute stored failures instead of skipping them."""
    processor: str = "kgjudge.processor:PipelineProcessor"
    """'module:factory' called as factory(settings) in each worker (tests inject fakes here)."""

    def config(self, input_path: str, pack: DomainPack, rubrics: Iterable[str]) -> dict[str, Any]:
        """The part of the settings that changes results (what resume matches on).

        The pack is named by its folder, so 'radiology' and 'domains/radiology' resume the same
        run, and by its content hash, so an edited pack starts a new one.
        """
        return {"input": input_path, "domain": str(pack.path), "pack_hash": pack.content_hash,
                "rubrics": list(rubrics), "backend": self.backend,
                "judge_options": self.judge_options, "extractor": self.extractor,
                "max_bytes": self.max_bytes, "processor": self.processor}


class Processor(Protocol):
    """What a worker runs per pair: compare, then judge each rubric."""

    backend: str
    model: str
    remote: bool
    """True: judge calls go to a server and run in the main process's thread pool."""

    def compare(self, pair: Pair) -> Comparison: ...

    def judge(self, pair: Pair, comparison: Comparison, rubrics: list[str]) -> list[Verdict]: ...


class PipelineProcessor:
    """The real Processor: kgjudge.pipeline.Pipeline with the configured extractor and judge.

    The judge is built on first use, so workers that only compare (remote backends) never load
    or connect to it.
    """

    def __init__(self, settings: BatchSettings, pack: DomainPack | None = None) -> None:
        from kgjudge.domain import load_pack
        from kgjudge.extract import get_extractor
        from kgjudge.pipeline import Pipeline

        self.settings = settings
        inherited = _INHERITED[1] if _INHERITED and _INHERITED[0] == settings.domain else None
        self.pack = pack or inherited or load_pack(settings.domain)
        if (settings.extractor or self.pack.extractor.name or "rules") == "rules":
            import_spacy_without_torch()
        self.pipeline = Pipeline(self.pack, extractor=get_extractor(self.pack, settings.extractor))
        self.backend = settings.backend
        self.model = str(settings.judge_options.get("model") or settings.backend)
        self.remote = settings.backend != "kg"
        self._judge: Judge | None = None

    @property
    def judge_backend(self) -> Judge:
        if self._judge is None:
            from kgjudge.judge import get_judge

            self._judge = get_judge(self.backend, self.pack, **judge_settings(self.settings))
        return self._judge

    def compare(self, pair: Pair) -> Comparison:
        return self.pipeline.compare_pair(pair)

    def judge(self, pair: Pair, comparison: Comparison, rubrics: list[str]) -> list[Verdict]:
        cases = self.pipeline.cases(pair, rubrics, comparison)
        if self.backend == "openai":
            # One call at a time per pair: batch's thread pool then bounds calls in flight to
            # --concurrency (judge_many would add a pool of its own per pair).
            return [self.judge_backend.judge(case) for case in cases]
        return list(self.judge_backend.judge_many(cases))


def import_spacy_without_torch() -> None:
    """Import spaCy with thinc's optional torch import refused, unless torch is already loaded.

    The rules extractor never uses torch, and thinc importing it costs ~180 MB per process
    (274 MB -> 92 MB measured), which decides whether several workers fit in memory. torch stays
    importable afterwards: only thinc's import-time probe is answered 'not installed'.
    """
    if "torch" in sys.modules or "thinc" in sys.modules:
        return
    sys.modules["torch"] = None  # type: ignore[assignment]
    try:
        import spacy  # noqa: F401
    finally:
        if sys.modules.get("torch", "") is None:
            del sys.modules["torch"]


def judge_settings(settings: BatchSettings) -> dict[str, Any]:
    """get_judge keyword arguments from the batch's judge options (CLI names -> backend names).

    Raises:
        ConfigError: an option the backend does not take (e.g. --endpoint with --backend kg).
    """
    options = dict(settings.judge_options)
    refused = {"kg": set(options) - {"max_items"},
               "hf": set(options) & {"endpoint", "timeout", "base_url", "timeout_s"}}
    unknown = refused.get(settings.backend)
    if unknown:
        raise ConfigError(f"--backend {settings.backend} takes no "
                          f"{', '.join(sorted('--' + k for k in unknown))}; model, adapter, "
                          "endpoint and timeout are for --backend openai (model and adapter "
                          "also for hf)")
    if settings.backend == "openai":
        renames = {"endpoint": "base_url", "timeout": "timeout_s"}
        options = {renames.get(k, k): v for k, v in options.items()}
        options.setdefault("concurrency", settings.concurrency)
    return options


def load_processor(settings: BatchSettings) -> Processor:
    module_name, _, attr = settings.processor.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as e:
        raise ConfigError(f"cannot load batch processor {settings.processor!r} ({e})") from e
    return factory(settings)
