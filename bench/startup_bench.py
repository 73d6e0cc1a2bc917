"""Benchmark: what a user waits for, whole processes included (interpreter start, imports, work).

    .venv/bin/python bench/startup_bench.py [--runs 5] [--check]

* ``broadcast --help`` wall time (median of ``--runs``); target <= 0.4 s.
* ``python -c "import broadcast.app"`` wall time, and whether it loaded the synthesis stack (it must not).
* ``broadcast say -f bench/input/ban-tin-841.txt`` (an 841-word commune notice, raw text with numbers, dates
  and abbreviations, written for this bench and never used to tune anything) against the raw baseline: a
  process that speaks the same bulletin's normalised text through the same libespeak-ng to a WAV file and
  encodes it with one ffmpeg run at 64 kbps. Each ``say`` starts with an empty data dir (cold sentence
  cache); baseline and ``say`` runs are interleaved so each pair sees the same machine load. Target: the
  median ratio say/baseline <= 1.3.

``--check`` exits non-zero when a target is missed. Wall times depend on what else runs on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import verdict  # the bench folder is this script's own (sys.path[0])

ROOT = Path(__file__).resolve().parent.parent
BULLETIN = ROOT / "bench" / "input" / "ban-tin-841.txt"
BIN = Path(sys.executable).parent
HEAVY = ("scipy", "broadcast.synth.espeak", "broadcast.audio.master", "broadcast.render", "pyloudnorm")

#: The raw path as a user would script it: libespeak-ng -> WAV -> one ffmpeg MP3 encode (64 kbps).
RAW_BASELINE = r"""
import subprocess, sys, wave
from broadcast.audio.ffmpeg import ffmpeg_exe
from broadcast.synth.espeak import EspeakEngine
from broadcast.synth.profiles import default_voices_dir, parse_profile
spoken, wav, mp3 = sys.argv[1:4]
profile = parse_profile(default_voices_dir() / "mien-bac.toml")
pcm = EspeakEngine().synthesize(open(spoken, encoding="utf-8").read(), profile)
with wave.open(wav, "wb") as out:
    out.setnchannels(1); out.setsampwidth(2); out.setframerate(pcm.sample_rate)
    out.writeframes(pcm.samples.tobytes())
subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-y", "-i", wav, "-b:a", "64k", mp3],
               check=True)
"""


CPU: list[float] = []  # CPU seconds (user + system, the process and its children) of the last timed() call


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(args: list[str], env: dict[str, str] | None = None, stdin: str | None = None) -> tuple[float, str]:
    """Wall seconds and stdout of one process run; its CPU seconds are appended to ``CPU``."""
    cpu = _children_cpu()
    started = time.perf_counter()
    result = subprocess.run(args, env=env, input=stdin, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    CPU.append(_children_cpu() - cpu)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args[:3])} failed ({result.returncode}): {result.stderr[-800:]}")
    return elapsed, result.stdout


def clean_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BROADCAST_")}
    env["BROADCAST_DATA_DIR"] = str(data_dir)
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--check", action="store_true")
    options = parser.parse_args()
    runs = max(1, options.runs)
    broadcast = str(BIN / "broadcast")
    python = sys.executable

    with tempfile.TemporaryDirectory(prefix="startup-bench-") as tmp:
        work = Path(tmp)
        env = clean_env(work / "var")
        timed([broadcast, "--help"], env)  # warm the OS file cache once
        helps = [timed([broadcast, "--help"], env)[0] for _ in range(runs)]
        probe = f"import sys, broadcast.app; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
        app_times, heavy = [], ""
        for _ in range(runs):
            elapsed, heavy = timed([python, "-c", probe], env)
            app_times.append(elapsed)

        text = BULLETIN.read_text(encoding="utf-8")
        words = len(text.split())
        _, spoken = timed([broadcast, "normalise"], env, stdin=text)
        spoken_file = work / "spoken.txt"
        spoken_file.write_text(spoken, encoding="utf-8")
        base_args = [python, "-c", RAW_BASELINE, str(spoken_file), str(work / "raw.wav"), str(work / "raw.mp3")]
        timed(base_args, env)  # warm-up: the OS file cache for both paths
        timed([broadcast, "say", "-f", str(BULLETIN), "-o", str(work / "warm.mp3")], clean_env(work / "warm"))
        base, say, ratios, cpu_ratios = [], [], [], []
        out = ""
        for run in range(runs):
            b, _ = timed(base_args, env)
            base_cpu = CPU[-1]
            s, out = timed([broadcast, "say", "-f", str(BULLETIN), "-o", str(work / "say.mp3")],
                           clean_env(work / f"cold-{run}"))
            base.append(b)
            say.append(s)
            ratios.append(s / b)
            cpu_ratios.append(CPU[-1] / base_cpu)

    help_s = statistics.median(helps)
    ratio = statistics.median(ratios)
    print(f"broadcast --help        median {help_s:.3f} s, best {min(helps):.3f} s  (target <= 0.4 s)")
    print(f"import broadcast.app    median {statistics.median(app_times):.3f} s; heavy modules loaded: {heavy.strip()}")
    print(f"bulletin                {BULLETIN.relative_to(ROOT)}: {words} words")
    print(f"raw baseline            median {statistics.median(base):.2f} s, best {min(base):.2f} s"
          "  (process: espeak-ng -> WAV -> one ffmpeg encode)")
    print(f"broadcast say           median {statistics.median(say):.2f} s, best {min(say):.2f} s  ({out.strip()})")
    print(f"ratio say/baseline      median {ratio:.2f} of {runs} interleaved pairs: "
          f"{json.dumps([round(r, 2) for r in ratios])}  (target <= 1.3)")
    print(f"CPU ratio say/baseline  median {statistics.median(cpu_ratios):.2f}  (user + system seconds, children"
          " included: less sensitive to other load on the machine than wall time)")
    if options.check:
        failures = []
        if help_s > 0.4:
            failures.append(f"--help {help_s:.3f} s > 0.4 s")
        if heavy.strip() != "[]":
            failures.append(f"import broadcast.app loads {heavy.strip()}")
        if ratio > 1.3:
            failures.append(f"say/baseline {ratio:.2f} > 1.3")
        return verdict(failures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
