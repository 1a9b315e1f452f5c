"""The CLI commands other than the TUI never import Textual (a `status` from cron or a script
starts fast and works without a terminal); the import contracts say the same statically."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.ports import free_port

PROBE = """
import json, sys
from rocketui.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "textual": sorted(m for m in sys.modules if m.split(".")[0] == "textual")}))
"""


def test_status_and_journal_import_no_textual(tmp_path: Path) -> None:
    port = free_port()
    cluster = tmp_path / "c.yaml"
    cluster.write_text(
        "cluster: C\nrocketmq: {home: /nonexistent/rocketmq}\n"
        f"work_dir: {tmp_path / 'work'}\n"
        "hosts:\n  local: {backend: local, address: 127.0.0.1}\n"
        f"nodes:\n  - {{name: ns, kind: namesrv, host: local, port: {port}}}\n"
    )
    for command in (["status", "--json"], ["journal"]):
        out = subprocess.run(
            [sys.executable, "-c", PROBE, str(cluster), *command], capture_output=True, text=True, timeout=120
        )
        said = json.loads(out.stdout.strip().splitlines()[-1])
        assert said["textual"] == [], f"{command[0]} imported {said['textual'][:5]}"
        assert said["code"] == 0, out.stderr
