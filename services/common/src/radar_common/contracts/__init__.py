"""Message contracts, generated from proto/radar/v1 (run `make proto` after editing a .proto)."""

from radar_common.contracts.radar.v1.assessments_pb2 import (
    Alternate,
    Assessment,
    BomPath,
    FieldChange,
    MitigationOption,
    NoticeWork,
    WhereUsed,
)
from radar_common.contracts.radar.v1.events_pb2 import Attachment, RawEvent
from radar_common.contracts.radar.v1.notices_pb2 import Evidence, NormalizedNotice, PartMention
from radar_common.contracts.radar.v1.notifications_pb2 import NotificationResult
from radar_common.contracts.radar.v1.tasks_pb2 import DeadLetter, TaskProgress

__all__ = [
    "Alternate",
    "Assessment",
    "Attachment",
    "BomPath",
    "DeadLetter",
    "Evidence",
    "FieldChange",
    "MitigationOption",
    "NormalizedNotice",
    "NoticeWork",
    "NotificationResult",
    "PartMention",
    "RawEvent",
    "TaskProgress",
    "WhereUsed",
]
