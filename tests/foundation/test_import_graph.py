"""The package's import graph: no cycles, and none of the back-arrows the architecture forbids.

Read from the source (every ``import`` statement, at module level or deferred inside a function, and
``TYPE_CHECKING`` ones too: a deferred import is still a knot), plus one check of what actually loads.
See docs/architecture.md for the layers.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "broadcast"

# Edges that exist on main today and are being removed by another branch. Each entry must name who
# removes it; the tests below fail when such an edge disappears, so that this list is emptied then.
EXPECTED_CYCLES: set[frozenset[str]] = set()
EXPECTED_SYNTH_TO_ASSEMBLY: set[tuple[str, str]] = set()
#: Assembly: above the engines and the audio toolkit.
ASSEMBLY = {"broadcast.render", "broadcast.speech"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def import_graph() -> dict[str, frozenset[str]]:
    """module → the broadcast modules it imports (``from pkg import name`` counts as pkg.name when that
    is a module)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}
    graph: dict[str, frozenset[str]] = {}
    for name, path in modules.items():
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else []))
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.add(sub if sub in modules else base)
        graph[name] = frozenset(t for t in targets if t in modules and t != name)
    return graph


def cycles(graph: dict[str, frozenset[str]]) -> set[frozenset[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[frozenset[str]] = set()
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.add(frozenset(component))
    return found


def _in(module: str, area: str) -> bool:
    return module == area or module.startswith(area + ".")


def forbidden_edges(graph: dict[str, frozenset[str]]) -> list[str]:
    """Every import that goes against the layers (one line per edge, for the failure message)."""
    receiver_may_import = {"broadcast", "broadcast.protocol", "broadcast.atomic"}
    rules = [
        ("the receiver imports nothing of the server but protocol (and the atomic-write leaf)",
         lambda a, b: _in(a, "broadcast.receiver") and not _in(b, "broadcast.receiver")
         and b not in receiver_may_import),
        ("protocol imports nothing else of the server",
         lambda a, b: a == "broadcast.protocol"),
        ("the atomic-write leaf imports nothing of the server",
         lambda a, b: a == "broadcast.atomic"),
        ("engines do not import assembly (render) or the speaker",
         lambda a, b: _in(a, "broadcast.synth") and b in ASSEMBLY),
        ("the audio toolkit imports neither the engines nor assembly",
         lambda a, b: _in(a, "broadcast.audio") and (_in(b, "broadcast.synth") or b in ASSEMBLY)),
        ("schedule does not import business operations (services)",
         lambda a, b: _in(a, "broadcast.schedule") and _in(b, "broadcast.services")),
        ("business operations (services) do not import distribution",
         lambda a, b: _in(a, "broadcast.services") and _in(b, "broadcast.distribute")),
        ("jobs and the runtime do not import each other both ways",
         lambda a, b: a == "broadcast.jobs" and b == "broadcast.runtime"),
    ]
    return [f"{a} → {b}: {why}" for a, targets in sorted(graph.items()) for b in sorted(targets)
            for why, broken in rules if broken(a, b)]


def test_the_graph_is_read_from_every_module() -> None:
    graph = import_graph()
    assert "broadcast.services.placements" in graph and "broadcast.receiver.agent" in graph
    assert "broadcast.schedule.changes" in graph["broadcast.services.placements"]
    assert "broadcast.protocol" in graph["broadcast.receiver.sync"]  # ``from broadcast.protocol import …``


def test_no_import_cycles_among_broadcast_modules() -> None:
    found = cycles(import_graph())
    unexpected = found - EXPECTED_CYCLES
    assert not unexpected, "import cycles: " + "; ".join(" ⇄ ".join(sorted(c)) for c in unexpected)
    gone = EXPECTED_CYCLES - found
    assert not gone, f"these cycles are gone: remove them from EXPECTED_CYCLES: {gone}"


def test_no_forbidden_edges() -> None:
    edges = forbidden_edges(import_graph())
    assert edges == [], "\n".join(edges)


def test_the_checks_catch_what_they_claim() -> None:
    """The checks themselves, on small made-up graphs: a cycle through a deferred import, each back-arrow."""
    assert cycles({"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset()}) == {
        frozenset({"a", "b", "c"})}
    made_up = {
        "broadcast.receiver.agent": frozenset({"broadcast.db", "broadcast.protocol", "broadcast.atomic"}),
        "broadcast.synth.espeak": frozenset({"broadcast.render", "broadcast.audio.sounds"}),
        "broadcast.audio.master": frozenset({"broadcast.synth.pcm"}),
        "broadcast.schedule.service": frozenset({"broadcast.services.stations"}),
        "broadcast.services.placements": frozenset({"broadcast.distribute.feeds", "broadcast.schedule.changes"}),
        "broadcast.protocol": frozenset({"broadcast.keys"}),
        "broadcast.jobs": frozenset({"broadcast.runtime"}),
    }
    assert [e.split(":")[0] for e in forbidden_edges(made_up)] == [
        "broadcast.audio.master → broadcast.synth.pcm", "broadcast.jobs → broadcast.runtime",
        "broadcast.protocol → broadcast.keys",
        "broadcast.receiver.agent → broadcast.db", "broadcast.schedule.service → broadcast.services.stations",
        "broadcast.services.placements → broadcast.distribute.feeds",
        "broadcast.synth.espeak → broadcast.render"]


def path_to_assembly(graph: dict[str, frozenset[str]], start: str) -> list[str] | None:
    """The import path from ``start`` to assembly (render or speech), counting that importing
    ``a.b.c`` runs ``a/__init__.py`` and ``a/b/__init__.py`` first; None when there is none."""
    assembly = ASSEMBLY
    seen = {start}
    paths = [[start]]
    while paths:
        path = paths.pop()
        for target in sorted(graph.get(path[-1], ())):
            parts = target.split(".")
            for step in [".".join(parts[:n]) for n in range(2, len(parts))] + [target]:
                if step in assembly:
                    return [*path, step]
                if step not in seen and step in graph:
                    seen.add(step)
                    paths.append([*path, step])
    return None


def test_engines_do_not_reach_assembly_even_through_deferred_imports() -> None:
    """Each import an engine makes outside synth/ must not lead to assembly (which sits above the engines)."""
    graph = import_graph()
    reaching = {(m, t): path_to_assembly(graph | {"(engine)": frozenset({t})}, "(engine)")
                for m in graph if _in(m, "broadcast.synth") for t in graph[m] if not _in(t, "broadcast.synth")}
    found = {edge for edge, path in reaching.items() if path}
    unexpected = found - EXPECTED_SYNTH_TO_ASSEMBLY
    assert not unexpected, "\n".join(f"{m} → " + " → ".join(reaching[m, t] or [])[len("(engine) → "):]
                                      for m, t in sorted(unexpected))
    gone = EXPECTED_SYNTH_TO_ASSEMBLY - found
    assert not gone, f"no longer reach assembly: remove from EXPECTED_SYNTH_TO_ASSEMBLY: {sorted(gone)}"
    assert path_to_assembly({"broadcast.synth.x": frozenset({"broadcast.audio.ffmpeg"}),
                             "broadcast.audio.ffmpeg": frozenset(),
                             "broadcast.audio": frozenset({"broadcast.render"})},
                            "broadcast.synth.x") == ["broadcast.synth.x", "broadcast.audio", "broadcast.render"]


def test_loading_the_engines_does_not_load_assembly() -> None:
    """What really loads at import time (package ``__init__`` files included): every engine module."""
    engines = sorted(_module_name(p) for p in (PACKAGE / "synth").glob("*.py"))
    script = (f"import importlib, sys\nfor m in {engines!r}: importlib.import_module(m)\n"
              "print(sorted(m for m in ('broadcast.render', 'broadcast.speech') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                            cwd=ROOT).stdout.strip()
    assert loaded == "[]", f"loading the engines loaded {loaded}"
