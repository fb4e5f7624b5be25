"""`sapling serve` as a user runs it: flags checked before the model loads, a real process, SIGTERM."""

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest
from helpers import one_line_error
from typer.testing import CliRunner
from websockets.sync.client import connect

from sapling.cli import app

pytestmark = pytest.mark.torch  # `sapling serve` imports the server (torch) before it checks its flags

runner = CliRunner()


@pytest.mark.parametrize("argv, words", [
    (["--host", "0.0.0.0"], "give --token"),
    (["--host", "0.0.0.0", "--token", "short"], "at least 8 characters"),
    (["--max-samples", "0"], "max_samples must be at least 1"),
    (["--max-message-bytes", "100"], "max_message_bytes"),
    (["--max-batch", "0"], "--max-batch"),
    (["--log-level", "loud"], "unknown log level"),
    (["--checkpoint", "missing.pt"], "no such file"),
    (["--bedrock-max-size", "giant"], "unknown Bedrock max size"),
    (["--bedrock-trigger", "grow tree"], "one word"),
])
def test_bad_settings_are_refused_before_anything_starts(argv, words, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SAPLING_TOKEN", raising=False)
    r = runner.invoke(app, ["serve", *argv])
    assert r.exit_code == 1
    assert words in one_line_error(r)


def test_serve_process_answers_and_stops_cleanly_on_sigterm(tiny_checkpoint):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "sapling", "serve", "--checkpoint", str(tiny_checkpoint),
                             "--port", "0", "--device", "cpu"], stderr=subprocess.PIPE, text=True, env=env)
    try:
        port = None
        deadline = time.monotonic() + 120
        lines = []
        while port is None and time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(line)
            if m := re.search(r"serving on ws://127\.0\.0\.1:(\d+)", line):
                port = int(m.group(1))
        assert port, "".join(lines)
        with connect(f"ws://127.0.0.1:{port}") as ws:
            ws.send(json.dumps({"type": "info"}))
            info = json.loads(ws.recv(timeout=30))
            assert info["model"]["name"] == "tiny" and info["model"]["device"] == "cpu"
            ws.send(json.dumps({"type": "generate", "id": "cli-1", "prompt": "oak tree", "seed": 1}))
            while (m := json.loads(ws.recv(timeout=60)))["type"] not in ("done", "error"):
                pass
            assert m["type"] == "done"
        proc.send_signal(signal.SIGTERM)
        rest = proc.communicate(timeout=30)[1]
        assert proc.returncode == 0, rest
        log = "".join(lines) + rest
        assert re.search(r"request id=cli-1 .*prompt='oak tree' size=normal .*status=done ms=\d+", log)
        assert "stopped" in log
    finally:
        if proc.poll() is None:
            proc.kill()
