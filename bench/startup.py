"""Time to first frame: `rocketui clusters/local.yaml` vs a bare Textual app with the same widgets.

Each sample is a fresh Python process (interpreter start + imports + app start + first
screen rendered), so import cost counts.  The app exits from its first idle after the main
screen has mounted.  Anchor and subject are interleaved in one run; the ratio of medians
is printed.  Usage: python bench/startup.py [--runs N] [--cluster FILE]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

BARE = textwrap.dedent("""
    import sys, time
    t0 = float(sys.argv[1])
    from textual.app import App
    from textual.screen import Screen
    from textual.widgets import DataTable, Footer, Header, Static
    class Main(Screen):
        def compose(self):
            yield Header(); yield Static("cluster"); yield DataTable(); yield Static(""); yield Footer()
        def on_mount(self):
            t = self.query_one(DataTable)
            for c in ("Node","Kind","Host","Address","Role","State","Pid","Uptime","Registered"):
                t.add_column(c)
            t.add_row("namesrv-1","namesrv","local","127.0.0.1:9876","namesrv","unknown","","","")
            t.add_row("broker-a","broker","local","127.0.0.1:10911","ASYNC_MASTER #0","unknown","","","")
            self.call_after_refresh(lambda: self.app.exit(time.time() - t0))
    class Bare(App):
        def on_mount(self): self.push_screen(Main())
    r = Bare().run(headless=True, size=(120, 30))
    print(r)
""")

SUBJECT = textwrap.dedent("""
    import sys, time
    t0 = float(sys.argv[1])
    from rocketui.app import RocketUI
    from rocketui.screens.main import MainScreen
    original = MainScreen.on_mount
    def timed_mount(self):
        original(self)
        self.call_after_refresh(lambda: self.app.exit(time.time() - t0))
    MainScreen.on_mount = timed_mount
    # Through the real entry point, as `rocketui CLUSTER.yaml` runs it, but headless.
    original_run = RocketUI.run
    def headless_run(self, **kw):
        r = original_run(self, headless=True, size=(120, 30))
        print(r)
        return r
    RocketUI.run = headless_run
    from rocketui.cli import main
    main([sys.argv[2]])
    import os
    os._exit(0)  # do not wait for the first status poll to finish
""")


def sample(code: str, *extra: str) -> float:
    t0 = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code, repr(t0), *extra], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    try:
        return float(lines[-1])
    except (IndexError, ValueError):
        raise SystemExit(f"sample failed: {out.stdout}\n{out.stderr}") from None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--cluster", default=str(REPO / "clusters" / "local.yaml"))
    args = parser.parse_args()
    # pip compiles installed packages to .pyc; an editable checkout under PYTHONDONTWRITEBYTECODE
    # would otherwise recompile rocketui's sources on every start and skew the comparison.
    import compileall

    compileall.compile_dir(str(REPO / "rocketui"), quiet=1)
    bare: list[float] = []
    ours: list[float] = []
    sample(BARE)
    sample(SUBJECT, args.cluster)  # warm the OS file cache for both
    for _ in range(args.runs):
        bare.append(sample(BARE))
        ours.append(sample(SUBJECT, args.cluster))
    mb, mo = statistics.median(bare), statistics.median(ours)
    print(f"runs: {args.runs}")
    print(f"bare Textual app  median {mb * 1000:7.1f} ms  (min {min(bare) * 1000:.1f})")
    print(f"rocketui          median {mo * 1000:7.1f} ms  (min {min(ours) * 1000:.1f})")
    print(f"ratio (rocketui / bare): {mo / mb:.2f}x  target <= 1.30x")
    print(
        "asyncssh imported by rocketui for a local cluster:",
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from rocketui.model.loader import load_cluster; "
                "from rocketui.app import RocketUI; import rocketui.cli; "
                "print('asyncssh' in sys.modules)",
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
        ).stdout.strip(),
    )


if __name__ == "__main__":
    main()
