"""A local SMTP server for `make run`: every message it receives becomes an .eml file.

    python scripts/dev/mail_sink.py [--host 127.0.0.1] [--port 1025] [--dir var/mail]
                                    [--port-file var/run/mail_sink.port]

The web server and worker send through Django's SMTP backend to it, as they would to a real
server in production, and the developer opens the newest file in var/mail/ to read an email or
follow its link. It listens on loopback only and delivers nothing anywhere.

If --port is taken it tries the next 20 ports, then any free one. Once listening it writes the
port to --port-file (for scripts/dev/app.sh) and prints `Mail sink listening on HOST:PORT,
writing to DIR`. SIGTERM or Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import itertools
import os
import signal
import tempfile
from datetime import datetime
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session

ROOT = Path(__file__).resolve().parents[2]
PORTS_TO_TRY = 20


class EmlWriter:
    """aiosmtpd handler: writes each message whose DATA completed to DIR/<time>-<n>.eml."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.count = itertools.count(1)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        # Envelope headers first, as a mail server's local delivery adds them: the recipients
        # of a Bcc are in no other header.
        head = (
            f"Return-Path: <{envelope.mail_from}>\r\n"
            f"X-Original-To: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        content = envelope.original_content or b""
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        path = self.directory / f"{stamp}-{next(self.count)}.eml"
        self.directory.mkdir(parents=True, exist_ok=True)
        # Written under another name and renamed, so a reader never sees half a message.
        with tempfile.NamedTemporaryFile(dir=self.directory, suffix=".part", delete=False) as f:
            f.write(head + content)
        os.chmod(f.name, 0o644)  # as Django's file backend leaves its files
        os.replace(f.name, path)
        print(f"{path.name}: {', '.join(envelope.rcpt_tos)}", flush=True)
        return "250 Message accepted for delivery"


async def _listen(handler: EmlWriter, host: str, port: int) -> tuple[asyncio.AbstractServer, int]:
    loop = asyncio.get_running_loop()
    candidates = [*range(port, port + PORTS_TO_TRY), 0] if port else [0]
    for candidate in candidates:
        try:
            server = await loop.create_server(
                # A fixed name: the default looks up this machine's (slow without DNS).
                lambda: SMTP(handler, hostname="mail-sink.localhost", enable_SMTPUTF8=True),
                host=host,
                port=candidate,
            )
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            continue
        return server, server.sockets[0].getsockname()[1]
    raise RuntimeError("no free port")  # port 0 always finds one


async def serve(host: str, port: int, directory: Path, port_file: Path | None) -> None:
    server, bound = await _listen(EmlWriter(directory), host, port)
    if port_file is not None:
        port_file.parent.mkdir(parents=True, exist_ok=True)
        partial = port_file.with_suffix(".part")
        partial.write_text(f"{bound}\n")
        os.replace(partial, port_file)
    shown = directory.relative_to(ROOT) if directory.is_relative_to(ROOT) else directory
    print(f"Mail sink listening on {host}:{bound}, writing to {shown}/", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with server:
        await stop.wait()
    print("Mail sink stopped", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025, help="0: any free port")
    parser.add_argument("--dir", type=Path, default=ROOT / "var" / "mail")
    parser.add_argument("--port-file", type=Path, default=None)
    args = parser.parse_args()
    asyncio.run(serve(args.host, args.port, args.dir.resolve(), args.port_file))


if __name__ == "__main__":
    main()
