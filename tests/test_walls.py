"""The walls between the portal's layers, checked on the source itself.

ruff's banned imports (pyproject.toml and the ruff.toml files of portal/store, forms
and kb) keep views on the store's interface, TinyDB inside the store, Flask out of
it, and the portal out of forms and kb. These tests keep that list complete, keep
each blueprint inside one feature package, and keep the portal free of import cycles.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from portal import create_app, store

ROOT = Path(__file__).resolve().parent.parent
STORE = ROOT / "portal" / "store"


def test_every_store_module_is_behind_the_interface():
    banned = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"][
        "lint"
    ]["flake8-tidy-imports"]["banned-api"]
    parts = {
        p.stem if p.is_file() else p.name
        for p in STORE.iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()
    }
    missing = sorted(
        f"portal.store.{name}" for name in parts if f"portal.store.{name}" not in banned
    )
    assert not missing, f"add these to the banned imports of pyproject.toml: {missing}"
    assert "tinydb" in banned


def test_interface_names_exist():
    assert len(store.__all__) == len(set(store.__all__))
    for name in store.__all__:
        assert hasattr(store, name), name


def test_each_blueprint_is_filled_in_one_package(tmp_path):
    app = create_app({"DATA_DIR": tmp_path, "SECRET_KEY": "x", "TESTING": True})
    for endpoint, view in app.view_functions.items():
        if "." not in endpoint:
            continue  # the app's own static route
        blueprint = app.blueprints[endpoint.split(".")[0]]
        package = blueprint.import_name.rsplit(".", 1)[0]
        assert view.__module__.rsplit(".", 1)[0] == package, (endpoint, view.__module__)
    templates = {bp.name: bp.template_folder for bp in app.blueprints.values()}
    assert all(folder in (None, "templates") for folder in templates.values()), templates


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Modules of the portal that path imports when it is loaded (module level only)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rsplit(".", 1)[0]
            source = node.module or ""
            if node.level:
                source = f"{base}.{source}" if source else base
            for alias in node.names:
                found.add(
                    f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source
                )
    return {m for m in found if m in modules and m != name}


def test_no_import_cycles():
    files = [p for p in (ROOT / "portal").rglob("*.py")]
    modules = {_module_name(p): p for p in files}
    graph = {name: _imports(path, set(modules)) for name, path in modules.items()}
    # A package's __init__ gathering its own modules is not a cycle of the design.
    for name in graph:
        graph[name] = {m for m in graph[name] if not m.startswith(name + ".")}
    cycles, state = [], {}

    def visit(node, trail):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(trail[trail.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, cycles
