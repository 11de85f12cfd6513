"""``radar dev``: the whole pipeline on one machine, no cluster.

Starts an embedded nats-server (JetStream, monitoring) and PostgreSQL under ``.radar/`` unless
``RADAR_NATS_URL`` / ``RADAR_DATABASE_URL`` point elsewhere, starts the four services, the
console and the watcher, loads the demo catalog, replays demo notices, re-imports the catalog
with one part end-of-life (which the watcher turns into an alert) and prints the alerts as they
arrive. Ctrl-C stops it all. The API listens on ``--port`` (or ``RADAR_HTTP_PORT``), else 8080
or a free port; every other service gets a port of its own.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import threading
import time
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from radar_cli.commands.catalog import demo_catalog_dir
from radar_cli.commands.watch import demo_status_change
from radar_cli.devenv import STATE_DIR, write_dev_env
from radar_cli.inbox import AlertInbox
from radar_cli.infra import NatsServer, PostgresServer, free_port
from radar_cli.stack import Stack
from radar_common.api_keys import parse_api_keys
from radar_common.catalog.directory import import_directory_sync

console = Console(highlight=False)
PREFERRED_PORTS = {
    "ingestion": 8080,
    "normalizer": 8081,
    "inference": 8082,
    "notifier": 8083,
    "console": 8084,
    "watcher": 8085,
}
SEVERITY_STYLE = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "bold yellow",
    "low": "cyan",
    "info": "dim",
}


# Each service's own, never passed from the user's environment to all of them (one port
# given to every service means all but one fail with "address already in use").
PER_SERVICE = (
    "RADAR_HTTP_PORT",
    "RADAR_METRICS_PORT",
    "RADAR_SERVICE_NAME",
    "RADAR_NATS_URL",
    "RADAR_DATABASE_URL",
)


def _is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _port(preferred: int) -> int:
    return preferred if _is_free(preferred) else free_port()


def choose_ports(api_port: int | None) -> dict[str, int]:
    """A port per service: the API (ingestion) on ``api_port`` when given, the others on their
    usual port, or on a free one when that is taken or is the API's.

    Raises:
        typer.BadParameter: ``api_port`` is in use.
    """
    ports: dict[str, int] = {}
    if api_port is not None:
        if not _is_free(api_port):
            raise typer.BadParameter(f"port {api_port} is in use", param_hint="--port")
        ports["ingestion"] = api_port
    for name, preferred in PREFERRED_PORTS.items():
        port = ports.get(name) or _port(preferred)
        while name not in ports and port in ports.values():
            port = free_port()
        ports[name] = port
    return ports


def _num(value: Any, fmt: str) -> str:
    """Format a number that may arrive as text (money travels as decimal strings)."""
    try:
        return fmt.format(float(value))
    except (TypeError, ValueError):
        return str(value if value is not None else "?")


def show_alert(payload: dict[str, Any], api_url: str) -> None:
    """Print one alert (the notifier's generic webhook payload) as a panel."""
    data = payload.get("data", payload)
    if not isinstance(data, dict) or "mpn" not in data:
        return
    severity = str(data.get("severity", "info"))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    notice = " ".join(str(data.get(k, "")) for k in ("notice_kind", "notice_number")).strip()
    grid.add_row("Part", f"{data.get('mpn')}  ({data.get('manufacturer', '?')})")
    if notice:
        grid.add_row("Notice", notice)
    dates = [
        f"LTB {data['last_time_buy_date']}" if data.get("last_time_buy_date") else "",
        f"last ship {data['last_ship_date']}" if data.get("last_ship_date") else "",
    ]
    if any(dates):
        grid.add_row("Dates", ", ".join(d for d in dates if d))
    used = data.get("where_used") or []
    if used:
        names = ", ".join(f"{w.get('sku')} x{_num(w.get('eff_qty'), '{:g}')}" for w in used[:5])
        grid.add_row("Used in", names + (f" and {len(used) - 5} more" if len(used) > 5 else ""))
    currency = data.get("currency", "USD")
    if data.get("ltb_quantity") or data.get("ltb_cost"):
        grid.add_row(
            "Last-time buy",
            f"{_num(data.get('ltb_quantity'), '{:,.0f}')} pcs, "
            f"{currency} {_num(data.get('ltb_cost'), '{:,.2f}')}",
        )
    if data.get("revenue_at_risk"):
        grid.add_row("Revenue at risk", f"{currency} {_num(data['revenue_at_risk'], '{:,.2f}')}")
    grid.add_row("Action", str(data.get("recommended_action", "")))
    if data.get("narrative"):
        grid.add_row("Why", str(data["narrative"]))
    grid.add_row("Task", f"{api_url}/v1/tasks/{data.get('task_id', '')}")
    grid.add_row("Trace", str(data.get("trace_id", "")))
    style = SEVERITY_STYLE.get(severity, "")
    console.print(Panel(grid, title=f"[{style}] {severity.upper()} [/] alert", title_align="left"))


def _demo_notices() -> list[tuple[str, dict[str, Any]]]:
    folder = resources.files("radar_cli") / "demo" / "notices"
    notices = []
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".json"):
            doc = json.loads(item.read_text())
            notices.append((str(doc["endpoint"]), dict(doc["body"])))
    return notices


