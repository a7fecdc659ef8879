"""Extractor throughput: megabytes of news text per second, without a database.

    python bench/extractor.py [--megabytes 8]

The corpus is the seed report and the gold set's passages, repeated with their numbers
varied so no two paragraphs are the same. Target: at least 1 MB/s on this machine.
"""

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from intake.extraction import extract  # noqa: E402


def corpus(megabytes: float) -> str:
    seed = (ROOT / "claims" / "seed" / "ap-2015-05-18-ramadi.txt").read_text(encoding="utf-8")
    gold = [json.loads(line)["text"] for line in (ROOT / "intake/extraction/gold/gold.jsonl").read_text().splitlines()]
    base = seed + "\n\n" + "\n\n".join(gold)
    parts, size, n = [], 0, 0
    while size < megabytes * 1_000_000:
        n += 1
        varied = re.sub(r"\d+", lambda m, n=n: str(int(m.group()) + n), base)
        parts.append(varied)
        size += len(varied.encode())
    return "\n\n".join(parts)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--megabytes", type=float, default=8)
    args = parser.parse_args()
    text = corpus(args.megabytes)
    megabytes = len(text.encode()) / 1_000_000
    started, cpu_started = time.perf_counter(), time.process_time()
    candidates = extract(text)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(f"{megabytes:.1f} MB, {len(candidates)} candidates, {elapsed:.2f} s: {megabytes / elapsed:.2f} MB/s")
    # The machine is shared: CPU time says what the extractor costs when others are busy too.
    print(f"CPU time {cpu:.2f} s: {megabytes / cpu:.2f} MB/s of CPU")
    print("target >= 1.0 MB/s:", "met" if megabytes / elapsed >= 1 else "MISSED")


if __name__ == "__main__":
    main()
