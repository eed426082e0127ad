"""A local SMTP sink for the demo: accepts every message on 127.0.0.1 and saves it as a .eml file.

    python3 scripts/mail_sink.py <directory> <port file>

Listens on 127.0.0.1 at DEMO_SMTP_PORT (default: a free port), writes the port it listens on to
<port file>, then saves each message received as <directory>/<number>-<recipient>.eml (open it
with any mail reader, or read it as text). Nothing is ever sent further. Only the standard library:
Python 3.12 no longer ships smtpd.
"""

import asyncio
import os
import re
import sys
from pathlib import Path


class Sink:
    def __init__(self, directory):
        self.directory = Path(directory)

    def save(self, recipients, data):
        # Numbered after what the folder holds now (the demo empties it on --reset).
        self.directory.mkdir(parents=True, exist_ok=True)
        number = len(list(self.directory.glob("*.eml"))) + 1
        first = re.sub(r"[^\w.@-]", "_", recipients[0] if recipients else "unknown")
        (self.directory / f"{number:04d}-{first}.eml").write_bytes(data)

    async def handle(self, reader, writer):
        async def reply(line):
            writer.write(line.encode() + b"\r\n")
            await writer.drain()

        await reply("220 demo mail sink")
        recipients, in_data, data = [], False, []
        while line := await reader.readline():
            if in_data:
                if line in (b".\r\n", b".\n"):
                    self.save(recipients, b"".join(data))
                    recipients, in_data, data = [], False, []
                    await reply("250 saved")
                else:
                    # Dot-stuffing (RFC 5321 4.5.2).
                    data.append(line[1:] if line.startswith(b"..") else line)
                continue
            command = line.decode("ascii", "replace").strip()
            verb = command[:4].upper()
            if verb in ("HELO", "EHLO"):
                await reply("250 demo mail sink")
            elif verb == "MAIL":
                recipients, data = [], []
                await reply("250 ok")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[-1].strip(" <>"))
                await reply("250 ok")
            elif verb == "DATA":
                in_data = True
                await reply("354 end with <CRLF>.<CRLF>")
            elif verb == "QUIT":
                await reply("221 bye")
                break
            else:  # RSET, NOOP, ...
                await reply("250 ok")
        writer.close()


async def main(directory, port_file):
    sink = Sink(directory)
    server = await asyncio.start_server(sink.handle, "127.0.0.1", int(os.environ.get("DEMO_SMTP_PORT") or 0))
    port = server.sockets[0].getsockname()[1]
    Path(port_file).write_text(f"{port}\n")
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
