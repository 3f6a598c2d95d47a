"""The training recipe: ``domains/<name>/recipe.toml``, its schema and its validation.

A recipe names the base model, the LoRA settings, the data sources, the trainer settings, the
evaluation split and the seed of one domain's judge. Only adapter settings vLLM can load are
accepted (plain LoRA on explicit modules: no DoRA, no bias training, no modules_to_save).
Unknown keys are errors with the closest valid key suggested; every problem is reported at once.

Tables (every key optional unless marked; defaults below)::

    seed = 0
    [model]      base (required), dtype, max_length, chat_template
    [lora]       r, alpha, dropout, target_modules (required, explicit list)
    [data]       rubrics, references, stores, labelled, instruction, overrides_only_latest
    [synthetic]  enabled, per_reference, max_edits, per_score, score_cuts, device_types,
                 size_types, flip_types, [synthetic.severity], [synthetic.relevance.<rubric>],
                 [synthetic.templates]
    [teacher]    base_url, model, max_tokens, api_key_env
    [trainer]    epochs, max_steps, learning_rate, batch_size, grad_accum, warmup_ratio,
                 logging_steps, save_steps, gradient_checkpointing, precision
    [evaluation] fraction, max_new_tokens, batch_size
    [iterate]    rounds, pairs_per_round
    [serve]      port, max_model_len, gpu_memory_utilization, extra_args
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from kgjudge.errors import ConfigError, Problem, did_you_mean, error_line

#: Edit kinds of synthetic pairs (see kgjudge.train.synthetic) and their default severities.
EDIT_KINDS = ("drop_finding", "drop_negative", "flip_assertion", "swap_side", "move_location",
              "add_finding", "add_device", "change_modifier", "change_size", "reorder")
DEFAULT_SEVERITY = {
    "drop_finding": 2.0, "drop_negative": 0.5, "flip_assertion": 3.0, "swap_side": 2.5,
    "move_location": 2.0, "add_finding": 2.0, "add_device": 1.5, "change_modifier": 1.0,
    "change_size": 1.0, "reorder": 0.0,
}
#: Keys vLLM's LoRA loader refuses or ignores; named here so the error can say why.
_UNSUPPORTED_LORA = {"use_dora": "DoRA", "bias": "bias training",
                     "modules_to_save": "modules_to_save", "use_rslora": "rsLoRA scaling"}


@dataclass(frozen=True)
class ModelSettings:
    base: str = ""
    """A local model folder or a hub id (never downloaded by tests)."""
    dtype: str = "auto"
    max_length: int = 4096
    """Longest training sequence in tokens; longer examples are dropped and counted."""
    chat_template: str | None = None
    """A Jinja chat template file for tokenizers without one (relative to the recipe)."""


@dataclass(frozen=True)
class LoraSettings:
    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: tuple[str, ...] = ()


@dataclass(frozen=True)
class DataSettings:
    rubrics: tuple[str, ...] = ()
    """Rubrics to train on; empty = the pack's default rubrics."""
    references: str = "examples/references"
    """Folder of reference texts for synthetic pairs, relative to the pack."""
    stores: tuple[str, ...] = ()
    """SQLite stores whose analyst overrides become examples."""
    labelled: tuple[str, ...] = ()
    """CSV / JSONL files with human scores (see docs/training.md)."""
    instruction: str = ""


@dataclass(frozen=True)
class SyntheticSettings:
    enabled: bool = True
    per_reference: int = 16
    """Most verified variants kept per reference document."""
    max_edits: int = 3
    per_score: int = 0
    """Examples kept per (rubric, score); 0 = as many as the rarest score has."""
    score_cuts: tuple[float, float, float, float] = (0.0, 1.0, 2.0, 3.0)
    """Penalty cut points: score = 5 - (number of cuts strictly below the penalty)."""
    device_types: tuple[str, ...] = ("device",)
    size_types: tuple[str, ...] = ("measurement",)
    flip_types: tuple[str, ...] = ()
    """Finding types whose assertion may be flipped; empty = every finding type."""
    severity: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SEVERITY))
    relevance: dict[str, dict[str, float]] = field(default_factory=dict)
    """rubric id -> edit kind -> weight (missing kinds: derived from the rubric's kg penalties)."""
    templates: dict[str, tuple[str, ...]] = field(default_factory=lambda: {
        "add_finding": ("There is {label}.",), "add_device": ("{Label} is in place.",)})


@dataclass(frozen=True)
class TeacherSettings:
    base_url: str = ""
    """An OpenAI-compatible endpoint; empty = no teacher rationales."""
    model: str = ""
    max_tokens: int = 400
    api_key_env: str = "KGJUDGE_OPENAI_API_KEY"


