"""LoRA fine-tuning of a domain judge with TRL's SFTTrainer, and what is saved beside it.

The data are prompt-completion pairs in chat form, so TRL applies the model's own chat template
and computes the loss on the completion only. The prompt messages are the judge's own; where the
tokenizer's chat template has no system role, the system prompt is folded into the user turn
exactly as the judge does at inference (kgjudge.judge.prompt.chat_messages). The adapter is saved
with ``save_pretrained`` (adapter_config.json + adapter_model.safetensors: what vLLM loads), with
the recipe, the data hashes, the training log and an evaluation report beside it::

    OUT/adapter/            adapter_config.json, adapter_model.safetensors
    OUT/checkpoints/        trainer checkpoints
    OUT/recipe.toml         copy of the recipe used
    OUT/train_info.json     base model, data hashes and counts, losses, tokens/s, peak memory
    OUT/eval_report.json    agreement with the held-out labels
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kgjudge.errors import ConfigError, require
from kgjudge.weights import load_local

if TYPE_CHECKING:
    from kgjudge.domain import DomainPack
    from kgjudge.train.recipe import Recipe

@dataclass
class TrainResult:
    """What a training run produced."""

    out: Path
    adapter: Path
    losses: list[float] = field(default_factory=list)
    steps: int = 0
    tokens_per_second: float | None = None
    peak_memory_mb: float | None = None
    system_role: bool = True
    dropped: int = 0
    """Examples longer than [model].max_length, left out."""
    report: dict[str, Any] = field(default_factory=dict)
    model: Any = field(default=None, repr=False)
    """The trained (peft) model, in memory."""
    tokenizer: Any = field(default=None, repr=False)


def check_base(recipe: Recipe) -> None:
    """Fail now when the base model is not on this machine (its config alone is read), not
    after the training data was built."""
    transformers = require("transformers", extra="train", purpose="training a judge")
    load_local(transformers.AutoConfig, recipe.model.base, what=_base_what(recipe))


def _base_what(recipe: Recipe) -> str:
    return f"base model '{recipe.model.base}' (--base, or [model].base in {recipe.path})"


def load_base(recipe: Recipe, *, device: str | None = None) -> tuple[Any, Any]:
    """The base model and tokenizer (a local folder, or a hub id from the local cache)."""
    transformers = require("transformers", extra="train", purpose="training a judge")
    torch = require("torch", extra="train", purpose="training a judge")
    base = recipe.model.base
    what = _base_what(recipe)
    tokenizer = load_local(transformers.AutoTokenizer, base, what=what)
    dtype = {"auto": "auto", "bf16": torch.bfloat16, "bfloat16": torch.bfloat16,
             "fp16": torch.float16, "float16": torch.float16,
             "fp32": torch.float32, "float32": torch.float32}.get(recipe.model.dtype, "auto")
    model = load_local(transformers.AutoModelForCausalLM, base, what=what, dtype=dtype)
    if not getattr(tokenizer, "chat_template", None):
        if not recipe.model.chat_template:
            raise ConfigError(f"the tokenizer of '{base}' has no chat template; set "
                              "[model].chat_template to a Jinja template file")
        tokenizer.chat_template = recipe.resolve(recipe.model.chat_template).read_text("utf-8")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if device:
        model = model.to(device)
    return model, tokenizer


def lora_config(recipe: Recipe) -> Any:
    """peft LoraConfig with only what vLLM loads: plain LoRA on explicit modules."""
    peft = require("peft", extra="train", purpose="training a LoRA judge")
    return peft.LoraConfig(
        r=recipe.lora.r, lora_alpha=recipe.lora.alpha, lora_dropout=recipe.lora.dropout,
        target_modules=list(recipe.lora.target_modules), bias="none", use_dora=False,
        task_type="CAUSAL_LM")


def chat_rows(records: list[dict[str, Any]], tokenizer: Any, *,
              max_length: int) -> tuple[list[dict[str, Any]], int, bool]:
    """TRL prompt-completion rows (the judge's messages for this tokenizer), the number dropped
    for length, and whether the system role is kept."""
    from kgjudge.judge.prompt import chat_messages, supports_system_role

    system = supports_system_role(tokenizer)
    rows, dropped = [], 0
    for record in records:
        prompt = list(chat_messages(record["prompt"][-1]["content"], system=system))
        if system and record["prompt"][0]["role"] == "system":
            prompt[0] = dict(record["prompt"][0])
        ids = tokenizer.apply_chat_template(prompt + record["completion"], tokenize=True)
        ids = ids["input_ids"] if isinstance(ids, dict) or hasattr(ids, "keys") else ids
        if len(ids) > max_length:
            dropped += 1
            continue
        rows.append({"prompt": prompt, "completion": record["completion"]})
    return rows, dropped, system


def train(pack: DomainPack, recipe: Recipe, records: list[dict[str, Any]], out: str | Path, *,
          data_path: Path | None = None, progress: bool = True, evaluate: bool = True,
          model: Any = None, tokenizer: Any = None) -> TrainResult:
    """Fine-tune the recipe's base model on the train split; save adapter, recipe, hashes, report.

    Args:
        records: JSONL records of kgjudge.train.data (both splits; 'eval' ones are held out).
        model, tokenizer: an already loaded base (iteration rounds reuse it).
    """
    torch = require("torch", extra="train", purpose="training a judge")
    trl = require("trl", extra="train", purpose="training a judge")
    datasets = require("datasets", extra="train", purpose="training a judge")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if model is None:
        model, tokenizer = load_base(recipe)
    train_records = [r for r in records if r["split"] == "train"]
    rows, dropped, system = chat_rows(train_records, tokenizer, max_length=recipe.model.max_length)
    if not rows:
        raise ConfigError("no training example fits: build data with 'kgjudge train data' or "
                          f"raise [model].max_length ({recipe.model.max_length})")
    torch.manual_seed(recipe.seed)
    trainer = trl.SFTTrainer(
        model=model, args=_sft_config(trl, torch, recipe, out, progress),
        train_dataset=datasets.Dataset.from_list(rows), processing_class=tokenizer,
        peft_config=lora_config(recipe))
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):  # the trainer prints its logs; stdout is data
        trainer.train()
    elapsed = time.perf_counter() - start
    adapter = out / "adapter"
    trainer.model.save_pretrained(adapter)
    result = TrainResult(
        out=out, adapter=adapter,
        losses=[h["loss"] for h in trainer.state.log_history if "loss" in h],
        steps=trainer.state.global_step, system_role=system, dropped=dropped,
        tokens_per_second=getattr(trainer, "_total_train_tokens", 0) / elapsed if elapsed else None,
        peak_memory_mb=peak_memory_mb(torch), model=trainer.model, tokenizer=tokenizer)
    problems = check_adapter_config(adapter / "adapter_config.json")
    if problems:
        raise ConfigError(f"{adapter}: adapter vLLM cannot load: {'; '.join(problems)}")
    _write_sidecars(recipe, records, result, data_path)
    held_out = [r for r in records if r["split"] == "eval"]
    if evaluate and held_out:
        from kgjudge.train.evaluation import evaluate_records, write_report

        result.report = evaluate_records(pack, recipe, held_out, model=trainer.model,
                                         tokenizer=tokenizer, adapter=str(adapter))
        write_report(result.report, out / "eval_report.json")
    return result


def _sft_config(trl: Any, torch: Any, recipe: Recipe, out: Path, progress: bool) -> Any:
    t = recipe.trainer
    cuda = torch.cuda.is_available()
    precision = t.precision
    if precision == "auto":
        precision = "bf16" if cuda and torch.cuda.is_bf16_supported() else "fp32"
    return trl.SFTConfig(
        output_dir=str(out / "checkpoints"), num_train_epochs=t.epochs, max_steps=t.max_steps,
        per_device_train_batch_size=t.batch_size, gradient_accumulation_steps=t.grad_accum,
        learning_rate=t.learning_rate, warmup_steps=t.warmup_ratio, logging_steps=t.logging_steps,
        save_steps=t.save_steps, save_total_limit=2, seed=recipe.seed,
        bf16=precision == "bf16", fp16=precision == "fp16", use_cpu=not cuda,
        max_length=recipe.model.max_length,
        **({"gradient_checkpointing": True} if t.gradient_checkpointing else {}),
        completion_only_loss=True, report_to="none", disable_tqdm=not progress,
        dataset_num_proc=None, logging_first_step=True)


def peak_memory_mb(torch: Any) -> float:
    """Peak GPU memory allocated (CUDA) or the process's peak resident memory (CPU), in MiB."""
    if torch.cuda.is_available():
        return torch.cuda.max_memory_allocated() / 2**20
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def check_adapter_config(path: Path) -> list[str]:
    """Settings in an adapter_config.json that vLLM's LoRA loader refuses (empty = loadable)."""
    config = json.loads(Path(path).read_text(encoding="utf-8"))
    problems = []
    if config.get("use_dora"):
        problems.append("use_dora is set (vLLM does not load DoRA)")
    if config.get("modules_to_save"):
        problems.append("modules_to_save is set (vLLM loads LoRA weights only)")
    if config.get("bias", "none") != "none":
        problems.append(f"bias={config.get('bias')!r} (vLLM needs 'none')")
    for key in ("lora_bias", "use_rslora", "trainable_token_indices", "target_parameters",
                "layers_to_transform", "rank_pattern", "alpha_pattern"):
        if config.get(key):
            problems.append(f"{key} is set (vLLM loads plain LoRA with one rank)")
    if config.get("peft_type") != "LORA":
        problems.append(f"peft_type={config.get('peft_type')!r} (vLLM needs 'LORA')")
    if not isinstance(config.get("target_modules"), list) or not config["target_modules"]:
        problems.append("target_modules must be an explicit list")
    if not (Path(path).parent / "adapter_model.safetensors").is_file():
        problems.append("adapter_model.safetensors is missing")
    return problems


def _write_sidecars(recipe: Recipe, records: list[dict[str, Any]], result: TrainResult,
                    data_path: Path | None) -> None:
    from kgjudge.train.data import summary
    from kgjudge.train.recipe import recipe_to_dict

    if recipe.path and recipe.path.is_file():
        shutil.copyfile(recipe.path, result.out / "recipe.toml")
    (result.out / "recipe.json").write_text(json.dumps(recipe_to_dict(recipe), indent=2,
                                                       default=str), encoding="utf-8")
    hashes = {split: hashlib.sha256("".join(
        json.dumps(r, ensure_ascii=False, sort_keys=True) for r in records
        if r["split"] == split).encode("utf-8")).hexdigest() for split in ("train", "eval")}
    if data_path is not None and data_path.is_file():
        hashes["file"] = hashlib.sha256(data_path.read_bytes()).hexdigest()
    info = {"base_model": recipe.model.base, "domain": recipe.domain, "seed": recipe.seed,
            "lora": {"r": recipe.lora.r, "alpha": recipe.lora.alpha,
                     "target_modules": list(recipe.lora.target_modules)},
            "data": {"path": str(data_path) if data_path else None, "sha256": hashes,
                     **summary(records)},
            "system_role": result.system_role, "dropped_too_long": result.dropped,
            "steps": result.steps, "losses": result.losses,
            "tokens_per_second": result.tokens_per_second,
            "peak_memory_mb": result.peak_memory_mb}
    (result.out / "train_info.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    print(f"train: {result.steps} steps, loss {result.losses[:1]} -> {result.losses[-1:]}, "
          f"adapter in {result.adapter}", file=sys.stderr)
