"""What the console holds while it runs (opened in the lifespan) and how routes get it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import asyncpg
from fastapi import Depends, Request

from radar_common.bus.connection import Bus
from radar_common.bus.dead_letters import DeadLetters
from radar_common.tasks import TaskStore

if TYPE_CHECKING:
    from authlib.integrations.starlette_client import StarletteOAuth2App

    from radar_console.settings import ConsoleSettings


@dataclass
class ConsoleState:
    settings: ConsoleSettings
    bus: Bus
    tasks: TaskStore
    dead_letters: DeadLetters
    pool: asyncpg.Pool
    oidc: StarletteOAuth2App | None


async def get_state(request: Request) -> ConsoleState:
    state: ConsoleState = request.app.state.console
    return state


StateDep = Annotated[ConsoleState, Depends(get_state)]
