"""The web UI's checks in a real browser (src/ui/e2e/check.ts, Debian's
Chromium driven by playwright-core), for the process tests: check(what, ...)
runs one and returns what it saw, or fails the test with the reason."""
import json
import os
import shutil
import subprocess

import spintest

UI = os.path.join(spintest.project_root(), "src", "ui")
CHROMIUM = os.environ.get("SPIN_CHROMIUM", "/usr/bin/chromium")


def need_browser():
    """Skips, saying why, where the browser or the UI's npm packages are missing."""
    if not os.path.exists(CHROMIUM):
        spintest.skip(f"no browser at {CHROMIUM} (tools/install-deps installs Debian's chromium)")
    if not os.path.isdir(os.path.join(UI, "node_modules", "playwright-core")) or not shutil.which("node"):
        spintest.skip("the UI's npm packages are missing (tools/install-deps runs npm ci in src/ui)")


def screenshots_dir():
    """Where the pages' screenshots go: $SPIN_UI_SCREENSHOTS (the build's
    ui-screenshots, set by meson), else a fresh temporary directory."""
    d = os.environ.get("SPIN_UI_SCREENSHOTS") or spintest.workdir("ui-screenshots")
    os.makedirs(d, exist_ok=True)
    return d


def check(what, *args, timeout=600):
    p = subprocess.run(["node", "--import", "tsx", "e2e/check.ts", what, *args], cwd=UI,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
    if p.returncode != 0:
        raise AssertionError(f"browser check '{what}' failed: {p.stderr.strip()[-4000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])
