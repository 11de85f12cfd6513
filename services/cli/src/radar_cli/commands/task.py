"""``radar task``: follow a task live, show, list and cancel tasks.

The API is found from ``--api-url``/``--api-key``, else ``RADAR_API_URL``/``RADAR_API_KEY``,
else the ``.radar/dev.env`` file that ``radar dev`` writes, else the default local server.
``watch`` follows ``GET /v1/tasks/{id}/events`` (server-sent events) and, when the connection
drops, reconnects with ``Last-Event-ID`` so it resumes where it was.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

import httpx
import typer
from httpx_sse import SSEError, connect_sse
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from radar_cli.devenv import setting

DEFAULT_API_URL = "http://127.0.0.1:8080"
TERMINAL = ("SUCCESS", "FAILED", "CANCELLED")
RECONNECTS = 20

app = typer.Typer(help="Follow, show, list and cancel tasks.", no_args_is_help=True)
ApiUrl = Annotated[
    str | None, typer.Option("--api-url", help="Ingestion API (default: RADAR_API_URL).")
]
ApiKey = Annotated[str | None, typer.Option("--api-key", help="API key (default: RADAR_API_KEY).")]
TaskIdArg = Annotated[str, typer.Argument(help="The task_id from the 202 answer.")]


class TaskGone(Exception):
    """The task does not exist (never accepted, or past retention)."""


def api_client(api_url: str | None, api_key: str | None) -> httpx.Client:
    """An HTTP client for the ingestion API with the key in ``X-API-Key``."""
    url = setting("RADAR_API_URL", api_url, DEFAULT_API_URL) or DEFAULT_API_URL
    key = setting("RADAR_API_KEY", api_key) or ""
    headers = {"X-API-Key": key} if key else {}
    return httpx.Client(base_url=url, headers=headers, timeout=httpx.Timeout(10.0, read=60.0))


def follow(
    client: httpx.Client,
    task_id: str,
    on_change: Callable[[dict[str, Any]], None],
    *,
    reconnects: int = RECONNECTS,
) -> dict[str, Any]:
    """Call ``on_change`` with the task after every change until it ends; return the last.

    Raises:
        TaskGone: no such task. httpx.HTTPError: the API stayed unreachable.
    """
    last_id = ""
    last: dict[str, Any] | None = None
    failures = 0
    while True:
        headers = {"Last-Event-ID": last_id} if last_id else {}
        try:
            with connect_sse(
                client, "GET", f"/v1/tasks/{task_id}/events", headers=headers
            ) as source:
                status = source.response.status_code
                if status == 404:
                    raise TaskGone(task_id)
                if status != 204:
                    source.response.raise_for_status()
                    for event in source.iter_sse():
                        if event.event != "task":
                            continue
                        last_id = event.id or last_id
                        last = json.loads(event.data)
                        failures = 0
                        on_change(last)
                        if last["state"] in TERMINAL:
                            return last
        except (httpx.TransportError, SSEError):
            status = 0
        if status == 204:  # nothing after Last-Event-ID: the task had already ended
            if last is not None:
                return last
            answer = client.get(f"/v1/tasks/{task_id}")
            answer.raise_for_status()
            final: dict[str, Any] = answer.json()
            on_change(final)
            return final
        # The stream broke (network, API restart): resume after the last event seen.
        failures += 1
        if failures > reconnects:
            raise httpx.TransportError(f"gave up following {task_id} after {reconnects} tries")
        time.sleep(min(5.0, 0.2 * 2**failures))


def _check(answer: httpx.Response, task_id: str = "") -> dict[str, Any]:
    if answer.status_code == 404:
        raise typer.BadParameter(f"no task {task_id}")
    if answer.status_code >= 400:
        try:
            detail = answer.json().get("detail") or answer.json().get("title")
        except ValueError:
            detail = answer.text
        Console(stderr=True).print(f"[red]{answer.status_code}[/red] {detail}")
        raise typer.Exit(1)
    body: dict[str, Any] = answer.json()
    return body


@app.command("watch")
def watch(
    task_id: TaskIdArg,
    api_url: ApiUrl = None,
    api_key: ApiKey = None,
) -> None:
    """Show a live progress bar (and each step's log) until the task ends.

    Exits 0 on SUCCESS, 1 on FAILED or CANCELLED.
    """
    console = Console()
    seen_logs: set[tuple[str, str]] = set()
    with (
        api_client(api_url, api_key) as client,
        Progress(
            TextColumn("[bold]{task.fields[state]:<9}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
        ) as progress,
    ):
        bar = progress.add_task("", total=100, state="…")

        def show(task: dict[str, Any]) -> None:
            for step in task.get("steps", []):
                for line in step.get("log", []):
                    if (step["name"], line) not in seen_logs:
                        seen_logs.add((step["name"], line))
                        progress.console.print(f"[dim]{step['name']:<9}[/dim] {line}")
            progress.update(
                bar,
                completed=task["percent"],
                description=task.get("current_step") or "",
                state=task["state"],
            )

        try:
            final = follow(client, task_id, show)
        except TaskGone as exc:
            raise typer.BadParameter(f"no task {task_id}") from exc
        except httpx.HTTPError as exc:
            console.print(f"[red]cannot follow task {task_id}: {exc}[/red]")
            raise typer.Exit(2) from exc
    if final["state"] == "SUCCESS":
        console.print(f"[green]SUCCESS[/green] {task_id}")
        return
    console.print(f"[red]{final['state']}[/red] {task_id}: {final.get('error_message') or ''}")
    raise typer.Exit(1)


@app.command("show")
def show(
    task_id: TaskIdArg,
    api_url: ApiUrl = None,
    api_key: ApiKey = None,
) -> None:
    """Print the task as JSON."""
    with api_client(api_url, api_key) as client:
        task = _check(client.get(f"/v1/tasks/{task_id}"), task_id)
    typer.echo(json.dumps(task, indent=2))


@app.command("cancel")
def cancel(
    task_id: TaskIdArg,
    api_url: ApiUrl = None,
    api_key: ApiKey = None,
) -> None:
    """Cancel a task; workers stop at their next check and send no alert."""
    with api_client(api_url, api_key) as client:
        task = _check(client.delete(f"/v1/tasks/{task_id}"), task_id)
    typer.echo(f"{task['task_id']} {task['state']} at {task['percent']}%")


@app.command("list")
def list_tasks(
    state: Annotated[
        list[str] | None, typer.Option("--state", help="QUEUED, RUNNING, ... (repeatable).")
    ] = None,
    since: Annotated[datetime | None, typer.Option(help="Created at or after.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    api_url: ApiUrl = None,
    api_key: ApiKey = None,
) -> None:
    """List tasks, newest first."""
    params: dict[str, Any] = {"limit": limit, "state": [s.upper() for s in state or []]}
    if since is not None:
        params["since"] = since.isoformat()
    with api_client(api_url, api_key) as client:
        body = _check(client.get("/v1/tasks", params=params))
    table = Table()
    for column in ("task_id", "state", "%", "step", "created_at", "error"):
        table.add_column(column, justify="right" if column == "%" else "left")
    for t in body["tasks"]:
        table.add_row(
            t["task_id"],
            t["state"],
            str(t["percent"]),
            t.get("current_step") or "",
            t["created_at"],
            (t.get("error_message") or "")[:60],
        )
    Console().print(table)
