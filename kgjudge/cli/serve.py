"""``kgjudge serve``: run (or print) the vLLM command that serves a domain's LoRA judge."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "serve", help="serve a domain's LoRA judge with vLLM (or print the command)",
        description="Build the exact 'vllm serve BASE --enable-lora --lora-modules D=ADAPTER "
                    "--max-lora-rank R ...' command for the domain's adapter, and the matching "
                    "settings of kgjudge's openai backend. Runs it when vLLM is installed; "
                    "--print only prints it.")
    parser.add_argument("--domain", required=True, metavar="D", help="pack name or folder")
    parser.add_argument("--recipe", metavar="PATH", help="recipe (default: the pack's)")
    parser.add_argument("--adapter", metavar="PATH",
                        help="adapter folder (default: adapters/DOMAIN/adapter)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, help="default: [serve].port of the recipe")
    parser.add_argument("--print", dest="print_only", action="store_true",
                        help="print the command and the settings; do not run vLLM")
    parser.add_argument("--json", action="store_true", help="print the plan as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kgjudge.domain import load_pack
    from kgjudge.errors import MissingExtra
    from kgjudge.train.recipe import recipe_for
    from kgjudge.train.serve import serve_plan

    pack = load_pack(args.domain)
    recipe = recipe_for(pack, args.recipe)
    adapter = Path(args.adapter or Path("adapters") / pack.name / "adapter").resolve()
    plan = serve_plan(recipe, pack.name, adapter, host=args.host, port=args.port)
    if args.json:
        print(json.dumps({"command": list(plan.command), "env": dict(plan.env),
                          "shell": plan.shell(),
                          "openai_settings": plan.judge_settings()}))
    else:
        print(plan.shell())
        print("# kgjudge settings for the openai backend:", file=sys.stderr)
        for line in plan.kgjudge_lines(pack.name):
            print(f"#   {line}", file=sys.stderr)
    if args.print_only or args.json:
        return 0
    if shutil.which("vllm") is None:
        raise MissingExtra("vllm", "gpu", "kgjudge serve")
    return subprocess.call(list(plan.command), env={**os.environ, **dict(plan.env)})
