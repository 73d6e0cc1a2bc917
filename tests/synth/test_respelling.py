"""Loanwords for the engine (issue 11): a per-voice respelling table beside the voice, applied just before
synthesis, and espeak-ng never handing a word to an English voice in mid-sentence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from broadcast.normalise import normalise_line
from broadcast.synth import EspeakEngine, ProfileError, SentenceCache, load_profile, load_profiles, speak_sentence
from broadcast.synth import espeak as espeak_module
from broadcast.synth.respell import parse_table, vietnamise

LOANWORDS = "Bà con cài Zalo, xem Facebook, dùng Wi-Fi và Internet trên iPhone, gọi hotline của Viettel, nghe radio."
UNKNOWN = "Xem livestream trên smartphone, bật Bluetooth, tải Telegram, mở Messenger, dùng Shopee."


def phonemes(text: str, voice: str = "vi+f3") -> str:
    with espeak_module._LOCK:
        library = espeak_module._get_library()
        assert library.set_voice(voice)
        return library.phonemes(text)


def kept_vietnamese(text: str, voice: str = "vi+f3") -> str:
    with espeak_module._LOCK:
        library = espeak_module._get_library()
        assert library.set_voice(voice)
        return library.keep_language(text)


def test_the_preview_keeps_the_written_word_and_the_engine_gets_the_respelling() -> None:
    profile = load_profiles()["mien-bac"]
    assert normalise_line("Cài Zalo và Facebook qua Wi-Fi.") == "Cài Zalo và Facebook qua Wi-Fi."
    assert profile.respell("Cài Zalo và Facebook qua Wi-Fi.") == "Cài da lô và phây búc qua oai phai."
    assert profile.respell("Máy iPhone, mạng Viettel, gọi HOTLINE.") == "Máy ai phôn, mạng viết ten, gọi hót lai."
    assert profile.respell("Zalopay và Zalo-OA") == "Zalopay và Zalo-OA"  # whole words only
    assert load_profiles()["khan-cap"].respell("Zalo") == "da lô"


def test_espeak_would_switch_to_english_and_no_longer_does() -> None:
    profile = load_profiles()["mien-bac"]
    for text in (LOANWORDS, UNKNOWN):
        assert "(en)" in phonemes(text), "the test needs words espeak-ng hands to English"
        said = kept_vietnamese(profile.respell(text))
        assert "(en)" not in phonemes(said), said
        assert "(" not in phonemes(said)


@pytest.mark.parametrize("word", ["Bluetooth", "livestream", "Telegram", "Shopee", "Messenger", "Kajiki", "radio"])
def test_unknown_latin_words_get_vietnamese_syllables(word: str) -> None:
    said = vietnamise(word)
    assert said and all(ch.isalpha() or ch == " " for ch in said)
    assert "(" not in phonemes(kept_vietnamese(word))


def test_the_chain_gives_the_engine_the_respelling(tmp_path: Path) -> None:
    profile = load_profiles()["mien-bac"]
    engine = EspeakEngine()
    heard: list[str] = []

    class Recording(EspeakEngine):
        def synthesize(self, sentence: str, profile):  # type: ignore[no-untyped-def]
            heard.append(sentence)
            return super().synthesize(sentence, profile)

    cache = SentenceCache(tmp_path / "cache", 10 * 1024 * 1024)
    spoken = speak_sentence("Cài Zalo.", profile, {"espeak": Recording()}, cache)
    assert heard == ["Cài da lô."]
    respelled = engine.synthesize("Cài da lô.", profile).samples
    assert abs(len(spoken.pcm.samples) - len(respelled)) < 0.05 * len(respelled)
    assert np.abs(spoken.pcm.samples.astype(np.int32)).max() > 1000
    again = speak_sentence("Cài Zalo.", profile, {"espeak": Recording()}, cache)
    assert heard == ["Cài da lô."] and np.array_equal(again.pcm.samples, spoken.pcm.samples)  # cached
    assert engine.settings_key(profile)["language_switching"] == "off"


def test_bad_tables_stop_loading_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "t.tsv").write_text("# ok\nZalo\tda lô\nFacebook\n", encoding="utf-8")
    profile = tmp_path / "thu.toml"
    profile.write_text('name = "thu"\nlabel = "Thử"\nengines = ["espeak"]\nrespelling = "t.tsv"\n', encoding="utf-8")
    with pytest.raises(ProfileError, match=r"field 'respelling'.*t\.tsv:3"):
        load_profile(profile)
    profile.write_text('name = "thu"\nlabel = "Thử"\nengines = ["espeak"]\nrespelling = "../x.tsv"\n',
                       encoding="utf-8")
    with pytest.raises(ProfileError, match="outside"):
        load_profile(profile)
    profile.write_text('name = "thu"\nlabel = "Thử"\nengines = ["espeak"]\nrespelling = "none.tsv"\n',
                       encoding="utf-8")
    with pytest.raises(ProfileError, match="cannot read"):
        load_profile(profile)
    with pytest.raises(ValueError, match="respelled twice"):
        parse_table("Zalo\tda lô\nzalo\tza lo\n", "x.tsv")


def test_every_respelling_in_the_shipped_table_is_read_by_the_vietnamese_voice() -> None:
    table = Path(__file__).resolve().parents[2] / "voices" / "respelling" / "espeak-vi.tsv"
    for line in table.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            written, respelled = line.split("\t")
            assert "(" not in phonemes(respelled), (written, respelled, phonemes(respelled))
