"""Benchmark for broadcast.normalise: cold throughput, dev-set score, adversarial inputs.

    .venv/bin/python bench/normalise_bench.py [--sentences N] [--adversarial-mb MB] [--timeout S]

1. Cold throughput on unique, unseen sentences. ``bench/bulletin_text.txt`` holds real-shaped bulletin
   paragraphs written for this project (bullets, tables, emoji, glued sentences, codes, dates, URLs);
   every copy gets new numbers and new place names built from Tày/Nùng syllables, and duplicates are
   dropped, so no sentence and few names repeat. The text goes through :func:`normalise` (cleaner,
   sentence splitting, rules and change tracking: what the service runs) in a fresh interpreter with
   no warm-up, pinned to one core, measured as CPU time.
2. The shared scorer on ``../shared/corpus/normalise-dev.tsv``. The corpus is required: without it the
   bench stops with a message and exit status 2 (a benchmark that cannot check quality proves nothing).
3. Adversarial lines (a megabyte of digits, runs of dots, slashes, dashes, emoji, table bars, binary
   junk, ...) each in a child process under a time bound, so a catastrophic slowdown shows up as TIMEOUT.

Exit status 1 if a target is missed: >= 5,000 sentences/s cold, exact 1.000, residue 0, every
adversarial case within the bound.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

TARGET_SENTENCES_PER_SECOND = 5000
TARGET_EXACT = 1.0
CORPUS_DIR = REPO.parent / "shared" / "corpus"
TEXT = Path(__file__).resolve().parent / "bulletin_text.txt"

ONSETS = [
    "",
    "b",
    "c",
    "ch",
    "d",
    "đ",
    "h",
    "k",
    "kh",
    "l",
    "m",
    "n",
    "nh",
    "ng",
    "p",
    "ph",
    "s",
    "sl",
    "t",
    "th",
    "tr",
    "v",
    "x",
]
RHYMES = [
    "a",
    "à",
    "ác",
    "ai",
    "ản",
    "ăm",
    "ằng",
    "âu",
    "ầy",
    "e",
    "én",
    "ệt",
    "i",
    "ín",
    "o",
    "òn",
    "oóc",
    "ốc",
    "ông",
    "ơ",
    "u",
    "ùng",
    "uổi",
    "ưa",
    "ường",
    "an",
    "ặp",
    "ay",
    "ẻo",
    "iêng",
]
PLACE_WORD = re.compile(r"\b((?:[Tt]hôn|[Xx]ã|[Bb]ản|[Hh]uyện) )[A-ZĐ][^\s,.;:()]*(?: [A-ZĐ][^\s,.;:()]*)?")
# Dates, clock times, then any other number: each is replaced by a fresh value of the same shape.
NUMBER = re.compile(
    r"(?P<month>\b\d{1,2}/\d{4}\b)|(?P<date>\b\d{1,2}/\d{1,2}(?:/\d{4})?\b)|(?P<dot>\b\d{1,2}\.\d{1,2}\b(?![.,]\d))"
    r"|(?P<time>\b\d{1,2}(?:[hH:]\d{0,2}| giờ(?: \d{2})?))|(?P<year>\b20\d\d\b)|(?P<other>\d+)"
)


def _syllable(rng: random.Random) -> str:
    onset = rng.choice(ONSETS)
    rhyme = rng.choice(RHYMES)
    if onset in ("c", "k"):
        onset = "k" if rhyme[0] in "eêiy" else "c"
    return onset + rhyme


def _place(rng: random.Random) -> str:
    return " ".join(_syllable(rng).capitalize() for _ in range(2))


def _number(m: re.Match[str], rng: random.Random) -> str:
    """A fresh value of the same shape: valid dates and times, years near today, other digits redrawn."""
    text = m.group()
    pad = (lambda v: f"{v:02d}") if text[:1] == "0" else str
    if m.group("month"):
        return f"{pad(rng.randint(1, 12))}/{rng.randint(2019, 2027)}"
    if m.group("date") or m.group("dot"):
        sep = "/" if "/" in text else "."
        parts = [pad(rng.randint(1, 28)), pad(rng.randint(1, 12))]
        if text.count("/") == 2:
            parts.append(str(rng.randint(2019, 2027)))
        return sep.join(parts)
    if m.group("time"):
        hour = pad(rng.randint(6, 21))
        rest = re.sub(
            r"\d{2}$",
            lambda _m: f"{rng.choice([0, 15, 30, 45]):02d}",
            text[len(text.split()[0].rstrip("hH:0123456789")) :],
        )
        return hour + re.sub(r"^\d{1,2}", "", rest)
    if m.group("year"):
        return str(rng.randint(2019, 2027))
    digits = [str(rng.randint(0, 9)) for _ in text]
    if text[0] != "0" and len(text) > 1:
        digits[0] = str(rng.randint(1, 9))
    elif text[0] == "0":
        digits[0] = "0"
    return "".join(digits)


def corpus(count: int, seed: int = 2024) -> list[str]:
    """``count`` unique paragraphs made from the real-shaped text with fresh numbers and place names."""
    lines = [ln for ln in TEXT.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        line = rng.choice(lines)
        line = PLACE_WORD.sub(lambda m: m.group(1) + _place(rng), line)
        line = NUMBER.sub(lambda m: _number(m, rng), line)
        if line not in seen:
            seen.add(line)
            out.append(line)
    return out


def _cold_run(lines: list[str]) -> dict[str, float]:
    """Runs in a fresh interpreter: import, then normalise every paragraph once (no warm-up)."""
    from broadcast.normalise import default_lexicon, normalise

    default_lexicon()  # loading the data files is start-up, not throughput
    cpu0, wall0 = time.process_time(), time.perf_counter()
    sentences = changes = 0
    for line in lines:
        spoken = normalise(line)
        sentences += sum(len(p) for p in spoken.paragraphs)
        changes += len(spoken.changes)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return {"sentences": sentences, "changes": changes, "cpu": cpu, "wall": wall}


def throughput(count: int) -> float:
    lines = corpus(count)
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); sys.argv = sys.argv[:1];"
        "import bench.normalise_bench as b; lines = json.load(sys.stdin);"
        "print(json.dumps(b._cold_run(lines)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(REPO)],
        input=json.dumps(lines),
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"throughput run failed:\n{result.stderr[-2000:]}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    rate = figures["sentences"] / figures["cpu"]
    print(
        f"throughput (cold, unique): {len(lines)} paragraphs, {figures['sentences']:.0f} sentences, "
        f"{figures['changes']:.0f} changes in {figures['cpu']:.2f}s CPU ({figures['wall']:.2f}s wall) "
        f"= {rate:,.0f} sentences/s"
    )
    return rate


def dev_score() -> tuple[float, int]:
    scorer, gold = CORPUS_DIR / "score_normalise.py", CORPUS_DIR / "normalise-dev.tsv"
    cmd = [sys.executable, str(scorer), str(gold), "--python", "broadcast.normalise:normalise_line"]
    result = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    lines = result.stdout.strip().splitlines()
    for line in lines:
        print(f"dev set: {line}")
    if result.returncode != 0 or not lines or not lines[-1].startswith("exact="):
        print(f"dev set: scorer failed: {result.stderr[-500:]}")
        return 0.0, -1
    fields = dict(part.split("=") for part in lines[-1].split())
    return float(fields["exact"]), int(fields["residue"])


def adversarial_cases(megabytes: float) -> dict[str, str]:
    size = int(megabytes * 1_000_000)
    rng = random.Random(1)
    junk = bytes(rng.randrange(256) for _ in range(size)).decode("latin-1")
    scripts = "中文 العربية русский 😀 ١٢٣ ²³ ½ ᄀ\u1161 "

    def rep(unit: str) -> str:
        return (unit * (size // len(unit) + 1))[:size]

    return {
        "1 MB of digits": rep("1234567890"),
        "digits and dots": rep("1."),
        "digits and commas": rep("12,"),
        "dots": rep("."),
        "slashes": rep("/"),
        "dashes": rep("-"),
        "a.a.a.": rep("a."),
        "sentence stops": rep("a. "),
        "?!?!": rep("?!"),
        "capitals": rep("ABCD"),
        "number/number": rep("1/"),
        "number-number": rep("1-"),
        "dates": rep("12/5/2023 "),
        "clock times": rep("16h30-"),
        "all symbols": rep("?!.,;:/-%&@°"),
        "binary junk": junk,
        "mixed scripts": rep(scripts),
        "e-mail-like": rep("a@b."),
        "www.": rep("www."),
        "phone groups": rep("0912 "),
        "empty lines": rep("\n"),
        "emoji": rep("📢🔴 "),
        "table bars": rep("| a "),
        "bullets": rep("\n* • "),
        "glued stops": rep("họp.Tham"),
        "initials": rep("A.B."),
        "capitals names": rep("SLẢI "),
        "brackets": rep("Thông tin (TT) "),
    }


def _run_case(text: str, queue: mp.Queue) -> None:
    from broadcast.normalise import normalise_line

    cpu0, wall0 = time.process_time(), time.perf_counter()
    out = normalise_line(text)
    queue.put((time.process_time() - cpu0, time.perf_counter() - wall0, len(out)))


def adversarial(megabytes: float, timeout: float) -> bool:
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    ok = True
    print(f"adversarial: {megabytes:g} MB per line, bound {timeout:g}s wall each")
    for name, text in adversarial_cases(megabytes).items():
        queue: mp.Queue = ctx.Queue()
        proc = ctx.Process(target=_run_case, args=(text, queue), daemon=True)
        start = time.perf_counter()
        proc.start()
        proc.join(timeout)
        wall = time.perf_counter() - start
        if proc.is_alive():
            proc.terminate()
            proc.join()
            print(f"  {name:18s} TIMEOUT after {wall:.1f}s")
            ok = False
        elif proc.exitcode != 0 or queue.empty():
            print(f"  {name:18s} CRASHED (exit code {proc.exitcode})")
            ok = False
        else:
            cpu, inner_wall, out_len = queue.get()
            print(f"  {name:18s} {cpu:6.2f}s CPU {inner_wall:6.2f}s wall  -> {out_len:,} chars")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int, default=5000, help="size of the throughput corpus")
    parser.add_argument("--adversarial-mb", type=float, default=1.0, help="length of each adversarial line")
    parser.add_argument("--timeout", type=float, default=120.0, help="wall-clock bound per adversarial line")
    parser.add_argument("--skip-adversarial", action="store_true")
    args = parser.parse_args()

    if hasattr(os, "sched_setaffinity"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    scorer, gold = CORPUS_DIR / "score_normalise.py", CORPUS_DIR / "normalise-dev.tsv"
    if not scorer.is_file() or not gold.is_file():
        print(f"FAIL: the dev corpus is missing ({scorer} and {gold} are required); nothing measured", file=sys.stderr)
        return 2
    failures: list[str] = []
    rate = throughput(args.sentences)
    if rate < TARGET_SENTENCES_PER_SECOND:
        failures.append(f"throughput {rate:,.0f} < {TARGET_SENTENCES_PER_SECOND:,}")
    exact, residue = dev_score()
    if exact < TARGET_EXACT or residue != 0:
        failures.append(f"dev set exact={exact:.3f} residue={residue}")
    if not args.skip_adversarial and not adversarial(args.adversarial_mb, args.timeout):
        failures.append("adversarial input over the time bound or crashed")
    print("FAIL: " + "; ".join(failures) if failures else "all targets met")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
