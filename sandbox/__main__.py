"""``python -m sandbox``: the sandbox CLI on its own (``purchase-path sandbox`` is the same group)."""

from sandbox.cli import main

main()
