"""E-mail over SMTP, against a real loopback SMTP server (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from radar_cli.infra import NatsServer, free_port
from radar_notifier.channels import parse_smtp_url
from radar_notifier.records import notification_id
from tests.notifier.harness import finished, pipeline, publish, running, settings_for, states
from tests.notifier.samples import assessment


class Mailbox:
    """Accepts mail for anyone but ``nobody@``; keeps what it got."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted"


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def test_smtp_urls() -> None:
    t = parse_smtp_url("smtps://alerts%40corp:p%40ss@mail.corp:2465")
    assert (t.host, t.port, t.username, t.password, t.implicit_tls) == (
        "mail.corp",
        2465,
        "alerts@corp",
        "p@ss",
        True,
    )
    assert parse_smtp_url("smtp://relay?starttls=true").starttls
    with pytest.raises(ValueError, match="RADAR_SMTP_URL"):
        parse_smtp_url("http://relay")


@pytest.mark.integration
async def test_procurement_gets_the_alert_by_email_once(
    nats_server: NatsServer, database_url: str, smtp: tuple[Mailbox, int]
) -> None:
    box, port = smtp
    settings = settings_for(
        nats_server.url,
        database_url,
        smtp_url=f"smtp://127.0.0.1:{port}",
        smtp_to="buyers@example.com, eng@example.com",
        smtp_from="radar@example.com",
    )
    a = assessment()
    async with pipeline(nats_server.url) as (bus, tasks), running(settings):
        await publish(bus, tasks, a)
        await finished(tasks, a.task_id)
        await publish(bus, tasks, a, new_task=False)  # a redelivery sends nothing
        await finished(tasks, a.task_id)
    assert len(box.messages) == 1
    msg = box.messages[0]
    assert msg["Subject"] == "[Radar] HIGH: EXR12-33DBVR (Example Semiconductor) — PDN 23_0061"
    assert msg["To"] == "buyers@example.com, eng@example.com"
    assert notification_id("asm-1", "email") in msg["Message-ID"]
    assert "Task status: http://radar.test/v1/tasks/task-1" in msg.get_content()
    assert (await states(database_url, "asm-1"))["email"] == ("sent", 1, "")


@pytest.mark.integration
async def test_a_refused_recipient_is_dead_not_retried(
    nats_server: NatsServer, database_url: str, smtp: tuple[Mailbox, int]
) -> None:
    _, port = smtp
    settings = settings_for(
        nats_server.url,
        database_url,
        smtp_url=f"smtp://127.0.0.1:{port}",
        smtp_to="nobody@example.com",
    )
    async with pipeline(nats_server.url) as (bus, tasks), running(settings):
        await publish(bus, tasks, assessment())
        task = await finished(tasks, "task-1")
    state, attempts, error = (await states(database_url, "asm-1"))["email"]
    assert (state, attempts) == ("dead", 1)
    assert "recipients refused" in error
    assert task.state == "FAILED"  # the only channel refused it: the task says so
    assert task.error_message is not None
    assert "no channel took the alert" in task.error_message
