"""The password policy: long enough, not common, not the username, not a run of one character.

No strength-estimation library is packaged here (zxcvbn is not on the index this project installs from), so
the policy is a length floor plus a bundled list of common passwords and base words
(``broadcast/data/common-passwords.txt``), matched after stripping the digits and symbols people add around
them ("Password2026!" is "password") and after undoing repetition ("matkhaumatkhau"). Checked whenever a
password is set (new accounts, changes, resets); existing hashes keep working.
"""

from __future__ import annotations

import functools
import re
import secrets
from pathlib import Path

from broadcast.errors import InvalidInput

MIN_LENGTH = 12
MIN_DISTINCT = 5
COMMON_LIST = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"
_AROUND = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@functools.cache
def common_words() -> frozenset[str]:
    lines = COMMON_LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _unrepeated(text: str) -> str:
    """The shortest unit that ``text`` is a repetition of ("abcabcabc" → "abc")."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return text[:size]
    return text


def problem(password: str, username: str = "") -> str | None:
    """Why ``password`` is refused (an English service message), or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"the password must have at least {MIN_LENGTH} characters"
    if not password.strip() or len(set(password)) < MIN_DISTINCT:
        return f"the password must use at least {MIN_DISTINCT} different characters (not only spaces or repeats)"
    lowered = password.lower()
    compact = re.sub(r"\s+", "", lowered)
    name = username.strip().lower()
    if len(name) >= 3:
        parts = {name, *(p for p in re.split(r"[^a-z0-9]+", name) if len(p) >= 4)}
        if any(p in compact or p[::-1] in compact for p in parts):
            return "the password must not contain the username"
    if compact.isdigit():
        return "the password must not be only digits"
    words = common_words()
    core = _AROUND.sub("", compact)
    for candidate in {compact, _unrepeated(compact), core, _unrepeated(core)}:
        if candidate in words or _unrepeated(candidate) in words:
            return "the password is too common; choose a longer phrase of your own"
    tokens = [t for t in re.split(r"[\W\d_]+", compact) if t]
    if tokens and all(t in words for t in tokens):  # "matkhau-matkhau", "love love love"
        return "the password is too common; choose a longer phrase of your own"
    return None


def check(password: str, username: str = "") -> None:
    """Raise InvalidInput (422 in the API, non-zero in the CLI, Vietnamese on pages) when refused."""
    found = problem(password, username)
    if found:
        raise InvalidInput(found)


def generate(username: str = "") -> str:
    """A random password that the policy accepts (about 96 bits): for new accounts and one-time resets."""
    while True:
        candidate = secrets.token_urlsafe(12)
        if problem(candidate, username) is None:
            return candidate
