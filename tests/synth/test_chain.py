"""The fallback chain: order, per-bulletin memory of failures, cache in front of engines."""

from __future__ import annotations

from pathlib import Path

import pytest

from broadcast.synth import (
    ChainState,
    EngineError,
    EspeakEngine,
    SentenceCache,
    load_profiles,
    speak_all,
    speak_sentence,
)
from tests.synth.support import SENTENCES, CountingEngine, FailingEngine


@pytest.fixture(scope="module")
def online():  # type: ignore[no-untyped-def]
    return load_profiles()["mien-bac-online"]


def test_falls_back_and_records_the_engine(online) -> None:  # type: ignore[no-untyped-def]
    failing = FailingEngine("gtts")
    espeak = CountingEngine(EspeakEngine())
    spoken = speak_all(SENTENCES[:6], online, {"gtts": failing, "espeak": espeak}, None)
    assert [item.engine for item in spoken] == ["espeak"] * 6
    assert failing.calls == 1  # tried once per bulletin, not once per sentence
    assert espeak.calls == 6


def test_the_first_engine_that_works_speaks(online) -> None:  # type: ignore[no-untyped-def]
    first = CountingEngine(EspeakEngine())
    first.name = "gtts"
    second = CountingEngine(EspeakEngine())
    spoken = speak_sentence(SENTENCES[0], online, {"gtts": first, "espeak": second}, None)
    assert spoken.engine == "gtts" and (first.calls, second.calls) == (1, 0)


def test_no_engine_left_is_a_clear_error(online) -> None:  # type: ignore[no-untyped-def]
    state = ChainState()
    engines = {"gtts": FailingEngine("gtts"), "espeak": FailingEngine("espeak")}
    with pytest.raises(EngineError, match=r"no engine could speak .*gtts: .*unreachable.*espeak: "):
        speak_sentence(SENTENCES[0], online, engines, None, state)
    assert state.failed == {"gtts", "espeak"}
    with pytest.raises(EngineError, match="not configured"):
        speak_sentence(SENTENCES[0], online, {}, None)


def test_cached_sentences_skip_the_engines(tmp_path: Path, online) -> None:  # type: ignore[no-untyped-def]
    cache = SentenceCache(tmp_path, 1 << 24)
    espeak = CountingEngine(EspeakEngine())
    engines = {"gtts": FailingEngine("gtts"), "espeak": espeak}
    speak_all(SENTENCES[:5], online, engines, cache)
    assert espeak.calls == 5
    again = speak_all(SENTENCES[:5], online, engines, cache)
    assert espeak.calls == 5 and [item.engine for item in again] == ["espeak"] * 5
    assert cache.hits == 5
