"""A tiny random-weight causal LM and tokenizer, built offline, for judge and training tests.

The tokenizer is a word-level `tokenizers` model trained on a few sentences, so the score digits
1-5, "[RESULT]" and "Feedback:" are single tokens and the judge output contract is expressible.
Nothing is downloaded: the model comes from a LlamaConfig with random weights.
"""

from __future__ import annotations

from pathlib import Path

#: Chat template with a system role (Llama-ish, kept short).
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "<|{{ message['role'] }}|> {{ message['content'] }} <|end|> "
    "{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|> {% endif %}"
)

_CORPUS = [
    "Feedback: The response matches the reference answer. [RESULT] 5",
    "Feedback: The response misses a finding and contradicts another. [RESULT] 2",
    "Feedback: the candidate report omits the effusion in the left lung [RESULT] 3",
    "Feedback: no pneumothorax , small pleural effusion , cardiomegaly , edema [RESULT] 4",
    "Feedback: score 1 2 3 4 5 rubric criteria reference response instruction [RESULT] 1",
    "###Task Description: ###Instruction: ###Response to evaluate: ###Reference Answer",
    "###Score Rubrics: ###Feedback: ###Knowledge graph comparison: missing extra contradicted",
    "An instruction , a response to evaluate , a reference answer that gets a score of 5 .",
    "Write a detailed feedback that assesses the quality of the response strictly based on",
    "the given score rubric , not evaluating in general . After writing a feedback ,",
    "write a score that is an integer between 1 and 5 . ( ) : ; \" ' ` - * # = ! ~ + ?",
]
SPECIAL = ["<unk>", "<pad>", "<s>", "</s>", "<|system|>", "<|user|>", "<|assistant|>", "<|end|>"]


def build_tokenizer(extra: tuple[str, ...] = ()):  # noqa: ANN201 - PreTrainedTokenizerFast
    """A word-level fast tokenizer whose vocabulary holds the judge contract's tokens (and the
    words of ``extra`` texts)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordLevel(unk_token="<unk>"))
    # WhitespaceSplit keeps "[RESULT]" and "Feedback:" whole; a Punctuation-free split on spaces.
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    trainer = trainers.WordLevelTrainer(special_tokens=SPECIAL, min_frequency=1)
    tok.train_from_iterator([*_CORPUS, *extra], trainer=trainer)
    from tokenizers import decoders

    tok.decoder = decoders.WordPiece(prefix="##")  # joins words with spaces on decode
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="<unk>", pad_token="<pad>", bos_token="<s>",
        eos_token="<|end|>",
    )
    fast.chat_template = CHAT_TEMPLATE
    return fast


def build_tiny_model(folder: Path, *, hidden: int = 32, layers: int = 2,
                     context: int = 2048, seed: int = 0, extra: tuple[str, ...] = ()) -> Path:
    """Save a tiny random-weight Llama and its tokenizer to ``folder``; returns the folder."""
    model, tokenizer = _tiny(hidden=hidden, layers=layers, context=context, seed=seed,
                             extra=extra)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return Path(folder)


def build_parrot_model(folder: Path, reply: str, prompts: list[list[dict[str, str]]], *,
                       steps: int = 150, seed: int = 0) -> Path:
    """A tiny Llama trained (a few seconds on CPU) to answer every chat prompt with ``reply``,
    words separated by single spaces: a real model and server that say something known, so an
    integration test can check what a client makes of a meaningful reply. Saved to
    ``folder``; returns the folder."""
    import torch

    model, tokenizer = _tiny(hidden=64, layers=2, context=2048, seed=seed, extra=(reply,))
    answer = tokenizer(reply, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    rows = []
    for messages in prompts:
        prompt = tokenizer.apply_chat_template(messages, add_generation_prompt=True,
                                               tokenize=True, return_dict=True)["input_ids"]
        rows.append((torch.tensor([prompt + answer]),
                     torch.tensor([[-100] * len(prompt) + answer])))
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for step in range(steps):
        ids, labels = rows[step % len(rows)]
        loss = model(input_ids=ids, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    model.eval()
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return Path(folder)


def _tiny(*, hidden: int, layers: int, context: int, seed: int, extra: tuple[str, ...]):  # noqa: ANN202
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = build_tokenizer(extra)
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=hidden * 2,
        num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=2,
        max_position_embeddings=context, pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        tie_word_embeddings=True,
    )
    return LlamaForCausalLM(config), tokenizer