@dataclass(frozen=True)
class TrainerSettings:
    epochs: float = 2.0
    max_steps: int = -1
    learning_rate: float = 2e-4
    batch_size: int = 4
    grad_accum: int = 4
    warmup_ratio: float = 0.05
    logging_steps: int = 10
    save_steps: int = 200
    gradient_checkpointing: bool = False
    precision: str = "auto"
    """auto (bf16 on a GPU that has it, else fp32), bf16, fp16 or fp32."""


@dataclass(frozen=True)
class EvaluationSettings:
    fraction: float = 0.2
    """Share of reference documents held out (whole documents: nothing leaks)."""
    max_new_tokens: int = 256
    batch_size: int = 8


@dataclass(frozen=True)
class IterateSettings:
    rounds: int = 0
    pairs_per_round: int = 200


@dataclass(frozen=True)
class ServeSettings:
    port: int = 8000
    max_model_len: int = 8192
    gpu_memory_utilization: float = 0.9
    extra_args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recipe:
    """A validated training recipe."""

    domain: str
    path: Path | None
    seed: int = 0
    model: ModelSettings = field(default_factory=ModelSettings)
    lora: LoraSettings = field(default_factory=LoraSettings)
    data: DataSettings = field(default_factory=DataSettings)
    synthetic: SyntheticSettings = field(default_factory=SyntheticSettings)
    teacher: TeacherSettings = field(default_factory=TeacherSettings)
    trainer: TrainerSettings = field(default_factory=TrainerSettings)
    evaluation: EvaluationSettings = field(default_factory=EvaluationSettings)
    iterate: IterateSettings = field(default_factory=IterateSettings)
    serve: ServeSettings = field(default_factory=ServeSettings)

    def resolve(self, relative: str) -> Path:
        """A path in the recipe, relative to the recipe's folder."""
        path = Path(relative).expanduser()
        return path if path.is_absolute() or self.path is None else self.path.parent / path

    def with_base(self, base: str) -> Recipe:
        from dataclasses import replace

        return replace(self, model=replace(self.model, base=base))


_TABLES: dict[str, type] = {
    "model": ModelSettings, "lora": LoraSettings, "data": DataSettings,
    "synthetic": SyntheticSettings, "teacher": TeacherSettings, "trainer": TrainerSettings,
    "evaluation": EvaluationSettings, "iterate": IterateSettings, "serve": ServeSettings,
}
_FREE_TABLES = {"severity", "relevance", "templates"}  # synthetic sub-tables with free keys


