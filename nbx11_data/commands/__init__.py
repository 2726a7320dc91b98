"""Subcommands of the ``nbx11`` console script, one module each (see :mod:`nbx11_data.cli`)."""
