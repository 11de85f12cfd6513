"""JetStream key-value buckets and the object store: opened, or created on first use.

Every replica opens the same buckets at start; the first creates them. Large raw-event pieces
travel through the object store (see ``radar_ingestion.blobs`` for how ingestion offloads them,
``radar_normalizer.objects`` for how the normalizer reads them back); the names both sides
agree on live here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from nats.js import JetStreamContext
from nats.js import api as js_api
from nats.js.errors import BucketNotFoundError
from nats.js.kv import KeyValue
from nats.js.object_store import ObjectStore

from radar_common.bus.connection import Bus

# Where ingestion names an offloaded ``RawEvent.payload_json`` (in ``RawEvent.metadata``).
PAYLOAD_REF_KEY = "payload_object_ref"
MAX_OBJECT_BYTES = 40_000_000
_B = TypeVar("_B")

# Fetches the bytes stored under a reference; raises when they cannot be read now.
FetchObject = Callable[[str], Awaitable[bytes]]


async def _open_or_create(
    open_: Callable[[], Awaitable[_B]], create: Callable[[], Awaitable[_B]]
) -> _B:
    try:
        return await open_()
    except BucketNotFoundError:
        try:
            return await create()
        except Exception:  # created concurrently by another replica
            return await open_()


async def ensure_bucket(
    js: JetStreamContext, bucket: str, *, ttl_seconds: float, history: int = 1
) -> KeyValue:
    """Open a key-value bucket, creating it on first use (idempotent across replicas).

    Args:
        js: the JetStream context.
        bucket: the bucket's name (see ``Topology.tasks_bucket``, ``idempotency_bucket``).
        ttl_seconds: how long a key lives after its last write.
        history: values kept per key.

    Returns:
        The bucket; the configuration given applies only when this call creates it.
    """
    config = js_api.KeyValueConfig(
        bucket=bucket, history=history, ttl=ttl_seconds, storage=js_api.StorageType.FILE
    )
    return await _open_or_create(lambda: js.key_value(bucket), lambda: js.create_key_value(config))


async def ensure_object_store(
    js: JetStreamContext, bucket: str, *, ttl_seconds: float
) -> ObjectStore:
    """Open the object store bucket, creating it on first use (idempotent across replicas).

    Args:
        js: the JetStream context.
        bucket: the store's name (``Topology.object_store``).
        ttl_seconds: how long an object is kept.

    Returns:
        The store; the configuration given applies only when this call creates it.
    """
    config = js_api.ObjectStoreConfig(
        bucket=bucket,
        description="Raw event bodies and attachments too large for a message",
        ttl=ttl_seconds,
        storage=js_api.StorageType.FILE,
    )
    return await _open_or_create(
        lambda: js.object_store(bucket), lambda: js.create_object_store(bucket, config=config)
    )


def object_fetcher(bus: Bus) -> FetchObject:
    """Read objects from the deployment's store (``Topology.object_store``).

    The bucket handle is looked up once and reused: opening it is an API round trip.

    Args:
        bus: the connection whose topology names the store.

    Returns:
        ``fetch(ref) -> bytes``: the object's bytes, at most ``MAX_OBJECT_BYTES``; it raises
        nats' ``ObjectNotFoundError`` when the object is gone (expired or never stored).
    """
    store: ObjectStore | None = None

    async def fetch(ref: str) -> bytes:
        nonlocal store
        if store is None:
            store = await bus.js.object_store(bus.topology.object_store)
        result = await store.get(ref)
        return bytes((result.data or b"")[:MAX_OBJECT_BYTES])

    return fetch
