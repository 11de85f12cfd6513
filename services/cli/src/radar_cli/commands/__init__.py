"""One module per `radar` sub-command group."""
