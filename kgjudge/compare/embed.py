"""Optional embedding similarity for keys outside the ontology: a transformers mean-pool embedder.

Off by default; pass the returned function as ``compare(..., embedder=...)``. Needs torch
(``pip install 'kgjudge[train]'``); ``model`` is a local folder or a hub id already in the local
Hugging Face cache: nothing is downloaded (kgjudge.weights).
"""

from __future__ import annotations

from collections.abc import Sequence

from kgjudge.compare.align import Embedder
from kgjudge.errors import require
from kgjudge.weights import load_local


def transformers_embedder(model: str, *, max_length: int = 32) -> Embedder:
    """Texts -> mean-pooled last hidden states of ``model`` (a folder or hub id)."""
    torch = require("torch", extra="train", purpose="embedding similarity")
    from transformers import AutoModel, AutoTokenizer

    what = f"embedding model '{model}'"
    tokenizer = load_local(AutoTokenizer, model, what=what)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
    network = load_local(AutoModel, model, what=what).eval()

    def embed(texts: Sequence[str]) -> list[list[float]]:
        batch = tokenizer(list(texts), padding=True, truncation=True, max_length=max_length,
                          return_tensors="pt")
        with torch.no_grad():
            hidden = network(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
        return pooled.tolist()

    return embed
