"""Piper's real-time factor on the tiny generated voice, beside espeak-ng's (part of synth_bench.py).

The tiny model (tests/synth/tiny_piper.py) does almost no arithmetic, so its figure is what the Piper path
itself costs: phonemiser, onnxruntime session call, chunk joining and the same assembly/mastering as
every engine. A real Piper voice adds its network's inference time on top.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from broadcast.audio import AudioSettings
from broadcast.render import render_speech
from broadcast.synth import EspeakEngine, PiperEngine, VoiceProfile, load_profiles


def _engine_rtf(engine: object, sentences: list[str], profile: VoiceProfile) -> float:
    started, audio_s = time.perf_counter(), 0.0
    for sentence in sentences:
        audio_s += engine.synthesize(sentence, profile).duration_s  # type: ignore[attr-defined]
    return (time.perf_counter() - started) / audio_s


def _render_rtf(bulletin: list[list[str]], profile: VoiceProfile, engines: dict, settings: AudioSettings,
                runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        audio = render_speech(bulletin, profile, engines, None, settings)
        best = min(best, (time.perf_counter() - started) / audio.duration_s)
    return best


def piper_section(bulletin: list[list[str]], settings: AudioSettings, runs: int) -> None:
    from broadcast.synth.piper_engine import piper_available

    if not piper_available():
        print("piper (tiny model)  not measured: the Piper engine is not installed (pip install -e '.[piper]')")
        return
    from broadcast.synth.installed import install_piper_voice
    from tests.synth import tiny_piper

    sentences = [s for p in bulletin for s in p]
    espeak_profile = load_profiles()["mien-bac"]
    with tempfile.TemporaryDirectory(prefix="piper-bench-") as tmp:
        model, config = tiny_piper.write_voice(Path(tmp) / "download")
        profile = install_piper_voice(Path(tmp) / "voices", model, config, "piper-bench", "Piper bench", taken=set())
        piper, espeak = PiperEngine(), EspeakEngine()
        piper.synthesize(sentences[0], profile)  # load the session once, as the service does
        piper_engine_rtf = min(_engine_rtf(piper, sentences, profile) for _ in range(runs))
        espeak_engine_rtf = min(_engine_rtf(espeak, sentences, espeak_profile) for _ in range(runs))
        piper_rtf = _render_rtf(bulletin, profile, {"piper": piper, "espeak": espeak}, settings, runs)
        espeak_rtf = _render_rtf(bulletin, espeak_profile, {"espeak": espeak}, settings, runs)
    print(f"piper (tiny model)  engine RTF {piper_engine_rtf:.4f}, whole render RTF {piper_rtf:.4f}"
          "  (phonemiser + onnxruntime + assembly; a real voice adds its inference)")
    print(f"espeak-ng           engine RTF {espeak_engine_rtf:.4f}, whole render RTF {espeak_rtf:.4f}"
          "  (same sentences, same assembly and mastering)")
