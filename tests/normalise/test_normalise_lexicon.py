"""Loading the lexicon files: format, errors with file:line, scopes, the shipped data."""

from __future__ import annotations

from pathlib import Path

import pytest

import broadcast
from broadcast.normalise import Lexicon, LexiconError, check_entry, default_lexicon, normalise_line


def _write(directory: Path, name: str, text: str) -> None:
    (directory / name).write_text(text, encoding="utf-8")


def test_load_reads_every_table(tmp_path: Path) -> None:
    _write(tmp_path, "abbreviations.tsv", "# comment\n\nUBND\tỦy ban nhân dân\nđ/c\tđồng chí\tnote\n")
    _write(tmp_path, "units.tsv", "ha\théc ta\tany\nm\tmét\tnumber\n")
    _write(tmp_path, "letters.tsv", "B\tbê\n")
    _write(tmp_path, "web.tsv", "vn\tvê en\n")
    lexicon = Lexicon.load(tmp_path)
    assert "UBND" in lexicon and "ha" in lexicon and "m" not in lexicon
    assert lexicon.unit("m") == ("mét", "number")
    assert lexicon.letter("b") == "bê"
    assert lexicon.web_word("vn") == "vê en"
    assert (
        normalise_line("UBND cấp 5 m, mỗi ha; Đ/c B.", lexicon)
        == "Ủy ban nhân dân cấp năm mét, mỗi héc ta; Đồng chí bê."
    )


@pytest.mark.parametrize(
    ("name", "content", "line"),
    [
        ("abbreviations.tsv", "UBND\tỦy ban nhân dân\nHĐND\n", 2),
        ("abbreviations.tsv", "UBND\t\n", 1),
        ("units.tsv", "km\tki lô mét\teverywhere\n", 1),
        ("units.tsv", "km\tki lô mét\n", 1),
        ("letters.tsv", "AB\ta bê\n", 1),
        ("abbreviations.tsv", "A\tx\tnote\textra\n", 1),
    ],
)
def test_malformed_rows_name_file_and_line(tmp_path: Path, name: str, content: str, line: int) -> None:
    _write(tmp_path, name, content)
    with pytest.raises(LexiconError, match=rf"{name}:{line}:"):
        Lexicon.load(tmp_path)


def test_conflicting_duplicate_names_both_places(tmp_path: Path) -> None:
    _write(tmp_path, "abbreviations.tsv", "UBND\tỦy ban nhân dân\n")
    _write(tmp_path, "places.tsv", "# x\nUBND\tu bê en dê\n")
    with pytest.raises(
        LexiconError, match=r"places.tsv:2: 'UBND' is already defined differently at .*abbreviations.tsv:1"
    ):
        Lexicon.load(tmp_path)


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(LexiconError):
        Lexicon.load(tmp_path / "nope")


def test_check_entry() -> None:
    assert check_entry("  Páo ", " Pao ") == ("Páo", "Pao")
    for bad in (("", "x"), ("x", " "), ("a\tb", "x"), ("x", "a\nb")):
        with pytest.raises(LexiconError):
            check_entry(*bad)
    with pytest.raises(LexiconError):
        default_lexicon().with_overrides({"x": ""})


def test_default_lexicon_is_the_shipped_one() -> None:
    assert default_lexicon() is default_lexicon()
    shipped = Path(broadcast.__file__).resolve().parent.parent / "voices" / "lexicon"
    assert Lexicon.load(shipped).items() == default_lexicon().items()
    assert ("UBND", "Ủy ban nhân dân", "abbreviation") in default_lexicon().items()


def test_case_rules() -> None:
    # all-capitals keys are case-sensitive; others are not
    assert normalise_line("ubnd") == "ubnd"
    assert normalise_line("Đ/C Hà, đ/c Lan") == "Đồng chí Hà, đồng chí Lan"
