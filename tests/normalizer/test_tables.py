"""Tables in every rendering: PDF (across pages), plain text (pipes, spaces), CSV, XLSX."""

from __future__ import annotations

import base64
import json

from radar_common.contracts import Attachment, RawEvent
from radar_normalizer.document import Place, TextBlock
from radar_normalizer.read import read_event
from radar_normalizer.segment import segment
from tests.normalizer.corpus import attachment_bytes
from tests.normalizer.notices import mail, mime, parts


def _pdf_event(lines: list[str]) -> RawEvent:
    return mime(
        {
            "subject": "Product discontinuance notice PDN 26_0042",
            "from": "pdn@example-semi.com",
            "text": "See attachment.",
            "attachments": [
                {"filename": "PDN.pdf", "content_type": "application/pdf", "pdf": lines}
            ],
        }
    )


def test_a_pdf_table_continued_on_the_next_page_keeps_its_header() -> None:
    head = [
        "PRODUCT DISCONTINUANCE NOTICE",
        "Last Time Buy Date: 15-Dec-2026",
        "Ordering Code  Substitute Product  Date of Withdrawal",
    ]
    rows = [f"EXK{4100 + i}Q000  EXK{5100 + i}Q000  2026-06-15" for i in range(60)]
    # pdfgen puts 50 lines on a page: the footer ends page 1, rows 48-60 open page 2.
    event = _pdf_event(head + rows[:46] + ["Page 1 of 2"] + rows[46:])
    found = parts(event)
    assert len(found) == 60  # rows 48-60 are on page 2, under no header
    assert found["EXK4159Q000"].replacement_mpn == "EXK5159Q000"
    assert found["EXK4159Q000"].issue_date == "2026-06-15"
    assert not {f"EXK{5100 + i}Q000" for i in range(60)} & set(found)


def test_plain_text_tables_by_pipes_and_by_spaces() -> None:
    piped = mail(
        "End of life notice EOL-2026-7\n"
        "| Part Number | Replacement | Last Time Buy |\n"
        "| EXP100AR | EXP110AR | 2026-10-01 |\n"
        "| EXP200AR | | 2026-11-01 |\n"
    )
    found = parts(piped)
    assert found["EXP100AR"].replacement_mpn == "EXP110AR"
    assert found["EXP200AR"].last_time_buy_date == "2026-11-01"
    spaced = mail(
        "End of life notice EOL-2026-8\n"
        "Device       Package   Last Order Date   Replacement\n"
        "EXS300BT     SOT-23    2026-09-30        EXS310BT\n"
        "EXS400BT     SOT-23    2026-09-30\n"
    )
    found = parts(spaced)
    assert set(found) == {"EXS300BT", "EXS400BT"}
    assert found["EXS300BT"].replacement_mpn == "EXS310BT"
    assert found["EXS400BT"].last_time_buy_date == "2026-09-30"


def test_a_table_printed_column_after_column() -> None:
    lines = ["The following products are being withdrawn.", "Ordering Code"]
    lines += ["EXB3256A000", "EXB3256B000", "EXB3256C000"]
    lines += ["Substitute Product", "Date of Withdrawal"] + ["2026-07-17"] * 3
    lines += ["Deadline Last", "Orders"] + ["2026-10-31"] * 3
    event = mail("\n".join(lines) + "\n", subject="Withdrawal list")
    found = parts(event)
    assert set(found) == {"EXB3256A000", "EXB3256B000", "EXB3256C000"}
    assert {n.last_time_buy_date for n in found.values()} == {"2026-10-31"}
    assert {n.issue_date for n in found.values()} == {"2026-07-17"}


def test_csv_and_xlsx_attachments() -> None:
    csv = "Part Number;Replacement;Last Time Buy\nEXV1001-T1;EXV1002-T1;31.03.2027\n"
    xlsx = attachment_bytes(
        {"xlsx": [["Orderable Part Number", "Status"], ["EXM2001KA", "Obsolete"]]}
    )
    payload = {
        "Subject": "EOL notice EX-EOL-2026-12",
        "From": "pcn@example-semi.com",
        "TextBody": "Lists attached.",
        "Attachments": [
            {
                "Name": "parts.csv",
                "ContentType": "text/csv",
                "Content": base64.b64encode(csv.encode()).decode(),
            },
            {
                "Name": "more.xlsx",
                "ContentType": "application/vnd.ms-excel",
                "Content": base64.b64encode(xlsx).decode(),
            },
        ],
    }
    event = RawEvent(format="postmark", source="postmark", payload_json=json.dumps(payload))
    found = parts(event)
    assert found["EXV1001-T1"].last_time_buy_date == "2027-03-31"
    assert found["EXV1001-T1"].replacement_mpn == "EXV1002-T1"
    assert found["EXM2001KA"].lifecycle_status == "obsolete"
    where = next(e for e in found["EXM2001KA"].evidence if e.field == "mpn")
    assert (where.attachment, where.table, where.row) == ("more.xlsx", 2, 1)


def test_evidence_locates_a_pdf_row() -> None:
    event = _pdf_event(["Orderable Part Number  Replacement", "EXZ9001RT  EXZ9002RT"])
    [notice] = parts(event).values()
    where = next(e for e in notice.evidence if e.field == "mpn")
    assert (where.attachment, where.page, where.table, where.row) == ("PDN.pdf", 1, 1, 1)
    assert where.location == "attachment:PDN.pdf#page=1#table=1#row=1"


def test_segments_number_lines_per_place() -> None:
    event = RawEvent(format="sendgrid", source="x", payload_json=json.dumps({"text": "a\nb\n"}))
    event.attachments.append(
        Attachment(filename="n.txt", content_type="text/plain", content=b"c\nd\n")
    )
    document = read_event(event)
    assert [b.place for b in document.blocks if isinstance(b, TextBlock)] == [
        Place("body"),
        Place("attachment", attachment="n.txt"),
    ]
    lines = segment(document).lines
    assert [(line.place.origin, line.number) for line in lines] == [
        ("body", 1),
        ("body", 2),
        ("attachment", 1),
        ("attachment", 2),
    ]


def test_a_single_spaced_pdf_table_assigns_tokens_by_column_order() -> None:
    # pypdf often joins cells with one space: the header's words give the column order, and a
    # row missing a cell keeps its family apart from its replacement.
    event = _pdf_event(
        [
            "PDN #: 26_0099",
            "Model Product Family Replacement Part Pin To Pin Compatible",
            "EXD7705BRZ EXD7705 EXD7715BRZ Yes",
            "EXD7706BRZ-REEL EXD7716BRZ-REEL No",
            "EXD7707BRZ EXD7707 None N/A",
        ]
    )
    found = parts(event)
    assert set(found) == {"EXD7705BRZ", "EXD7706BRZ-REEL", "EXD7707BRZ"}
    assert found["EXD7705BRZ"].replacement_mpn == "EXD7715BRZ"
    assert found["EXD7706BRZ-REEL"].replacement_mpn == "EXD7716BRZ-REEL"
    assert found["EXD7707BRZ"].replacement_mpn == ""
