"""The bus alone: JetStream publish (acked) and pull-consume (acked) rates with nats-py.

The same nats-server binary, file storage and client library as the services use, on the same
machine, so the pipeline's rate can be read as a fraction of what the bus allows.

    .venv/bin/python bench/bus_bench.py [--messages 20000] [--size 512] [--window 100]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import nats
from machine import table, write
from nats.js.api import AckPolicy, ConsumerConfig, StorageType, StreamConfig

from radar_cli.infra import NatsServer


async def bench(url: str, messages: int, size: int, window: int) -> dict[str, Any]:
    nc = await nats.connect(url)
    js = nc.jetstream()
    await js.add_stream(StreamConfig(name="BENCH", subjects=["bench.>"], storage=StorageType.FILE))
    payload = os.urandom(size)

    # Sequential: one publish, wait for its ack, next (what a request handler does).
    n_seq = min(messages, 2000)
    started = time.perf_counter()
    for i in range(n_seq):
        await js.publish("bench.seq", payload, headers={"Nats-Msg-Id": f"s{i}"})
    sequential = n_seq / (time.perf_counter() - started)

    # Pipelined: up to `window` publishes in flight (many concurrent requests or workers).
    started = time.perf_counter()
    for base in range(0, messages, window):
        await asyncio.gather(
            *(
                js.publish("bench.pipe", payload, headers={"Nats-Msg-Id": f"p{i}"})
                for i in range(base, min(messages, base + window))
            )
        )
    pipelined = messages / (time.perf_counter() - started)

    # Pull consumer, batch fetch, ack each (what a worker does, minus the handler).
    sub = await js.pull_subscribe(
        "bench.pipe", durable="bench", config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT)
    )
    got, started = 0, time.perf_counter()
    while got < messages:
        for msg in await sub.fetch(window, timeout=5):
            await msg.ack()
            got += 1
    consumed = got / (time.perf_counter() - started)
    await nc.close()
    return {
        "messages": messages,
        "size_bytes": size,
        "window": window,
        "publish_sequential_per_second": sequential,
        "publish_pipelined_per_second": pipelined,
        "consume_ack_per_second": consumed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--window", type=int, default=100)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="radar-bus-bench-"))
    server = NatsServer(root / "nats").start()
    try:
        result = asyncio.run(bench(server.url, args.messages, args.size, args.window))
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    print(
        table(
            ["messages", "bytes", "publish seq/s", "publish pipelined/s", "consume+ack/s"],
            [
                [
                    result["messages"],
                    result["size_bytes"],
                    result["publish_sequential_per_second"],
                    result["publish_pipelined_per_second"],
                    result["consume_ack_per_second"],
                ]
            ],
        )
    )
    print(f"wrote {write('bus', result)}")


if __name__ == "__main__":
    main()
