"""``python -m attribution --model markov --input paths.csv``: the ``purchase-path attribute`` command on its own."""

from attribution.cli import attribute

if __name__ == "__main__":
    attribute(prog_name="python -m attribution")
