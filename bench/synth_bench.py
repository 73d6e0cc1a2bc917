"""Benchmark: a realistic raw bulletin (841 words as written) through the whole offline path, against a raw baseline.

    .venv/bin/python bench/synth_bench.py [--runs 3] [--check]

Measured in this one script, each best of ``--runs``:

* baseline - the raw path: the whole text through the same libespeak-ng to a WAV file, then one ffmpeg
  MP3 encode of that WAV at 64 kbps (ffmpeg's default LAME quality, as a plain ``ffmpeg -i x.wav
  -b:a 64k x.mp3`` would do; a second figure uses the pipeline's own LAME quality setting);
* pipeline - from the raw text: normalisation and sentence splitting, then ``render_speech`` with the
  default profile and a fresh (cold) sentence cache: per-sentence
  synthesis, trimming, pauses, intro/outro, loudness and true-peak limiting, encoding, and decoding the
  MP3 again to measure it;
* warm edit - the same bulletin with one new sentence, cache warm: one sentence is re-spoken.

Prints the ratio pipeline/baseline, the real-time factor and CPU seconds (this process and its ffmpeg
children). ``--check`` exits non-zero unless pipeline < 3 s per 600 words and ratio <= 2.0. Wall times depend on
what else the machine is doing; run it on an idle machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import verdict  # noqa: E402
from bench.piper_rtf import piper_section  # noqa: E402
from broadcast.audio import AudioSettings, RenderedAudio  # noqa: E402
from broadcast.audio.ffmpeg import ffmpeg_exe  # noqa: E402
from broadcast.normalise import Lexicon, default_lexicon, normalise  # noqa: E402
from broadcast.render import render_speech  # noqa: E402
from broadcast.synth import EspeakEngine, SentenceCache, load_profiles  # noqa: E402

#: The default input: an unseen commune notice as an official writes it (numbers, dates, document numbers,
#: abbreviations), so normalisation and sentence splitting are really inside the pipeline's figure.
DEFAULT_TEXT = Path(__file__).resolve().parent / "input" / "ban-tin-841.txt"

T = TypeVar("T")

#: One edit per timed run: a sentence the cache has not seen, added as the bulletin's first paragraph
#: (works for any ``--text``; every other sentence is unchanged and comes from the warm cache).
EDITS = [
    f"Lễ khai mạc sẽ diễn ra vào lúc {hour} giờ chiều chủ nhật tuần này, mời bà con đến sớm."
    for hour in ("hai", "bốn", "năm", "sáu", "bảy", "tám", "chín", "mười", "mười một", "mười hai")
]


def spoken_paragraphs(raw: str, lexicon: Lexicon) -> list[list[str]]:
    """The normaliser's paragraphs of spoken sentences for a raw text, as ``broadcast say`` makes them."""
    return [[s for s in p if s.strip()] for p in normalise(raw, lexicon).paragraphs if any(s.strip() for s in p)]


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


@dataclass
class Timing:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def run(self, function: Callable[[], T]) -> T:
        cpu = cpu_seconds()
        started = time.perf_counter()
        result = function()
        self.wall.append(time.perf_counter() - started)
        self.cpu.append(cpu_seconds() - cpu)
        return result

    @property
    def best(self) -> float:
        return min(self.wall)

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)


