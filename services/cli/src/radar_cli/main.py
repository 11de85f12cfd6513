"""The ``radar`` command. Each sub-command lives in its own module under ``commands/``."""

from __future__ import annotations

import typer

from radar_cli.commands import catalog, dev, dlq, status, task, watch

app = typer.Typer(
    name="radar",
    help="Obsolescence Radar: run the stack, import catalogs, follow tasks, inspect queues.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def radar() -> None:
    """Obsolescence Radar command line."""


app.command("dev")(dev.dev)
app.command("import")(catalog.import_dir)
app.add_typer(dlq.app, name="dlq")
app.command("status")(status.status)
app.add_typer(task.app, name="task")
app.command("watch")(watch.watch)
