"""What the operator commands print: a line at a time, and never a crash when the reader goes away.

``kepuri seed | head -1`` closes the pipe after the first line; a plain ``print`` would then raise
``BrokenPipeError`` and stop the command half way. :func:`say` notices the closed pipe once, sends the
rest of the output to ``/dev/null`` (the recipe of Python's ``signal`` documentation) and lets the
command finish its work.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO


def say(line: str, file: TextIO | None = None) -> None:
    """Print ``line`` and flush it; if the reader has closed the pipe, print nothing more to it."""
    stream = file or sys.stdout
    try:
        print(line, file=stream, flush=True)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())  # what is still buffered, and every later line, goes nowhere
        os.close(devnull)