def baseline(text: str, workdir: Path, quality: int | None) -> float:
    """espeak-ng text -> WAV through the same library, then one ffmpeg MP3 encode of that WAV."""
    profile = load_profiles()["mien-bac"]
    pcm = EspeakEngine().synthesize(text, profile)
    wav = workdir / "baseline.wav"
    with wave.open(str(wav), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(pcm.sample_rate)
        out.writeframes(pcm.samples.tobytes())
    args = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-y", "-i", str(wav), "-b:a", "64k"]
    if quality is not None:
        args += ["-compression_level", str(quality)]
    subprocess.run([*args, str(workdir / "baseline.mp3")], check=True)
    return pcm.duration_s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--check", action="store_true", help="fail unless < 3 s per 600 words and ratio <= 2.0")
    parser.add_argument("--text", type=Path, default=DEFAULT_TEXT,
                        help="raw bulletin text file (default: bench/input/ban-tin-841.txt)")
    options = parser.parse_args()
    runs = max(1, options.runs)

    if not options.text.is_file():
        print(f"FAIL: the bulletin text {options.text} is missing; nothing measured", file=sys.stderr)
        return 2
    raw = options.text.read_text(encoding="utf-8")
    lexicon = default_lexicon()
    bulletin = spoken_paragraphs(raw, lexicon)  # what the pipeline will make of it (for the baseline and counts)
    text = " ".join(" ".join(p) for p in bulletin)
    words = sum(len(s.split()) for p in bulletin for s in p)
    sentences = sum(len(p) for p in bulletin)
    profiles = load_profiles()
    profile = profiles["mien-bac"]
    settings = AudioSettings()
    engine = EspeakEngine()
    engines = {"espeak": engine}

    with tempfile.TemporaryDirectory(prefix="synth-bench-") as tmp:
        workdir = Path(tmp)
        # warm-up: library load, codec calibration, imports (once per process in the service)
        cold_started = time.perf_counter()
        render_speech([bulletin[0][:1]], profile, engines, None, settings)
        cold_start = time.perf_counter() - cold_started
        baseline(bulletin[0][0], workdir, None)

        counter = iter(range(1000))

        def pipeline() -> RenderedAudio:
            """From raw text: normalisation and sentence splitting are inside the figure."""
            cache = SentenceCache(workdir / f"cache-{next(counter)}", 256 * 1024 * 1024)
            return render_speech(spoken_paragraphs(raw, lexicon), profile, engines, cache, settings)

        # interleaved, so that each ratio compares runs made under the same machine load
        base, same, pipe = Timing(), Timing(), Timing()
        for _ in range(runs):
            base.run(lambda: baseline(text, workdir, None))
            same.run(lambda: baseline(text, workdir, settings.mp3_quality))
            audio = pipe.run(pipeline)
        ratios = [p / b for p, b in zip(pipe.wall, base.wall, strict=True)]
        same_ratios = [p / b for p, b in zip(pipe.wall, same.wall, strict=True)]
        cpu_ratios = [p / b for p, b in zip(pipe.cpu, base.cpu, strict=True)]

        warm_cache = SentenceCache(workdir / "warm", 256 * 1024 * 1024)
        render_speech(bulletin, profile, engines, warm_cache, settings)
        edit = Timing()
        respoken: list[int] = []
        for added in EDITS[: min(runs, len(EDITS))]:
            edited = f"{added}\n\n{raw}"
            misses_before = warm_cache.misses
            edit.run(lambda edited=edited: render_speech(spoken_paragraphs(edited, lexicon), profile, engines,
                                                         warm_cache, settings))
            respoken.append(warm_cache.misses - misses_before)
        shutil.rmtree(workdir / "warm", ignore_errors=True)

    duration = audio.duration_s
    ratio = statistics.median(ratios)
    quality = settings.mp3_quality
    print(f"bulletin            {words} words, {sentences} sentences, {duration:.1f} s of audio")
    print(
        f"  output            {audio.lufs:.2f} LUFS, true peak {audio.true_peak_dbtp:.2f} dBTP, "
        f"{len(audio.mp3) / 1024:.0f} KiB MP3, {audio.bitrate_kbps} kbps CBR, {audio.sample_rate} Hz mono"
    )
    print(f"cold start          {cold_start:.2f} s  (first render in a process: library load, codec calibration)")
    print(
        f"baseline            best {base.best:.2f} s, median {base.median:.2f} s, CPU {base.cpu_median:.2f} s"
        "  (espeak-ng -> WAV -> ffmpeg MP3 at LAME's default quality)"
    )
    print(
        f"baseline, q{quality}       best {same.best:.2f} s, median {same.median:.2f} s, CPU {same.cpu_median:.2f} s"
        "  (the same with the pipeline's LAME quality)"
    )
    print(
        f"pipeline            best {pipe.best:.2f} s, median {pipe.median:.2f} s, CPU {pipe.cpu_median:.2f} s"
        "  (cold sentence cache)"
    )
    print(
        f"ratio               {ratio:.2f}  pipeline/baseline, median of {runs} interleaved pairs"
        f"  (q{quality} baseline: {statistics.median(same_ratios):.2f}; CPU: {statistics.median(cpu_ratios):.2f})"
    )
    print(f"real-time factor    {pipe.best / duration:.4f}  ({duration / pipe.best:.0f}x faster than real time)")
    if edit.wall:
        print(
            f"warm edit           best {edit.best:.2f} s, median {edit.median:.2f} s, CPU {edit.cpu_median:.2f} s,"
            f" re-spoken sentences per edit: {respoken} of {sentences}"
        )
    piper_section(bulletin, settings, runs)
    if options.check:
        failures = []
        limit = 3.0 * words / 600  # the target was 3 s for a 600-word bulletin: the same pace for any length
        if pipe.best >= limit:
            failures.append(f"pipeline {pipe.best:.2f} s >= {limit:.1f} s (3 s per 600 words)")
        if ratio > 2.0:
            failures.append(f"ratio {ratio:.2f} > 2.0")
        if set(respoken) != {1}:
            failures.append(f"warm edits re-spoke {respoken} sentences")
        return verdict(failures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
