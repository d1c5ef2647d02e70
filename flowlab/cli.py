"""The `flowlab` console command: a thin typer app whose sub-commands live in `flowlab.commands`."""

import typer

from flowlab.commands.calibrate import calibrate_command
from flowlab.commands.compare import compare_command
from flowlab.commands.mine import mine_command
from flowlab.commands.report import report_command
from flowlab.commands.run import run_command
from flowlab.commands.schema import schema_command
from flowlab.commands.sweep import sweep_command
from flowlab.commands.validate import validate_command

app = typer.Typer(
    name="flowlab",
    help="Simulate IT4IT value streams, mine real event logs, and compare the two to find where lead time goes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("run")(run_command)
app.command("sweep")(sweep_command)
app.command("validate")(validate_command)
app.command("schema")(schema_command)
app.command("mine")(mine_command)
app.command("compare")(compare_command)
app.command("report")(report_command)
app.command("calibrate")(calibrate_command)

if __name__ == "__main__":
    app()
