"""Training a domain's LoRA judge (docs/training.md).

- ``recipe``: ``domains/<name>/recipe.toml``, its schema and validation;
- ``synthetic``: reference edits verified on the graph (the graph is the oracle);
- ``targets``: target scores from edit severity and the rubric, rationales from the edits;
- ``data``: examples from overrides, labelled files and synthetic pairs, deduplicated and split by
  reference document, with the judge's own prompt; ``teacher``: optional teacher rationales;
- ``trainer``: TRL SFTTrainer with a peft LoRA config, completion-only loss, vLLM-loadable adapter;
- ``evaluation``: agreement of a trained adapter with held-out labels;
- ``iterate``: Self-Taught-Evaluator rounds; ``serve``: the ``vllm serve`` command.

Heavy libraries (torch, transformers, trl, peft, datasets) are imported inside the functions that
need them; a missing one raises MissingExtra with the install command.
"""
