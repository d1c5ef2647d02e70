"""One module per `flowlab` sub-command; `flowlab.cli` registers them."""
