"""The normalizer stage: one raw event in, one notice per affected part out."""

from __future__ import annotations

from radar_common.bus.topology import Topology
from radar_common.bus.worker import MessageContext, Stage, parse_as
from radar_common.contracts import NormalizedNotice, RawEvent
from radar_normalizer.extract import extract_notices


async def normalize(event: RawEvent, ctx: MessageContext) -> list[NormalizedNotice]:
    await ctx.progress(
        "running", message=f"normalizing {event.format or 'event'} from {event.source}"
    )
    notices = extract_notices(event)
    await ctx.progress(
        "done", message=f"{len(notices)} part(s): " + ", ".join(n.mpn for n in notices[:10])
    )
    return notices


def normalizer_stage(topology: Topology) -> Stage[RawEvent, NormalizedNotice]:
    return Stage(
        name="normalizer",
        step="normalize",
        consumer=topology.normalizer_consumer,
        decode=parse_as(RawEvent),
        handle=normalize,
        output_subject=topology.notices,
        output_id=lambda n: n.notice_id,
    )
