"""The chart's KEDA triggers name the streams and consumers the workers really use.

Renders the chart, creates the topology on a real nats-server exactly as the services do,
puts a backlog on each worker's subject (part of it delivered and not yet acknowledged),
then reads /jsz the way KEDA's nats-jetstream scaler does and checks the replica count
it would ask for.
"""

from __future__ import annotations

import json
import math
import urllib.request
from dataclasses import dataclass
from typing import Any

import pytest

from radar_cli.infra import NatsServer
from radar_common.bus.connection import Bus
from radar_common.bus.topology import ConsumerSpec, Topology

from .rendering import WORKERS, Rendered, env_of, render

pytestmark = pytest.mark.usefixtures("helm_binary")


@dataclass(frozen=True)
class Trigger:
    worker: str
    endpoint: str
    account: str
    stream: str
    consumer: str
    lag_threshold: int
    min_replicas: int
    max_replicas: int


def triggers(rendered: Rendered) -> dict[str, Trigger]:
    """Every ScaledObject trigger, by the consumer it reads (a worker may have several)."""
    found: dict[str, Trigger] = {}
    for so in rendered.of_kind("ScaledObject"):
        spec = so["spec"]
        worker = so["metadata"]["labels"]["app.kubernetes.io/component"]
        for trigger in spec["triggers"]:
            meta = trigger["metadata"]
            assert meta["consumer"] not in found, f"two triggers on {meta['consumer']}"
            found[meta["consumer"]] = Trigger(
                worker=worker,
                endpoint=meta["natsServerMonitoringEndpoint"],
                account=meta["account"],
                stream=meta["stream"],
                consumer=meta["consumer"],
                lag_threshold=int(meta["lagThreshold"]),
                min_replicas=spec["minReplicaCount"],
                max_replicas=spec["maxReplicaCount"],
            )
    return found


def topology_of(rendered: Rendered) -> Topology:
    config = rendered.get("ConfigMap", "radar-config")["data"]
    return Topology(
        stream_prefix=config["RADAR_STREAM_PREFIX"], subject_prefix=config["RADAR_SUBJECT_PREFIX"]
    )


def consumer_named(topology: Topology, durable: str) -> ConsumerSpec:
    (spec,) = (c for c in topology.consumers if c.durable == durable)
    return spec


def keda_lag(monitor_url: str, trigger: Trigger) -> int | None:
    """What KEDA's nats-jetstream scaler computes: num_pending + num_ack_pending."""
    url = f"{monitor_url}/jsz?acc={trigger.account}&consumers=true&config=true"
    with urllib.request.urlopen(url, timeout=5) as response:
        body: dict[str, Any] = json.loads(response.read())
    for account in body.get("account_details", []):
        if account["name"] != trigger.account:
            continue
        for stream in account.get("stream_detail", []):
            if stream["name"] != trigger.stream:
                continue
            for consumer in stream.get("consumer_detail", []):
                if consumer["name"] == trigger.consumer:
                    return int(consumer["num_pending"]) + int(consumer["num_ack_pending"])
    return None


def desired_replicas(lag: int, trigger: Trigger) -> int:
    return max(
        trigger.min_replicas, min(trigger.max_replicas, math.ceil(lag / trigger.lag_threshold))
    )


def test_triggers_match_the_python_topology() -> None:
    """Every durable consumer (inference's work consumer included) has a trigger on the
    ScaledObject of the worker that runs it, and no trigger names anything else."""
    rendered = render("production")
    topology = topology_of(rendered)
    found = triggers(rendered)
    assert {t.worker for t in found.values()} == set(WORKERS)
    assert {(t.stream, t.consumer) for t in found.values()} == {
        (c.stream, c.durable) for c in topology.consumers
    }
    assert set(topology.consumers) == {c for w in WORKERS for c in topology.consumers_of(w)}
    for worker in WORKERS:
        assert {t.consumer for t in found.values() if t.worker == worker} == {
            c.durable for c in topology.consumers_of(worker)
        }, worker
    for trigger in found.values():
        spec = consumer_named(topology, trigger.consumer)
        assert trigger.stream == spec.stream
        assert trigger.account == "$G"
        (c,) = rendered.get("Deployment", f"radar-{trigger.worker}")["spec"]["template"]["spec"][
            "containers"
        ]
        assert trigger.lag_threshold >= int(env_of(c)["RADAR_FETCH_BATCH"]), trigger.consumer


@pytest.mark.parametrize("name", ["keda-detected", "production", "dev", "all-options"])
def test_every_replica_can_get_work(name: str) -> None:
    """JetStream stops delivering at max_ack_pending, whatever the number of pods.

    The workers declare max_ack_pending = 10 x max(fetch batch, concurrency)
    (radar_common.worker_host); replicas beyond max_ack_pending / concurrency would idle.
    """
    rendered = render(name)
    for consumer, trigger in triggers(rendered).items():
        (c,) = rendered.get("Deployment", f"radar-{trigger.worker}")["spec"]["template"]["spec"][
            "containers"
        ]
        env = env_of(c)
        batch, concurrency = int(env["RADAR_FETCH_BATCH"]), int(env["RADAR_CONCURRENCY"])
        max_ack_pending = 10 * max(batch, concurrency)
        assert trigger.max_replicas * concurrency <= max_ack_pending, f"{name}: {consumer}"


@pytest.mark.integration
async def test_keda_reads_each_worker_lag_from_jsz(nats_server: NatsServer) -> None:
    rendered = render("production")
    topology = topology_of(rendered)
    found = triggers(rendered)
    bus = await Bus.connect(nats_server.url, topology, name="deploy-keda-contract")
    try:
        await bus.ensure_topology()
        expected: dict[str, tuple[int, int]] = {}
        for n, (consumer, trigger) in enumerate(sorted(found.items())):
            # One replica's worth twice over and a bit: ceil() must round up to 3 (capped).
            backlog = 2 * trigger.lag_threshold + 1 + n
            spec = consumer_named(topology, consumer)
            for i in range(backlog):
                await bus.publish(spec.filter_subject, b"{}", msg_id=f"{consumer}-{i}")
            # A worker holds some messages in flight: they count as ack-pending lag.
            sub = await bus.js.pull_subscribe_bind(durable=spec.durable, stream=spec.stream)
            in_flight = await sub.fetch(batch=3, timeout=5)
            assert len(in_flight) == 3
            expected[consumer] = (backlog, desired_replicas(backlog, trigger))
        for consumer, trigger in found.items():
            lag = keda_lag(nats_server.monitor_url, trigger)
            backlog, replicas = expected[consumer]
            assert lag == backlog, f"{consumer}: KEDA would read lag {lag}, backlog is {backlog}"
            assert desired_replicas(lag, trigger) == replicas == min(3, trigger.max_replicas)
        # A consumer name KEDA cannot find is what `fallback` covers; make sure we'd notice.
        ghost = Trigger("ghost", "", "$G", found["normalizer"].stream, "ghost", 1, 0, 1)
        assert keda_lag(nats_server.monitor_url, ghost) is None
    finally:
        await bus.close()
