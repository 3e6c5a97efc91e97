"""osrm-routed (from the osrm-bindings wheel) on a free local port, for the HTTP engine's tests."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator

from geo import travel


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def osrm_routed(network: str, probe: tuple[float, float]) -> Iterator[str]:
    """Serve `network`; yield its URL once `/nearest` answers for `probe` (lon, lat)."""
    port = free_port()
    process = subprocess.Popen(
        [str(travel.osrm_tool("osrm-routed")), "--ip", "127.0.0.1", "--port", str(port),
         "--algorithm", "CH", "--max-table-size", "10000", "--mmap", "1", network],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                nearest = f"{url}/nearest/v1/driving/{probe[0]},{probe[1]}"
                with urllib.request.urlopen(nearest, timeout=1):  # noqa: S310 - our http URL
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("osrm-routed did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
