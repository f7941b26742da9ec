"""`python -m sandbox ...`: the sandbox command line (see sandbox/cli.py)."""

from sandbox.cli import app

if __name__ == "__main__":
    app()
