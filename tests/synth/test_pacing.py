"""Pacing for horn loudspeakers (issue 11): speaking rate in syllables a minute and pauses, measured on the
decoded MP3 the product makes, plus the pause marks on text."""

from __future__ import annotations

import numpy as np
import pytest

from broadcast.audio import AudioSettings
from broadcast.audio.ffmpeg import decode
from broadcast.render import render_speech
from broadcast.synth import EspeakEngine, build_engines, load_profiles
from broadcast.synth.pacing import Pauses, marked, syllables
from tests.audio.silence import silent_runs

RATE = 22_050
BULLETIN = [
    [
        "Ủy ban nhân dân xã Hồng Phong thông báo lịch tiêm chủng mở rộng cho trẻ em trong tháng ba năm hai nghìn "
        "không trăm hai mươi lăm.",
        "Thời gian tiêm từ bảy giờ ba mươi phút đến mười một giờ sáng, tại trạm y tế xã, các gia đình mang theo sổ "
        "tiêm chủng của trẻ.",
        "Đề nghị các thôn trưởng thông báo rộng rãi đến từng hộ gia đình để bà con được biết và thực hiện.",
    ]
]
LONG_SENTENCE = (
    "Thực hiện kế hoạch của Ủy ban nhân dân huyện về việc tổ chức tổng vệ sinh môi trường trên địa bàn toàn huyện "
    "nhằm chào mừng kỷ niệm ngày thành lập huyện và đón Tết Nguyên đán, Ủy ban nhân dân xã đề nghị các thôn tổ chức "
    "cho nhân dân ra quân phát quang bụi rậm hai bên đường giao thông liên thôn liên xã khơi thông cống rãnh thoát "
    "nước thu gom rác thải sinh hoạt về đúng nơi quy định không đổ rác thải ra sông suối ao hồ và nơi công cộng đồng "
    "thời các hộ gia đình chủ động dọn dẹp nhà cửa chuồng trại vệ sinh sạch sẽ để phòng chống dịch bệnh cho người "
    "và gia súc gia cầm trong mùa đông xuân năm nay."
)


def _decoded(name: str, paragraphs: list[list[str]]) -> np.ndarray:
    """The bulletin's MP3 as the service makes it (intro/outro sounds left out so only speech is timed)."""
    profile = load_profiles()[name].model_copy(update={"intro": None, "outro": None})
    rendered = render_speech(paragraphs, profile, build_engines(), None, AudioSettings())
    samples, _ = decode(rendered.mp3, sample_rate=RATE)
    return samples


def _inner_pauses(samples: np.ndarray) -> tuple[float, list[float]]:
    """Seconds from first to last sound, and the lengths of the silences between."""
    total = len(samples) / RATE
    runs = silent_runs(samples, RATE, threshold_dbfs=-45.0)
    lead = runs[0][1] if runs and runs[0][0] == 0 else 0.0
    tail = runs[-1][1] if runs and runs[-1][0] + runs[-1][1] >= total - 0.02 else 0.0
    inner = [length for start, length in runs if start > 0 and start + length < total - 0.02]
    return total - lead - tail, inner


@pytest.mark.parametrize(("voice", "low", "high"), [("mien-bac", 180, 200), ("khan-cap", 160, 180)])
def test_speaking_rate_measured_on_the_output(voice: str, low: int, high: int) -> None:
    span, pauses = _inner_pauses(_decoded(voice, BULLETIN))
    count = sum(syllables(s) for p in BULLETIN for s in p)
    sentence_breaks = sum(p for p in pauses if p > 0.4)
    rate = count * 60 / (span - sentence_breaks)  # speaking rate: comma pauses included, sentence breaks not
    assert low <= rate <= high, f"{voice}: {rate:.0f} syllables a minute"
    overall = count * 60 / span
    assert low - 15 <= overall <= high, f"{voice}: {overall:.0f} syllables a minute with sentence breaks"


def test_comma_pauses_are_heard() -> None:
    _, pauses = _inner_pauses(_decoded("mien-bac", BULLETIN))
    commas = sum(s.count(",") for p in BULLETIN for s in p)
    comma_like = [p for p in pauses if 0.2 <= p < 0.42]
    assert len(comma_like) >= commas, pauses
    assert max(p for p in pauses if p < 0.42) >= 0.25


def test_a_long_sentence_gets_a_breath_near_25_seconds() -> None:
    engine = EspeakEngine()
    pcm = engine.synthesize(LONG_SENTENCE, load_profiles()["mien-bac"])
    samples = pcm.samples.astype(np.float32) / 32768
    assert pcm.sample_rate == RATE
    total = len(samples) / RATE
    assert total > 35, "the sentence must run well past 25 seconds"
    runs = [(start, length) for start, length in silent_runs(samples, RATE, -45.0) if 0 < start < total - 0.5]
    breaths = [start for start, length in runs if length >= 0.6]
    assert len(breaths) == 1 and 18 <= breaths[0] <= 30, runs
    stretch = max(b - a for a, b in zip([0.0, *breaths], [*breaths, total], strict=True))
    assert stretch <= 30


def test_pause_marks_on_text() -> None:
    pauses = Pauses(comma_ms=300, breath_ms=700, syllables_per_minute=190)
    assert marked("Bà con chú ý, sáng mai có mưa.", pauses) == 'Bà con chú ý, <break time="300ms"/> sáng mai có mưa.'
    assert marked("Giá 5 < 7 & tăng", pauses) == "Giá 5 &lt; 7 &amp; tăng"
    long = " ".join(["một hai ba bốn năm"] * 30)  # 150 syllables, no comma
    said = marked(long, pauses)
    assert said.count('<break time="700ms"/>') == 1
    before = said.split("<break")[0]
    assert 60 <= syllables(before) <= 85
    with_clause = " ".join(["một hai ba bốn năm"] * 14) + " và " + " ".join(["sáu bảy tám chín mười"] * 14)
    assert "<break time=\"700ms\"/> và " in marked(with_clause, pauses)
