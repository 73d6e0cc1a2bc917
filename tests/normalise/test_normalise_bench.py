"""bench/normalise_bench.py measures what it claims (issue 15 item 4): it refuses to run without its corpus,
and its throughput input is unique, real-shaped text."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import bench.normalise_bench as bench


def test_missing_corpus_fails_with_a_message(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(bench, "CORPUS_DIR", Path("/nonexistent/corpus"))
    monkeypatch.setattr(sys, "argv", ["normalise_bench.py", "--skip-adversarial"])
    assert bench.main() == 2
    captured = capsys.readouterr()
    assert "dev corpus is missing" in captured.err and "met" not in captured.out + captured.err


def test_throughput_input_is_unique_and_real_shaped() -> None:
    lines = bench.corpus(3000)
    assert len(set(lines)) == 3000
    joined = "\n".join(lines)
    for shape in ("📢", "| ", "- ", "(TT&TT)", "https://", "KTTV", "KHAU SLAN", ".Thiệt", "N.V.T."):
        assert shape in joined, shape
    places = {line.split("thôn ", 1)[1].split(",")[0] for line in lines if "thôn " in line}
    assert len(places) > 200  # names the caches have not seen
