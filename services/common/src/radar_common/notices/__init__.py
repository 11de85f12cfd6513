"""Notices as records: the domain operations every writer shares.

The ingestion API, the inference service and the console write notices only through these
functions, so they can never disagree about what a notice is or what happened to it:

- :mod:`~radar_common.notices.identity` — which record an arrival belongs to (keys, revisions);
- :mod:`~radar_common.notices.facts` — a notice's facts and what changed between two versions;
- :mod:`~radar_common.notices.dates` — the J-STD-048 dates a notice does not state;
- :mod:`~radar_common.notices.severity` — the five severity grades and their one order;
- :mod:`~radar_common.notices.records` — reading records (one, a filtered page, sources);
- :mod:`~radar_common.notices.arrivals` — recording an arrival: new, merged, revised, closed;
- :mod:`~radar_common.notices.review` — a person confirms or corrects what was read;
- :mod:`~radar_common.notices.decisions` — acknowledge, decide, assign an owner;
- :mod:`~radar_common.notices.assessments` — linking an assessment to its record;
- :mod:`~radar_common.notices.history` — the append-only trail every write adds to;
- :mod:`~radar_common.notices.reminders` — which reminders are due before an LTB date;
- :mod:`~radar_common.notices.reassessment` — which notices need assessing again, and why;
- :mod:`~radar_common.notices.work` — asking for that work (a JetStream message per piece);
- :mod:`~radar_common.notices.clock` — today, controllable in tests.
"""
