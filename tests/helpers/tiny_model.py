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


def build_tokenizer():  # noqa: ANN201 - a PreTrainedTokenizerFast
    """A word-level fast tokenizer whose vocabulary holds the judge contract's tokens."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordLevel(unk_token="<unk>"))
    # WhitespaceSplit keeps "[RESULT]" and "Feedback:" whole; a Punctuation-free split on spaces.
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    trainer = trainers.WordLevelTrainer(special_tokens=SPECIAL, min_frequency=1)
    tok.train_from_iterator(_CORPUS, trainer=trainer)
    from tokenizers import decoders

    tok.decoder = decoders.WordPiece(prefix="##")  # joins words with spaces on decode
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="<unk>", pad_token="<pad>", bos_token="<s>",
        eos_token="<|end|>",
    )
    fast.chat_template = CHAT_TEMPLATE
    return fast


def build_tiny_model(folder: Path, *, hidden: int = 32, layers: int = 2,
                     context: int = 2048, seed: int = 0) -> Path:
    """Save a tiny random-weight Llama and its tokenizer to ``folder``; returns the folder."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    folder = Path(folder)
    tokenizer = build_tokenizer()
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=hidden * 2,
        num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=2,
        max_position_embeddings=context, pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        tie_word_embeddings=True,
    )
    model = LlamaForCausalLM(config)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