def _load_demo_catalog(database_url: str) -> None:
    report = import_directory_sync(database_url, demo_catalog_dir())
    console.print(f"[green]✓[/] demo catalog loaded: {report}")


def _replay_demo(api_url: str, api_key: str) -> list[str]:
    task_ids = []
    with httpx.Client(base_url=api_url, headers={"X-API-Key": api_key}, timeout=10) as api:
        for endpoint, body in _demo_notices():
            answer = api.post(endpoint, json=body)
            if answer.status_code != 202:
                console.print(f"[red]demo notice refused[/] {endpoint}: {answer.text}")
                continue
            accepted = answer.json()
            task_ids.append(accepted["task_id"])
            console.print(
                f"[green]→[/] sent demo notice to {endpoint}: task {accepted['task_id']} "
                f"(trace {accepted['trace_id']})"
            )
    return task_ids


def dev(
    demo: Annotated[
        bool, typer.Option("--demo/--no-demo", help="Load demo data and replay notices.")
    ] = True,
    state_dir: Annotated[
        Path, typer.Option(help="Where NATS/PostgreSQL data and logs live.")
    ] = STATE_DIR,
    port: Annotated[
        int | None,
        typer.Option(
            "--port",
            envvar="RADAR_HTTP_PORT",
            min=1,
            max=65535,
            help="The API's port (default 8080, or a free one when 8080 is taken).",
        ),
    ] = None,
) -> None:
    """Run NATS, PostgreSQL and the four services locally; Ctrl-C stops everything."""
    ports = choose_ports(port)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    state_dir.mkdir(parents=True, exist_ok=True)
    logs = state_dir / "logs"
    with contextlib.ExitStack() as cleanup:
        nats_url = os.environ.get("RADAR_NATS_URL", "")
        monitor_url = os.environ.get("RADAR_NATS_MONITOR_URL", "")
        if not nats_url:
            nats = NatsServer(
                state_dir / "nats",
                port=_port(14222),
                monitor_port=_port(18222),
                log_file=logs / "nats.log",
            )
            logs.mkdir(parents=True, exist_ok=True)
            nats.start()
            cleanup.callback(nats.stop)
            nats_url, monitor_url = nats.url, nats.monitor_url
            console.print(f"[green]✓[/] embedded NATS (JetStream) at {nats_url}")
        database_url = os.environ.get("RADAR_DATABASE_URL", "")
        if not database_url:
            pg = PostgresServer(state_dir / "pg", port=_port(15432))
            pg.start()
            cleanup.callback(pg.stop)
            database_url = pg.create_database("radar")
            console.print(f"[green]✓[/] embedded PostgreSQL at {database_url}")

        exported = parse_api_keys(os.environ.get("RADAR_API_KEYS", ""))
        # One key with every scope: the developer both sends and reads.
        api_key = exported[0].key if exported else "dev-" + secrets.token_urlsafe(18)
        extra_env = {"RADAR_API_KEYS": api_key, "RADAR_LOG_JSON": "true"}
        destinations = ("RADAR_SLACK_WEBHOOK_URL", "RADAR_TEAMS_WEBHOOK_URL", "RADAR_WEBHOOK_URL")
        for name in destinations:
            if os.environ.get(name):
                extra_env[name] = os.environ[name]
        api_url = f"http://127.0.0.1:{ports['ingestion']}"
        console_url = f"http://127.0.0.1:{ports['console']}"
        if not any(os.environ.get(n) for n in destinations):
            inbox = AlertInbox(lambda payload: show_alert(payload, api_url)).start()
            cleanup.callback(inbox.stop)
            extra_env["RADAR_WEBHOOK_URL"] = inbox.url
        # Pass through other RADAR_ settings the user exported (LLM, routes, SMTP, ...).
        for key, value in os.environ.items():
            if key.startswith("RADAR_") and key not in PER_SERVICE:
                extra_env.setdefault(key, value)
        extra_env["RADAR_API_KEYS"] = _with_watcher_key(extra_env, api_key)
        sign_in_url = _console_settings(extra_env, console_url)

        if demo:
            _load_demo_catalog(database_url)
        stack = Stack(
            nats_url=nats_url,
            database_url=database_url,
            log_dir=logs,
            extra_env=extra_env,
            ports=ports,
        )
        cleanup.callback(stack.stop_all)
        console.print("starting ingestion, normalizer, inference, notifier, console, watcher …")
        stack.start(timeout=120)
        stack.start(("console", "watcher"), timeout=60)
        write_dev_env(
            {
                "RADAR_API_URL": api_url,
                "RADAR_API_KEY": api_key,
                "RADAR_NATS_URL": nats_url,
                "RADAR_NATS_MONITOR_URL": monitor_url,
                "RADAR_DATABASE_URL": database_url,
                "RADAR_CONSOLE_URL": console_url,
                "RADAR_CONSOLE_SIGN_IN_URL": sign_in_url,
            },
            state_dir / "dev.env",
        )
        banner = Table.grid(padding=(0, 2))
        banner.add_column(style="bold")
        banner.add_column()
        banner.add_row("API", f"{api_url}  (docs: {api_url}/docs)")
        banner.add_row("API key", api_key)
        banner.add_row("Console", console_url)
        banner.add_row("Sign in", sign_in_url)
        banner.add_row("Try", f"curl -H 'X-API-Key: {api_key}' {api_url}/v1/tasks/<task_id>")
        banner.add_row(
            "Metrics", ", ".join(f"{n} {s.url}/metrics" for n, s in stack.services.items())
        )
        if monitor_url:
            banner.add_row("NATS monitor", f"{monitor_url}/jsz")
        banner.add_row("Logs", str(logs))
        banner.add_row("Alerts", extra_env.get("RADAR_WEBHOOK_URL", "Slack/Teams as configured"))
        console.print(Panel(banner, title="Obsolescence Radar is running", title_align="left"))
        if demo:
            for task_id in _replay_demo(api_url, api_key):
                _report_task(api_url, api_key, task_id)
            # A status change with no notice at all: found by the watcher in the next import.
            watched = demo_status_change(database_url, state_dir)
            if watched:
                _report_task(api_url, api_key, watched)
        console.print("[dim]Ctrl-C to stop.[/]")
        while not stop.is_set():
            for name, svc in stack.services.items():
                if not svc.alive():
                    console.print(f"[red]{name} exited; see {svc.log_path}[/]")
                    stop.set()
            stop.wait(1.0)
        console.print("stopping …")
    console.print("[green]stopped[/]")


