#!/usr/bin/env python3
"""Counting TCP relay for scripts/bench-audit.sh: listens on 127.0.0.1:LISTEN, forwards every
connection to 127.0.0.1:TARGET, and writes the number of accepted connections to COUNTFILE
whenever it changes. Loopback only."""
import asyncio
import sys

listen, target, countfile = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
count = 0


async def pipe(r, w):
    try:
        while True:
            data = await r.read(65536)
            if not data:
                break
            w.write(data)
            await w.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            w.close()
        except Exception:
            pass


async def handle(cr, cw):
    global count
    count += 1
    with open(countfile, "w") as f:
        f.write(str(count))
    try:
        sr, sw = await asyncio.open_connection("127.0.0.1", target)
    except OSError:
        cw.close()
        return
    await asyncio.gather(pipe(cr, sw), pipe(sr, cw))


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", listen, backlog=512)
    async with server:
        await server.serve_forever()


asyncio.run(main())
