"""Issue 14: one message catalogue (``broadcast/web/messages.py``) for the Vietnamese the web layer builds in
Python, and date/time boxes parsed the Vietnamese way whatever the browser's language."""

from __future__ import annotations

import ast
import json
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date, time
from pathlib import Path

import pytest

from broadcast.errors import InvalidInput
from broadcast.web import i18n, messages

PACKAGE = Path(__file__).resolve().parents[2] / "broadcast"
WEB = PACKAGE / "web"
#: The two catalogues: the services' (imports nothing of the package) and the web's, which builds on it.
CATALOGUES = {"messages.py", "web/messages.py"}
#: Language data, not messages: what the reading rules, voices and samples are made of, and the demo's data.
#: Each entry says why its Vietnamese is not a sentence staff are told.
LANGUAGE_DATA = {
    "normalise/": "the reading rules: Vietnamese words they recognise and say",
    "synth/respell.py": "spelling rules for loanwords (Vietnamese letters)",
    "synth/pacing.py": "conjunctions before which a pause is made",
    "synth/espeak.py": "the sentence that warms the engine up",
    "synth/installed.py": "the sentence a newly installed voice reads as a test",
    "alerts/area.py": "folds Đ/đ when matching place names",
    "api/schemas.py": "example bodies in the API's documentation",
    "api/lexicon.py": "an example reading in the API's documentation",
    "app.py": "the API's description (the genre's Vietnamese name)",
    "voices_cli.py": "an example label in the command's help",
    "services/demo.py": "the demo's stations, names and bulletin (data the demo creates)",
}



def parse(source: str) -> ast.Module:
    """``ast.parse`` on a fresh thread: CPython 3.11.7's parser can fail with "AST constructor recursion depth
    mismatch" on a thread whose recursion counter an earlier test left off (CPython gh-106905, fixed in
    3.11.8); a new thread starts with its own counter."""
    with ThreadPoolExecutor(max_workers=1) as fresh:
        return fresh.submit(ast.parse, source).result()

def _vietnamese_literals(path: Path) -> list[str]:
    """String constants holding a Vietnamese letter, docstrings left out (they explain, staff never see them)."""
    tree = parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [f"{path.relative_to(PACKAGE)}:{node.lineno}: {node.value[:60]!r}" for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
            and any(ch in messages.VIETNAMESE_LETTERS + "ÀÁÃÈÉÌÍÒÓÕÙÚÝàáãèéìíòóõùúýĐđ" for ch in node.value)]


