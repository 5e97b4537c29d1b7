"""SMTP servers for tests/starttls.rs, on aiosmtpd (PyPI): prints "PORT <n>" once listening.

usage: smtpd.py CERT KEY MODE   MODE = tls (offers STARTTLS), plain (does not offer it),
                                       refuse (offers it, answers 454 to the command)
With SMTPD_COUNT_FILE set, each accepted connection appends a line to that file
(scripts/bench-starttls.sh counts every tool's connections with it).
"""
import asyncio
import os
import ssl
import sys

from aiosmtpd.handlers import Sink
from aiosmtpd.smtp import SMTP


class Refusing(SMTP):
    async def smtp_STARTTLS(self, arg):
        await self.push("454 4.7.0 TLS not available due to local problem")


COUNT_FILE = os.environ.get("SMTPD_COUNT_FILE")


def counted(cls):
    class Counted(cls):
        def connection_made(self, transport):
            if COUNT_FILE:
                with open(COUNT_FILE, "a") as f:
                    f.write("c\n")
            super().connection_made(transport)

    return Counted


def main():
    cert, key, mode = sys.argv[1:4]
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    cls = counted(Refusing if mode == "refuse" else SMTP)

    def factory():
        return cls(
            Sink(),
            hostname="mail.tlsight.test",
            tls_context=None if mode == "plain" else ctx,
            require_starttls=False,
        )

    async def run():
        loop = asyncio.get_running_loop()
        srv = await loop.create_server(factory, "127.0.0.1", 0)
        print("PORT", srv.sockets[0].getsockname()[1], flush=True)
        await srv.serve_forever()

    asyncio.run(run())


if __name__ == "__main__":
    main()
