"""Show staff what will be read: the text with every expansion replaced by its spoken form and marked.

The normaliser's changes carry offsets into the text as written, so the page rebuilds the reading from
the original text, marking each expansion (the written form is kept in the mark's title and data
attribute, so a misread word can be fixed on the spot).
"""

from __future__ import annotations

from dataclasses import replace

from markupsafe import Markup, escape

from broadcast.normalise.models import Change
from broadcast.web import i18n
from broadcast.web.messages import say


def _mark(change: Change) -> Markup:
    rule = i18n.RULE.get(change.rule, change.rule)
    return Markup('<mark class="exp" data-written="{w}" data-spoken="{s}" title="{w} → {s} ({r})">{s}</mark>').format(
        w=change.original, s=change.spoken, r=rule)


def highlighted(text: str, changes: list[Change]) -> list[Markup]:
    """Paragraphs of HTML: unchanged text escaped, expansions as ``<mark>``; overlapping changes are skipped."""
    parts: list[Markup] = []
    position = 0
    for change in sorted(changes, key=lambda c: (c.start, -c.end)):
        if change.start < position or change.end > len(text) or change.start > change.end:
            continue
        parts.append(escape(text[position:change.start]))
        if not change.spoken.strip():  # a symbol that is not read at all
            position = change.end
            continue
        # "đồng/hộ" → "đồng trên hộ": the spoken form needs the spaces the written one did without.
        if change.start > 0 and text[change.start - 1].isalnum() and change.spoken[:1].isalnum():
            parts.append(Markup(" "))
        parts.append(_mark(change))
        if change.end < len(text) and text[change.end].isalnum() and change.spoken[-1:].isalnum():
            parts.append(Markup(" "))
        position = change.end
    parts.append(escape(text[position:]))
    html = Markup("").join(parts)
    return [Markup(p) for p in html.split("\n") if p.strip()]


#: Rules whose changes drop text (pasted decoration, a bracket repeating what was just read): listed too.
DROPPING_RULES = frozenset({"clean", "repeat"})


def expansion_list(changes: list[Change]) -> list[Change]:
    """Distinct expansions in reading order (for the list under the preview); dropped text says so."""
    seen: set[tuple[str, str]] = set()
    found = []
    for change in sorted(changes, key=lambda c: c.start):
        key = (change.original, change.spoken)
        if key in seen or change.original.strip() == change.spoken.strip():
            continue
        if not change.spoken.strip():
            if change.rule not in DROPPING_RULES or not change.original.strip():
                continue
            change = replace(change, spoken=say("not_read"))
        seen.add(key)
        found.append(change)
    return found
