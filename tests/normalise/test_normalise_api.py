"""The public API: Spoken structure, change spans, overrides, plain text, threads."""

from __future__ import annotations

import unicodedata
from concurrent.futures import ThreadPoolExecutor

from broadcast.normalise import Change, Spoken, default_lexicon, normalise, normalise_line


def test_spoken_structure() -> None:
    text = "Sáng 9/4, UBND xã họp. Có 25 người dự.\n\n  \nChiều nay trời mưa.\r\n"
    spoken = normalise(text)
    assert isinstance(spoken, Spoken)
    assert spoken.paragraphs == [
        ["Sáng ngày chín tháng tư, Ủy ban nhân dân xã họp.", "Có hai mươi lăm người dự."],
        ["Chiều nay trời mưa."],
    ]
    assert spoken.text == (
        "Sáng ngày chín tháng tư, Ủy ban nhân dân xã họp. Có hai mươi lăm người dự.\nChiều nay trời mưa."
    )


def test_changes_point_into_the_input() -> None:
    text = "Họp lúc 7h30.\nUBND xã có 1.250 hộ."
    spoken = normalise(text)
    for change in spoken.changes:
        assert isinstance(change, Change)
        assert text[change.start : change.end] == change.original
    by_original = {c.original: c for c in spoken.changes}
    assert by_original["7h30"].spoken == "bảy giờ ba mươi phút"
    assert by_original["7h30"].rule == "time"
    assert by_original["UBND"].rule == "abbreviation"
    assert by_original["1.250"].spoken == "một nghìn hai trăm năm mươi"
    assert [c.start for c in spoken.changes] == sorted(c.start for c in spoken.changes)


def test_change_offsets_survive_unicode_normalisation() -> None:
    text = unicodedata.normalize("NFD", "Hòa An có 12 xã.")
    spoken = normalise(text)
    assert spoken.text == "Hòa An có mười hai xã."
    number = next(c for c in spoken.changes if c.rule == "number")
    assert text[number.start : number.end] == "12"
    assert any(c.rule == "unicode" for c in spoken.changes)
    for change in spoken.changes:
        assert text[change.start : change.end] == change.original
    nfd = unicodedata.normalize("NFD", "Xã Hoà An có 12 hộ.")
    changes = normalise(nfd).changes
    assert [c.rule for c in changes] == ["unicode", "tone", "unicode", "number", "unicode"]
    assert all(a.end <= b.start for a, b in zip(changes, changes[1:], strict=False))  # no overlaps


def test_tone_marks_are_normalised() -> None:
    spoken = normalise("Xã Hoà Bình, thuỷ lợi.")
    assert spoken.text == "Xã Hòa Bình, thủy lợi."
    assert {c.rule for c in spoken.changes} == {"tone"}


def test_plain_text_is_unchanged() -> None:
    text = "Người dân không tự ý vớt củi, đánh bắt cá trên sông, suối khi có lũ (nhất là ban đêm)!"
    spoken = normalise(text)
    assert spoken.text == text
    assert spoken.changes == []


def test_original_spacing_is_kept() -> None:
    assert normalise_line("Bà con ( nếu có thể )  tham gia ;") == "Bà con ( nếu có thể )  tham gia ;"


def test_address_is_not_split_into_sentences() -> None:
    spoken = normalise("Xem tại datdai.langson.gov.vn. Xin cảm ơn.")
    assert spoken.paragraphs == [["Xem tại đất đai chấm lạng sơn chấm gốp chấm vê en.", "Xin cảm ơn."]]


def test_normalise_line_is_one_line() -> None:
    assert "\n" not in normalise_line("Dòng một.\nDòng hai.\u2028Dòng ba.")
    assert normalise_line("") == ""
    assert normalise_line("   ") == ""


def test_overrides_take_precedence_without_reloading() -> None:
    base = default_lexicon()
    staff = base.with_overrides({"Páo": "Pao", "UBND": "u bê en dê", "Facebook": "phây búc"})
    text = "Ông Páo báo UBND qua Facebook, facebook."
    assert normalise_line(text, staff) == "Ông Pao báo u bê en dê qua phây búc, phây búc."
    assert normalise_line(text) == "Ông Páo báo Ủy ban nhân dân qua Facebook, facebook."
    assert base.with_overrides({"Páo": "Pao", "UBND": "u bê en dê", "Facebook": "phây búc"}) is staff
    assert base.with_overrides({}) is base
    change = next(c for c in normalise(text, staff).changes if c.original == "Páo")
    assert change.rule == "override"


def test_override_can_add_a_new_abbreviation() -> None:
    staff = default_lexicon().with_overrides({"KBNN": "Kho bạc", "XYZ": "ích i dét"})
    assert normalise_line("XYZ và KBNN.", staff) == "Ích i dét và Kho bạc."


def test_thread_safe() -> None:
    lines = [f"Ngày {d}/5/2024, UBND xã hỗ trợ {d * 1000} đồng." for d in range(1, 29)]
    expected = [normalise_line(line) for line in lines]
    lexicon = default_lexicon()
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda line: normalise_line(line, lexicon.with_overrides({"xã": "xã"})), lines * 5))
    assert results == expected * 5


def test_overrides_match_whole_tokens_and_phrases() -> None:
    staff = default_lexicon().with_overrides({"Bản Chắt": "Bản Chắt thôn", "ha": "hếch ta", "An": "Ân"})
    assert normalise_line("Thôn Bản Chắt có 5 ha.", staff) == "Thôn Bản Chắt thôn có năm hếch ta."
    assert normalise_line("Hòa An, Bản Chắtx.", staff) == "Hòa Ân, Bản Chắtx."
