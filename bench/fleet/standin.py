"""A stand-in for one RocketMQ JVM in bench/fleet.py: it runs as `.../java - <the JVM's argv>`
(argv[0] set by `exec -a`, this file on stdin), so rocketui's process listing sees a namesrv or
broker with its main class and `-c` file, and it listens on the node's address and port.  A
namesrv stand-in answers GET_BROKER_CLUSTER_INFO (code 106) with every broker of the fleet
registered; every other request gets an empty SUCCESS.  Nothing here is RocketMQ code."""

import asyncio
import json
import os
import struct

ADDRESS = os.environ["STANDIN_ADDRESS"]
PORT = int(os.environ["STANDIN_PORT"])
CLUSTER_INFO = os.environ.get("STANDIN_CLUSTER_INFO", "")


async def answer(reader, writer):
    body = b""
    if CLUSTER_INFO:
        with open(CLUSTER_INFO, "rb") as f:
            body = f.read()
    try:
        while True:
            length = struct.unpack(">I", await reader.readexactly(4))[0]
            frame = await reader.readexactly(length)
            header_len = struct.unpack(">I", frame[:4])[0] & 0xFFFFFF
            request = json.loads(frame[4 : 4 + header_len])
            header = json.dumps(
                {
                    "code": 0,
                    "flag": 1,
                    "opaque": request.get("opaque", 0),
                    "language": "JAVA",
                    "version": 513,
                    "extFields": {},
                }
            ).encode()
            payload = body if request.get("code") == 106 else b""
            writer.write(struct.pack(">II", 4 + len(header) + len(payload), len(header)) + header + payload)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        writer.close()


async def main():
    server = await asyncio.start_server(answer, ADDRESS, PORT)
    async with server:
        await server.serve_forever()


asyncio.run(main())