def load_recipe(path: str | Path, *, domain: str = "") -> Recipe:
    """Read and validate a recipe file.

    Raises:
        ConfigError: the file is missing or invalid (every problem listed, with the fix).
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no training recipe; write one (see docs/training.md) or pass "
                          "--recipe PATH")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        line = error_line(e)
        raise ConfigError(f"{path}{f':{line}' if line else ''}: cannot read recipe: {e}") from e
    recipe, problems = recipe_from_data(data, path=path, domain=domain)
    if problems:
        raise ConfigError(f"{path}: invalid recipe ({len(problems)} problems):\n"
                          + "\n".join(f"  - {p}" for p in problems))
    return recipe


def validate_recipe(path: str | Path) -> list[Problem]:
    """Every problem of a recipe file (empty when valid)."""
    try:
        load_recipe(path)
    except ConfigError as e:
        return [Problem(str(path), line.strip().removeprefix("- "))
                for line in str(e).splitlines()[1:]] or [Problem(str(path), str(e))]
    return []


def recipe_for(pack: Any, path: str | Path | None = None) -> Recipe:
    """The recipe of a pack (``--recipe`` overrides the pack's own recipe.toml)."""
    chosen = Path(path) if path else getattr(pack, "recipe_path", None)
    if chosen is None:
        raise ConfigError(f"domain '{pack.name}' has no recipe.toml; write "
                          f"{pack.path / 'recipe.toml'} (see docs/training.md) or pass --recipe")
    return load_recipe(chosen, domain=pack.name)


def recipe_from_data(data: dict[str, Any], *, path: Path | None = None,
                     domain: str = "") -> tuple[Recipe, list[Problem]]:
    """Build a Recipe from parsed TOML, collecting problems instead of raising."""
    file = str(path or "recipe.toml")
    problems: list[Problem] = []
    known = {"seed", "domain", *_TABLES}
    for key in data:
        if key not in known:
            problems.append(Problem(file, f"unknown key '{key}'{did_you_mean(key, known)}"))
    tables = {name: _table(file, name, data.get(name, {}), cls, problems)
              for name, cls in _TABLES.items()}
    recipe = Recipe(domain=str(data.get("domain", domain)), path=path,
                    seed=int(data.get("seed", 0)), **tables)
    problems += _check(file, recipe)
    return recipe, problems


def _table(file: str, name: str, raw: Any, cls: type, problems: list[Problem]) -> Any:
    if not isinstance(raw, dict):
        problems.append(Problem(file, f"[{name}] must be a table"))
        return cls()
    allowed = {f.name: f for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if name == "lora" and key in _UNSUPPORTED_LORA:
            problems.append(Problem(file, f"[lora].{key}: {_UNSUPPORTED_LORA[key]} is not "
                                          "supported by vLLM's LoRA loader; remove it"))
            continue
        if key not in allowed:
            problems.append(Problem(file, f"unknown key [{name}].{key}"
                                          f"{did_you_mean(key, allowed)}"))
            continue
        default = getattr(cls(), key)
        if key in _FREE_TABLES:
            value = _free_table(file, name, key, value, default, problems)
        elif isinstance(default, tuple):
            value = tuple(value) if isinstance(value, list) else value
        elif isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not _same_kind(default, value, allowed[key].type):
            problems.append(Problem(file, f"[{name}].{key} has the wrong type: {value!r}"))
            continue
        values[key] = value
    return cls(**values)


def _same_kind(default: Any, value: Any, annotation: Any) -> bool:
    if default is None:
        return value is None or isinstance(value, str)
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    return isinstance(value, type(default))


def _free_table(file: str, name: str, key: str, value: Any, default: Any,
                problems: list[Problem]) -> Any:
    if not isinstance(value, dict):
        problems.append(Problem(file, f"[{name}.{key}] must be a table"))
        return default
    if key == "severity":
        for kind in value:
            if kind not in EDIT_KINDS:
                problems.append(Problem(file, f"[synthetic.severity] unknown edit kind '{kind}'"
                                              f"{did_you_mean(kind, EDIT_KINDS)}"))
        return {**default, **{k: float(v) for k, v in value.items()}}
    if key == "relevance":
        out = {}
        for rubric, weights in value.items():
            bad = [k for k in (weights if isinstance(weights, dict) else {}) if k not in EDIT_KINDS]
            if not isinstance(weights, dict) or bad:
                problems.append(Problem(file, f"[synthetic.relevance.{rubric}]: must map edit "
                                              f"kinds ({', '.join(EDIT_KINDS)}) to weights"))
                continue
            out[rubric] = {k: float(v) for k, v in weights.items()}
        return out
    templates = dict(default)
    for kind, forms in value.items():
        forms = [forms] if isinstance(forms, str) else forms
        if kind not in ("add_finding", "add_device") or not all("{" in f for f in forms):
            problems.append(Problem(file, f"[synthetic.templates].{kind}: expected add_finding or "
                                          "add_device with '{label}' or '{Label}' in each form"))
            continue
        templates[kind] = tuple(forms)
    return templates


def _check(file: str, recipe: Recipe) -> list[Problem]:
    problems = []
    if not recipe.model.base:
        problems.append(Problem(file, "[model].base is required: a local model folder or a hub "
                                      "id, e.g. 'Qwen/Qwen2.5-0.5B-Instruct'"))
    if not recipe.lora.target_modules or "all-linear" in recipe.lora.target_modules:
        problems.append(Problem(file, "[lora].target_modules must list the modules explicitly, "
                                      "e.g. ['q_proj', 'k_proj', 'v_proj', 'o_proj']"))
    if recipe.lora.r <= 0 or recipe.lora.alpha <= 0:
        problems.append(Problem(file, "[lora].r and [lora].alpha must be positive"))
    if not 0 <= recipe.lora.dropout < 1:
        problems.append(Problem(file, "[lora].dropout must be in [0, 1)"))
    cuts = recipe.synthetic.score_cuts
    if len(cuts) != 4 or list(cuts) != sorted(cuts):
        problems.append(Problem(file, "[synthetic].score_cuts must be 4 ascending numbers"))
    if not 0 < recipe.evaluation.fraction < 1:
        problems.append(Problem(file, "[evaluation].fraction must be in (0, 1)"))
    if recipe.trainer.precision not in ("auto", "bf16", "fp16", "fp32"):
        problems.append(Problem(file, "[trainer].precision must be auto, bf16, fp16 or fp32"))
    if recipe.synthetic.max_edits < 1:
        problems.append(Problem(file, "[synthetic].max_edits must be at least 1"))
    return problems


def recipe_to_dict(recipe: Recipe) -> dict[str, Any]:
    """Plain data (for the copy saved beside the adapter and the hashes)."""
    from dataclasses import asdict

    data = asdict(recipe)
    data["path"] = str(recipe.path) if recipe.path else None
    return data
