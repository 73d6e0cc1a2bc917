"""Voice profiles: the shipped set, and clear start-up errors for broken files."""

from __future__ import annotations

from pathlib import Path

import pytest

from broadcast.synth import ProfileError, VoiceProfile, default_voices_dir, load_profiles
from broadcast.synth.profiles import BUILTIN_SOUNDS

GOOD = """
name = "thu"
label = "Giọng thử"
engines = ["espeak"]
voice = "vi"
variant = "f3"
rate = 1.0
pitch = 50
sentence_pause_ms = 400
paragraph_pause_ms = 800
intro = "chime"
outro = "none"
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_profiles_cover_the_required_voices() -> None:
    profiles = load_profiles()
    assert default_voices_dir() == Path(__file__).resolve().parents[2] / "voices"
    assert {"mien-bac", "mien-trung", "mien-nam", "khan-cap"} <= set(profiles)
    default = profiles["mien-bac"]
    assert default.engines[0] == "espeak" and default.variant and default.variant.startswith("f")
    assert profiles["mien-trung"].voice == "vi-vn-x-central"
    assert profiles["mien-nam"].voice == "vi-vn-x-south"
    emergency = profiles["khan-cap"]
    assert emergency.intro == emergency.outro == "attention"
    assert emergency.rate < default.rate
    assert emergency.engines == ["espeak"]  # an emergency never waits for the network
    assert profiles["mien-bac-online"].engines == ["gtts", "espeak"]
    for profile in profiles.values():
        assert profile.label and any(ord(ch) > 127 for ch in profile.label)  # Vietnamese label
        for which in ("intro", "outro"):
            source = profile.sound_source(which)
            assert source is None or source in BUILTIN_SOUNDS


def test_a_valid_profile_loads(tmp_path: Path) -> None:
    write(tmp_path, "thu.toml", GOOD)
    profile = load_profiles(tmp_path)["thu"]
    assert isinstance(profile, VoiceProfile)
    assert profile.outro is None and profile.intro == "chime"
    assert profile.max_pause_ms == 800


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (("rate = 1.0", "rate = 3.5"), "field 'rate'"),
        (('engines = ["espeak"]', 'engines = ["polly"]'), "field 'engines': unknown engine"),
        (('engines = ["espeak"]', "engines = []"), "field 'engines'"),
        (("pitch = 50", "pich = 50"), "field 'pich'"),  # typo: extra field forbidden
        (('label = "Giọng thử"\n', ""), "field 'label'"),
        (('name = "thu"', 'name = "Thu Nghiệm"'), "field 'name'"),
        (('voice = "vi"', 'voice = "xx-nope"'), "field 'voice': espeak-ng has no voice"),
        (('variant = "f3"', 'variant = "../../etc"'), "field 'variant'"),
        (('intro = "chime"', 'intro = "missing.wav"'), "field 'intro': sound file"),
        (('intro = "chime"', 'intro = "../../pyproject.toml"'), "field 'intro'"),
        (('intro = "chime"', 'intro = "gong"'), "field 'intro'"),
        (("sentence_pause_ms = 400", "sentence_pause_ms = -5"), "field 'sentence_pause_ms'"),
    ],
)
def test_invalid_profiles_name_file_and_field(tmp_path: Path, change: tuple[str, str], fragment: str) -> None:
    path = write(tmp_path, "thu.toml", GOOD.replace(*change))
    with pytest.raises(ProfileError) as error:
        load_profiles(tmp_path)
    assert str(path) in str(error.value)
    assert fragment in str(error.value)


def test_bad_toml_duplicates_and_empty_directories(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="no voice profiles"):
        load_profiles(tmp_path)
    with pytest.raises(ProfileError, match="does not exist"):
        load_profiles(tmp_path / "nowhere")
    write(tmp_path, "a.toml", GOOD)
    write(tmp_path, "b.toml", GOOD)
    with pytest.raises(ProfileError, match=r"b\.toml: field 'name': profile name 'thu' is already used by .*a\.toml"):
        load_profiles(tmp_path)
    (tmp_path / "b.toml").write_text('name = "x\n', encoding="utf-8")
    with pytest.raises(ProfileError, match=r"b\.toml: not valid TOML"):
        load_profiles(tmp_path)


def test_sound_files_are_checked_by_decoding(tmp_path: Path) -> None:
    import numpy as np

    from tests.synth.support import encode_pcm

    (tmp_path / "sounds").mkdir()
    rate = 22050
    t = np.arange(rate // 2) / rate
    (tmp_path / "sounds" / "gong.wav").write_bytes(
        encode_pcm((0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32), rate, ["-c:a", "pcm_s16le"], "wav")
    )
    (tmp_path / "sounds" / "fake.wav").write_text("not audio", encoding="utf-8")
    write(tmp_path, "thu.toml", GOOD.replace('intro = "chime"', 'intro = "sounds/gong.wav"'))
    profile = load_profiles(tmp_path)["thu"]
    assert profile.sound_source("intro") == (tmp_path / "sounds" / "gong.wav").resolve()
    write(tmp_path, "thu.toml", GOOD.replace('intro = "chime"', 'intro = "sounds/fake.wav"'))
    with pytest.raises(ProfileError, match="field 'intro'.*not a readable audio file"):
        load_profiles(tmp_path)
