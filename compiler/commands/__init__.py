"""One module per ``wavec`` command: ``configure(parser)`` and ``run(args) -> int``."""
