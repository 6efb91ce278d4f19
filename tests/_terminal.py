"""A real terminal for tests: a program under tmux, driven by send-keys, read by capture-pane.

Each ``Terminal`` runs its own tmux server (a socket of its own, no user configuration), so
suites running side by side never share one. The screen is read as a person would see it.
"""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from _tools import require_tool

__all__ = ["Terminal"]


class Terminal:
    def __init__(self, command: Sequence[str], *, cwd: Path, env: Mapping[str, str],
                 width: int = 160, height: int = 40) -> None:
        self.tmux = require_tool("tmux")
        self.socket = f"arazzo-test-{uuid.uuid4().hex[:12]}"
        environment = " ".join(f"{k}={_quote(v)}" for k, v in env.items())
        shell_command = f"exec env -i {environment} " + " ".join(_quote(c) for c in command)
        # One tmux command line: the pane is kept (remain-on-exit) before the program can end.
        self._tmux("-f", "/dev/null", "new-session", "-d", "-s", "main", "-x", str(width),
                   "-y", str(height), "-c", str(cwd), shell_command, ";",
                   "set-option", "-t", "main", "remain-on-exit", "on")

    def _tmux(self, *args: str) -> str:
        done = subprocess.run([self.tmux, "-L", self.socket, *args], capture_output=True,
                              text=True, timeout=30)
        if done.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def type(self, text: str) -> None:
        """Types ``text`` as is (a leading ``-`` is text, not a tmux flag)."""
        self._tmux("send-keys", "-t", "main", "-l", "--", text)

    def press(self, *keys: str) -> None:
        """Presses named keys: ``Tab``, ``Enter``, ``C-c``, ``C-u``."""
        self._tmux("send-keys", "-t", "main", *keys)

    def screen(self, *, escapes: bool = False, history: bool = False) -> str:
        """The visible screen; with ``escapes``, colors and styles as escape sequences; with
        ``history``, the lines scrolled off the top too."""
        return self._tmux("capture-pane", "-t", "main", "-p", "-J",
                          *(["-e"] if escapes else []), *(["-S", "-"] if history else []))

    def finished(self) -> bool:
        """True once the program has exited (the pane stays, showing its last screen)."""
        return self._tmux("display-message", "-t", "main", "-p", "#{pane_dead}").strip() == "1"

    def wait_for(self, predicate: Callable[[str], bool], timeout: float = 30.0,
                 what: str = "the expected text") -> str:
        deadline = time.monotonic() + timeout
        screen = self.screen()
        while not predicate(screen):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; the screen shows:\n"
                                     f"{screen}")
            time.sleep(0.1)
            screen = self.screen()
        return screen

    def wait_for_text(self, text: str, timeout: float = 30.0) -> str:
        return self.wait_for(lambda screen: text in screen, timeout, repr(text))

    def settle(self, quiet: float = 0.6, timeout: float = 30.0) -> str:
        """The screen once it has stopped changing for ``quiet`` seconds."""
        deadline = time.monotonic() + timeout
        last, since = self.screen(), time.monotonic()
        while time.monotonic() - since < quiet:
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
            screen = self.screen()
            if screen != last:
                last, since = screen, time.monotonic()
        return last

    def close(self) -> None:
        subprocess.run([self.tmux, "-L", self.socket, "kill-server"], capture_output=True,
                       timeout=30)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"