def _with_watcher_key(env: dict[str, str], api_key: str) -> str:
    """``RADAR_API_KEYS`` for the stack: the developer's key (every scope) and the watcher's.

    The watcher posts the changes it finds with a key of its own that may only deliver (the
    ``ingest`` scope), new for every ``radar dev`` unless ``RADAR_WATCHER_API_KEY`` was
    exported. It reads catalog imports (its offline source) every 2 s.
    """
    watcher_key = env.setdefault("RADAR_WATCHER_API_KEY", "watcher-" + secrets.token_urlsafe(18))
    env.setdefault("RADAR_WATCHER_CATALOG_INTERVAL_SECONDS", "2")
    env.setdefault("RADAR_WATCHER_LEASE_SECONDS", "6")
    return api_key if watcher_key == api_key else f"{api_key};{watcher_key}:ingest"


def _console_settings(env: dict[str, str], console_url: str) -> str:
    """Development sign-in for the console; answers the sign-in link `make run` prints.

    The session secret and the sign-in token are new for every `radar dev`; settings the user
    exported (RADAR_OIDC_*, RADAR_CONSOLE_*) win.
    """
    token = env.setdefault("RADAR_CONSOLE_DEV_TOKEN", secrets.token_urlsafe(24))
    env.setdefault("RADAR_CONSOLE_URL", console_url)
    env.setdefault("RADAR_CONSOLE_SESSION_SECRET", secrets.token_urlsafe(48))
    env.setdefault("RADAR_CONSOLE_COOKIE_SECURE", "false")  # http://127.0.0.1
    env.setdefault("RADAR_CONSOLE_DEV_SIGN_IN", "true")
    return f"{env['RADAR_CONSOLE_URL']}/auth/dev?token={token}"


def _report_task(api_url: str, api_key: str, task_id: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=api_url, headers={"X-API-Key": api_key}, timeout=5) as api:
        while time.monotonic() < deadline:
            task = api.get(f"/v1/tasks/{task_id}").json()
            if task.get("state") in ("SUCCESS", "FAILED", "CANCELLED"):
                detail = f": {task.get('error_message')}" if task.get("error_message") else ""
                console.print(
                    f"task {task_id} → [bold]{task['state']}[/] {task['percent']}%{detail}"
                )
                return
            time.sleep(0.2)
    console.print(f"task {task_id} still running after {timeout:.0f}s")
