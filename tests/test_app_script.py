"""`make stop` (scripts/dev/app.sh stop) says "… stopped" once for each process, as the README
promises, against stand-in processes and PID files in a temporary folder.

Under `make run` the shell that becomes the web server starts the mail sink, worker and beat, so
they are the web server's children: stopping the web server's children must not take them with
it before they are stopped (and reported) on their own.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

from django.conf import settings

APP_SH = Path(settings.BASE_DIR) / "scripts" / "dev" / "app.sh"

# A stand-in for the web server: it starts the other three (as app.sh serve does) and a child
# of its own (the autoreloader), writes their PID files, then waits.
FAKE_WEB = """
cd "$1"
for name in mail_sink worker beat; do sleep 300 & echo $! > "$name.pid"; done
sleep 300 & echo $! > reloader.child
echo $$ > web.pid
wait
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A stopped child not yet reaped by its parent is a zombie: it is gone for our purposes.
    status = Path(f"/proc/{pid}/stat").read_text().split()[2]
    return status != "Z"


def test_stop_prints_one_stopped_line_for_each_process(tmp_path):
    web = subprocess.Popen(["bash", "-c", FAKE_WEB, "fake-web", str(tmp_path)])
    try:
        names = ("web", "mail_sink", "worker", "beat")
        for _ in range(100):
            if all((tmp_path / f"{n}.pid").exists() for n in names):
                break
            time.sleep(0.05)
        pids = {n: int((tmp_path / f"{n}.pid").read_text()) for n in names}
        reloader = int((tmp_path / "reloader.child").read_text())

        # Reap the stand-in as soon as it ends, as a real parent would (a zombie still answers
        # `kill -0`, and app.sh would wait for it).
        threading.Thread(target=web.wait, daemon=True).start()
        result = subprocess.run(
            ["bash", str(APP_SH), "stop"],
            env={**os.environ, "APP_RUN_DIR": str(tmp_path)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == [
            "web stopped",
            "beat stopped",
            "worker stopped",
            "mail_sink stopped",
        ]
        web.wait(timeout=10)
        for pid in [*pids.values(), reloader]:
            for _ in range(50):
                if not _alive(pid):
                    break
                time.sleep(0.05)
            assert not _alive(pid)
        assert not list(tmp_path.glob("*.pid"))
    finally:
        if web.poll() is None:
            web.kill()


def test_make_run_carries_on_after_building_the_road_networks(tmp_path):
    """`travel_network` under `set -e`, with road-network.sh stood in by one that prints two
    networks: it must say so and return 0 (a false `[[ … ]] && …` as its last command once
    stopped `make run` right after the networks were built)."""
    stub = tmp_path / "scripts" / "dev" / "road-network.sh"
    stub.parent.mkdir(parents=True)
    stub.write_text(f'echo "{tmp_path}/a/current/a.osrm"\necho "{tmp_path}/b/current/b.osrm"\n')
    function = subprocess.run(
        ["sed", "-n", "/^travel_network()/,/^}/p", str(APP_SH)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    script = "\n".join(
        ["set -euo pipefail", f'ROOT="{tmp_path}"', 'TRAVEL=""', function, "travel_network"]
        + ['echo "$TRAVEL"']
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAVEL_")}
    result = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "by road on 2 network(s), estimated beyond their roads:",
        "      a/current/a.osrm",
        "      b/current/b.osrm",
    ]
