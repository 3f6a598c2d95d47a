"""Pairs per second and peak memory of ``kgjudge batch`` with the kg judge, 1 and N jobs.

    python scripts/bench_batch.py [--pairs 20000] [--domain radiology] [--jobs 1 2]
                                  [--reports PATH] [--baseline 500] [--workdir DIR]

Generates ``--pairs`` reference/candidate pairs: references are real reports (the IU chest X-ray
findings + impressions, cycled; or the pack's example references when that file is absent),
candidates are perturbed copies (a sentence dropped, a negation added, left/right swapped, a
sentence from another report added, or unchanged). Then runs the real CLI in a subprocess once per
``--jobs`` value on a fresh store, sampling the resident memory of the whole process tree
(/proc) every 0.1 s, and its CPU time (user + system, workers included). Baseline, in the same
run, right before each batch run, in a fresh interpreter: a bare in-process loop of Pipeline.compare_pair + judge on the
first ``--baseline`` pairs (no files, no store, no workers); the batch figures are
reported as ratios to it. Linux only (reads /proc).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

DEFAULT_REPORTS = Path(__file__).resolve().parents[2] / "shared/data/iu-xray/indiana_reports.csv"
LIMIT_MB = 600


def reference_texts(path: Path, domain: str) -> list[str]:
    if path.is_file():
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        texts = [" ".join(t for t in (r["findings"], r["impression"]) if t.strip()) for r in rows]
        return [t for t in texts if t.strip()]
    from kgjudge.domain import load_pack

    pack = load_pack(domain)
    folder = (pack.examples_path or pack.path / "examples") / "references"
    return [p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()) if p.is_file()]


def perturb(text: str, other: str, rng: random.Random) -> str:
    """A candidate with one known kind of error (or none)."""
    sentences = [s for s in re.split(r"(?<=\.)\s+", text.strip()) if s]
    kind = rng.randrange(5)
    if kind == 0 and len(sentences) > 1:
        sentences.pop(rng.randrange(len(sentences)))
    elif kind == 1 and sentences:
        i = rng.randrange(len(sentences))
        sentences[i] = "No " + sentences[i][:1].lower() + sentences[i][1:]
    elif kind == 2:
        swapped = {"left": "right", "right": "left", "Left": "Right", "Right": "Left"}
        return re.sub(r"\b(left|right|Left|Right)\b", lambda m: swapped[m.group(0)], text)
    elif kind == 3:
        sentences.append(rng.choice(re.split(r"(?<=\.)\s+", other.strip()) or [other]))
    return " ".join(sentences)


def write_pairs(root: Path, texts: list[str], n: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    (root / "references").mkdir(parents=True)
    (root / "candidates").mkdir()
    for i in range(n):
        ref = texts[i % len(texts)]
        cand = perturb(ref, texts[rng.randrange(len(texts))], rng)
        (root / "references" / f"p{i:06d}.txt").write_text(ref, encoding="utf-8")
        (root / "candidates" / f"p{i:06d}.txt").write_text(cand, encoding="utf-8")


def tree_memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, PSS) summed over a process and all its descendants, in MB.

    RSS counts pages shared between forked workers once per process (an upper bound); PSS
    splits each shared page between the processes sharing it (the true total).
    """
    rss = pss = 0
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            rss += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
            pss += int(re.search(r"Pss:\s+(\d+)", rollup).group(1))  # type: ignore[union-attr]
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, AttributeError):
            continue  # the process ended between listing and reading
    return rss / 1024, pss / 1024


def run_batch(root: Path, domain: str, jobs: int, db: Path
              ) -> tuple[float, float, tuple[float, float], int, str]:
    """(wall s, CPU s, peak tree (RSS, PSS) MB, exit code, last stderr lines) of one CLI run.

    CPU seconds are user + system of the CLI and its workers (reaped children), so they do not
    depend on how busy a shared machine is; wall seconds do.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    cmd = [sys.executable, "-m", "kgjudge", "batch", str(root), "--domain", domain,
           "--db", str(db), "--out", str(db.with_suffix(".csv")), "--jobs", str(jobs)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = [0.0, 0.0]

    def sample() -> None:
        while proc.poll() is None:
            rss, pss = tree_memory_mb(proc.pid)
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - start
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, (peak[0], peak[1]), proc.returncode, "\n".join(err.strip().splitlines()[-4:])


def baseline(root: Path, domain: str, n: int) -> tuple[float, float]:
    """(pairs per wall second, pairs per CPU second) of a bare in-process Pipeline loop over
    the first n pairs."""
    from kgjudge.batch import BatchSettings, PipelineProcessor
    from kgjudge.judge.base import Pair

    processor = PipelineProcessor(BatchSettings(domain=domain))
    rubrics = list(processor.pack.default_rubrics)
    names = sorted((root / "references").iterdir())[:n]
    pairs = [Pair(id=p.stem, reference=p.read_text(encoding="utf-8"),
                  candidate=(root / "candidates" / p.name).read_text(encoding="utf-8"))
             for p in names]
    processor.judge(pairs[0], processor.compare(pairs[0]), rubrics)  # build the lazy parts
    start, cpu = time.perf_counter(), time.process_time()
    for pair in pairs:
        processor.judge(pair, processor.compare(pair), rubrics)
    return (len(pairs) / (time.perf_counter() - start),
            len(pairs) / (time.process_time() - cpu))


def fresh_baseline(root: Path, domain: str, n: int) -> tuple[float, float]:
    """baseline() in a new interpreter, so no cache warmed by an earlier measurement helps it."""
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            f"from bench_batch import baseline; from pathlib import Path; "
            f"print(*baseline(Path({str(root)!r}), {domain!r}, {n}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    return float(out[-2]), float(out[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=20_000)
    parser.add_argument("--domain", default="radiology")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--reports", type=Path, default=DEFAULT_REPORTS)
    parser.add_argument("--baseline", type=int, default=500)
    parser.add_argument("--workdir", type=Path, help="keep the generated files here")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="kgjudge-bench-"))
    texts = reference_texts(args.reports, args.domain)
    root = work / "pairs"
    if not root.exists():
        write_pairs(root, texts, args.pairs)
    print(f"{args.pairs} pairs from {len(texts)} distinct references, domain {args.domain}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; files in {work}",
          flush=True)
    failed = False
    for jobs in args.jobs:
        # The machine is shared: measure the baseline right before each run, not once.
        base, base_cpu = fresh_baseline(root, args.domain, args.baseline)
        db = work / f"run-jobs{jobs}.sqlite"
        db.unlink(missing_ok=True)
        wall, cpu, peak, code, tail = run_batch(root, args.domain, jobs, db)
        rate, cpu_rate = args.pairs / wall, args.pairs / cpu
        print(f"--jobs {jobs}: {wall:.1f} s wall, {rate:.1f} pairs/s "
              f"({rate / base:.2f}x the baseline's {base:.1f}); {cpu:.1f} CPU s, "
              f"{cpu_rate:.1f} pairs per CPU s ({cpu_rate / base_cpu:.2f}x the baseline's "
              f"{base_cpu:.1f}); peak memory of all processes: PSS {peak[1]:.0f} MB, "
              f"RSS {peak[0]:.0f} MB; exit {code}; load average {os.getloadavg()[0]:.1f}",
              flush=True)
        if code not in (0, 1):
            print(tail, file=sys.stderr)
        failed |= peak[1] >= LIMIT_MB or code not in (0, 1)
    print(f"memory limit {LIMIT_MB} MB (PSS): {'exceeded' if failed else 'kept'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
