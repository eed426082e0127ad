"""A local SMTP sink for the sending benchmark: accepts every message on 127.0.0.1 and counts it.

python scripts/smtp_sink.py PORT     prints "SINK <messages> <bytes>" when stopped (SIGTERM)
"""

import signal
import socketserver
import sys
import threading

received = {"messages": 0, "bytes": 0}
lock = threading.Lock()


class Handler(socketserver.StreamRequestHandler):
    def reply(self, text):
        self.wfile.write(text.encode() + b"\r\n")

    def handle(self):
        self.reply("220 sink ESMTP")
        while line := self.rfile.readline():
            command = line.strip().upper()
            if command.startswith(b"EHLO"):
                self.wfile.write(b"250-sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 104857600\r\n")
            elif command.startswith(b"DATA"):
                self.reply("354 go ahead")
                size = 0
                while (data := self.rfile.readline()) and data not in (b".\r\n", b".\n"):
                    size += len(data)
                with lock:
                    received["messages"] += 1
                    received["bytes"] += size
                self.reply("250 queued")
            elif command.startswith(b"QUIT"):
                self.reply("221 bye")
                return
            else:  # HELO, MAIL FROM, RCPT TO, RSET, NOOP
                self.reply("250 ok")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    server = Server(("127.0.0.1", int(sys.argv[1])), Handler)

    def stop(*_args):
        print(f"SINK {received['messages']} {received['bytes']}", flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    print("READY", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