def _modules() -> list[Path]:
    """Every module of the package but the catalogues, the language data and the migrations."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if name in CATALOGUES or "migrations" in path.parts or any(name.startswith(d) for d in LANGUAGE_DATA):
            continue
        found.append(path)
    return found


def test_every_module_takes_its_vietnamese_from_the_catalogue() -> None:
    modules = _modules()
    assert {"web/auth.py", "services/documents.py", "services/reports.py", "audio/upload.py"} <= {
        p.relative_to(PACKAGE).as_posix() for p in modules}
    found = [hit for path in modules for hit in _vietnamese_literals(path)]
    assert not found, "move these into broadcast/messages.py (services) or broadcast/web/messages.py:\n" + \
        "\n".join(found)
    assert _vietnamese_literals(WEB / "messages.py") and _vietnamese_literals(PACKAGE / "messages.py")
    assert all((PACKAGE / d).exists() for d in LANGUAGE_DATA)  # no stale exemption


def test_the_services_catalogue_imports_nothing_of_the_package() -> None:
    tree = parse((PACKAGE / "messages.py").read_text(encoding="utf-8"))
    imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)] + \
        [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [m for m in imported if m.startswith("broadcast")]


def test_the_catalogue_serves_what_was_scattered() -> None:
    from broadcast.web import auth, core

    assert core.FLASH is messages.FLASH and auth.FLASH is messages.FLASH
    assert messages.say("role_required", roles="Quản trị").startswith("Chỉ tài khoản có vai trò Quản trị")
    assert i18n.translate("choose at least one station").text == "Hãy chọn ít nhất một đài."
    assert i18n.receiver_sentence("failed: the player exited with status 1 after 0.5 s") == \
        "Máy phát âm thanh của cụm loa dừng bất thường (mã 1) sau 0,5 giây."
    assert i18n.audit_sentence("web, from 127.0.0.1") == "trên trang web, từ máy 127.0.0.1"
    assert i18n.health_sentence("last error: expired: x; low disk: 20 MB free") == \
        "lỗi gần nhất: Đã quá thời hạn phát khi cụm loa đến lượt phát; ổ đĩa sắp đầy (còn 20 MB)"
    with pytest.raises(KeyError):
        messages.say("no-such-message")


@pytest.mark.parametrize(("typed", "day"), [("29/11/2026", date(2026, 11, 29)), ("1/2/2027", date(2027, 2, 1)),
                                            ("2026-11-29", date(2026, 11, 29)), (" ", None)])
def test_days_are_read_the_vietnamese_way(typed: str, day: date | None) -> None:
    assert i18n.form_day(typed) == day
    if day:
        assert i18n.day_text(typed) == day.strftime("%d/%m/%Y")


@pytest.mark.parametrize("typed", ["11/29/2026", "29/11/26", "31/02/2027", "hôm nay", "2026/11/29"])
def test_a_wrong_day_is_refused_in_vietnamese(typed: str) -> None:
    with pytest.raises(InvalidInput, match="ngày/tháng/năm, ví dụ 29/11/2026"):
        i18n.form_day(typed)
    assert i18n.day_text(typed) == typed  # shown back as typed, to be corrected
    with pytest.raises(InvalidInput, match="Hãy nhập ngày phát"):
        i18n.form_day("", required=True)


@pytest.mark.parametrize(("typed", "clock"), [("07:00", time(7)), ("7:05", time(7, 5)), ("17:30", time(17, 30)),
                                              ("17h30", time(17, 30)), ("7h", time(7)), ("23:59", time(23, 59))])
def test_times_are_24_hour(typed: str, clock: time) -> None:
    assert i18n.form_clock(typed) == clock
    assert i18n.clock_text(typed) == clock.strftime("%H:%M")


@pytest.mark.parametrize("typed", ["07:00 AM", "5:30 PM", "24:00", "7:60", "7", "bảy giờ"])
def test_a_wrong_time_is_refused_in_vietnamese(typed: str) -> None:
    with pytest.raises(InvalidInput, match="giờ:phút theo 24 giờ"):
        i18n.form_clock(typed)


def _js_strings(source: str) -> list[str]:
    """The string literals of a script, its comments left out."""
    source = re.sub(r"^\s*//.*$", "", source, flags=re.M)
    return [m.group(2) for m in re.finditer(r"([\"'])((?:\\.|(?!\1).)*)\1", source)]


def test_scripts_take_their_words_from_the_catalogue() -> None:
    """The scripts hold no sentences: they read the catalogue's ``JS`` table, which every page carries."""
    scripts = sorted((WEB / "static").glob("*.js"))
    assert scripts
    used: set[str] = set()
    for script in scripts:
        source = script.read_text(encoding="utf-8")
        stray = [s for s in _js_strings(source) if any(ch in messages.VIETNAMESE_LETTERS + "ĐàáãèéìíòóõùúýÀÁ"
                                                        for ch in s)]
        assert not stray, f"{script.name}: move into messages.JS: {stray}"
        used |= set(re.findall(r"\bMSG\.(\w+)", source))
    assert used == set(messages.JS), "unknown or unused keys in messages.JS"
    inline = [tag for page in (WEB / "templates").rglob("*.html")
              for tag in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page.read_text(encoding="utf-8"))]
    assert inline == ['<script id="messages" type="application/json">'], inline  # data only: words, no code



def test_every_page_carries_the_scripts_words(app_client) -> None:
    page = app_client.get("/login").text
    found = re.search(r'<script id="messages" type="application/json">(.*?)</script>', page, re.S)
    assert found and json.loads(found.group(1)) == messages.JS
