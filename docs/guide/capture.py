"""Runs every command the user guide shows and writes what it printed under it.

    python docs/guide/capture.py            # rewrite the outputs in docs/guide/*.md
    python docs/guide/capture.py --check    # exit 1, with a diff, when one is stale

A captured block in a page is a ``console`` code block right after a marker comment::

    <!-- capture simulator=success@8000 exit=0 -->
    ```console
    $ arazzo run specs/dbt/... --server dbtAdminApi=http://127.0.0.1:8000
    (the output, rewritten by this script)
    ```

Lines starting with ``$ `` are commands (a trailing backslash continues one); whatever
follows a command up to the next one is its output. The commands of one page run in order in
one shell session (``export`` and ``cd`` carry over), in a scratch home with the clone at
``~/arazzo-engine``, like a newcomer following the page top to bottom.

The outputs are real. What cannot be the same on the reader's machine is rewritten: a
simulator started for the page listens on a free port and shows as the port the page tells the
reader to use (``simulator=SCENARIO@PORT``; the page's text starts it with ``arazzo simulate
dbt --port PORT --polls-per-status 1``), any other free port as 40001, 40002, ..., run ids
by their order of appearance, scratch paths as ``~``, the host name as ``ci-runner``. Values
that change on every run (request times, clock times, time spent polling) stay as captured and
are left out of the comparison. Everything else (status codes, outputs, poll counts, wording)
must match: a block is rewritten only when it no longer does.

``<!-- capture-output: COMMAND -->`` before any code block makes the block hold that command's
output alone (the Mermaid diagram a page renders, a file the page shows).

Options of a marker: ``simulator=SCENARIO@PORT`` (repeatable), ``exit=N`` (the exit code the
block's last command must have, default 0), ``attempts=N`` (a block whose output depends on
real time, the demo's polls against its time-paced simulator: ``--check`` accepts any of N
captures that matches).
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

GUIDE = Path(__file__).resolve().parent
REPO = GUIDE.parent.parent
#: What the clone is called in the guide's outputs (the reader's clone, under their home).
CLONE = "~/arazzo-engine"
#: Entries of the repository a page's commands see in the scratch clone.
CLONE_ENTRIES = ("specs", "docs", "README.md", "pyproject.toml")
COMMAND_TIMEOUT = 120.0

_MARKER = re.compile(r"^<!-- capture(?P<options>(?: [a-z]+=\S+)*) -->$")
#: A code block that holds one command's output alone (a diagram to render, a file to copy).
_DIAGRAM = re.compile(r"^<!-- capture-output: (?P<command>.+) -->$")
_FENCE_OPEN = "```console"
_FENCE_CLOSE = "```"


@dataclass
class Block:
    """One captured block: where it sits in its page, its commands and the outputs shown."""

    start: int  # index of the opening fence line
    end: int  # index of the closing fence line
    options: dict[str, list[str]]
    commands: list[list[str]]  # each command's lines as written (with "$ " and continuations)
    outputs: list[list[str]]
    diagram: bool = False  # the block holds the one command's output only

    @property
    def expected_exit(self) -> int:
        return int(self.options.get("exit", ["0"])[-1])

    @property
    def attempts(self) -> int:
        return int(self.options.get("attempts", ["1"])[-1])

    def text(self, outputs: list[list[str]]) -> list[str]:
        if self.diagram:
            return outputs[0]
        lines: list[str] = []
        for command, output in zip(self.commands, outputs, strict=True):
            lines += command + output
        return lines


def parse_page(lines: list[str]) -> list[Block]:
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        diagram = _DIAGRAM.match(lines[index])
        if diagram is not None:
            start = index + 1
            if start >= len(lines) or not lines[start].startswith("```"):
                raise ValueError(f"line {index + 1}: a capture-output marker must be followed by a "
                                 f"code block")
            end = start + 1
            while end < len(lines) and lines[end] != _FENCE_CLOSE:
                end += 1
            blocks.append(Block(start, end, {}, [["$ " + diagram.group("command")]],
                                [lines[start + 1:end]], diagram=True))
            index = end + 1
            continue
        marker = _MARKER.match(lines[index])
        if marker is None:
            index += 1
            continue
        if index + 1 >= len(lines) or lines[index + 1] != _FENCE_OPEN:
            raise ValueError(f"line {index + 1}: a capture marker must be followed by "
                             f"{_FENCE_OPEN}")
        options: dict[str, list[str]] = {}
        for pair in marker.group("options").split():
            name, _, value = pair.partition("=")
            options.setdefault(name, []).append(value)
        start = index + 1
        end = start + 1
        while end < len(lines) and lines[end] != _FENCE_CLOSE:
            end += 1
        if end == len(lines):
            raise ValueError(f"line {start + 1}: the console block is never closed")
        commands: list[list[str]] = []
        outputs: list[list[str]] = []
        body = lines[start + 1:end]
        position = 0
        while position < len(body):
            line = body[position]
            if not line.startswith("$ "):
                if not commands:
                    raise ValueError(f"line {start + 2 + position}: a captured block starts "
                                     f"with a command ($ ...)")
                outputs[-1].append(line)
                position += 1
                continue
            command = [line]
            while command[-1].endswith("\\") and position + 1 < len(body):
                position += 1
                command.append(body[position])
            commands.append(command)
            outputs.append([])
            position += 1
        if not commands:
            raise ValueError(f"line {start + 1}: a captured block without a command")
        blocks.append(Block(start, end, options, commands, outputs))
        index = end + 1
    return blocks


def shell_text(command: list[str]) -> str:
    """The command as the shell reads it: the ``$ `` dropped, continuations kept."""
    return "\n".join([command[0][2:], *command[1:]])


@dataclass
class Normaliser:
    """Rewrites the parts of an output that change between runs, the same way every time."""

    replacements: list[tuple[str, str]] = field(default_factory=list)  # real -> shown
    run_ids: dict[str, str] = field(default_factory=dict)  # real -> shown
    other_ports: dict[str, str] = field(default_factory=dict)  # real -> shown

    _LOCAL_PORT = re.compile(r"127\.0\.0\.1:(\d+)")
    #: Linux picks port-0 ports from here: a page's own numbers (8000) are never below it.
    _EPHEMERAL = 32768
    _RUN_ID = re.compile(r"\b\d{8}-\d{6}-[0-9a-f]{6}\b")
    #: Values that are real but differ on every run: kept as captured in the page, left out
    #: when an output is compared with the page's.
    _VOLATILE = (
        re.compile(r"\b\d+(?:\.\d+)? ms\b"),  # request times: "in 3.1 ms", "200  3 ms"
        re.compile(r'"durationMs": ?\d+(?:\.\d+)?'),
        re.compile(r'\b(?:time|timestamp)="[^"]*"'),  # JUnit
        re.compile(r"\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?"
                   r"(?:Z|[+-]\d\d:?\d\d)?"),  # clock times
        re.compile(r"waiting \d+(?:\.\d+)? s \(the time left"),  # resume: what is left
        # durations: "polling for 1.3 s", "polled 4 times in 4.1 s", "1 min 2 s left"
        re.compile(r"\b(?:polling for|in|after|left:?) \d+(?:\.\d+)?"
                   r"(?: min)?(?: \d+(?:\.\d+)?)? s\b"),
    )

    def shown(self, text: str) -> str:
        for real, shown in self.replacements:
            text = text.replace(real, shown)
        # a port no page simulator has (the demo's own simulator): a stand-in, everywhere
        for port in self._LOCAL_PORT.findall(text):
            if int(port) >= self._EPHEMERAL and port not in self.other_ports:
                self.other_ports[port] = str(40001 + len(self.other_ports))
        for real, shown in self.other_ports.items():
            text = re.sub(rf"\b{real}\b", shown, text)
        return self._RUN_ID.sub(self._run_id, text)

    @classmethod
    def masked(cls, lines: list[str]) -> list[str]:
        """The lines as compared: every volatile value replaced by a mark."""
        masked = []
        for line in lines:
            for pattern in cls._VOLATILE:
                line = pattern.sub("<varies>", line)
            masked.append(line)
        return masked

    def snapshot(self) -> tuple[dict[str, str], dict[str, str]]:
        return dict(self.run_ids), dict(self.other_ports)

    def restore(self, snapshot: tuple[dict[str, str], dict[str, str]]) -> None:
        self.run_ids, self.other_ports = dict(snapshot[0]), dict(snapshot[1])

    def real(self, command: str) -> str:
        """A command as written in the page, made runnable: shown ports and ids made real."""
        for real, shown in self.replacements:
            if shown.startswith("127.0.0.1:"):
                command = command.replace(shown, real)
        for real, shown in self.run_ids.items():
            command = command.replace(shown, real)
        return command

    def _run_id(self, match: re.Match[str]) -> str:
        real = match.group(0)
        if real not in self.run_ids:
            number = len(self.run_ids) + 1
            self.run_ids[real] = f"20261201-0900{number:02d}-{number * 0x1f2e3d % 0xffffff:06x}"
        return self.run_ids[real]


class Session:
    """One page's shell session: a scratch home, the clone in it, the page's simulators."""

    def __init__(self, stack: ExitStack) -> None:
        self.home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="guide-")))
        self.home = self.home.resolve()
        self.clone = self.home / "arazzo-engine"
        self.clone.mkdir()
        for entry in CLONE_ENTRIES:
            (self.clone / entry).symlink_to(REPO / entry)
        self.state = self.home / ".guide-shell-state"
        self.state.write_text("")
        self.cwd = self.clone
        self.stack = stack
        self.simulators: dict[str, int] = {}  # "scenario@shown port" -> real port
        self.normaliser = Normaliser(replacements=[
            (str(REPO), CLONE), (str(self.clone), CLONE), (str(self.home), "~"),
            # JUnit's hostname attribute only: a short host name may be any word elsewhere
            (f'hostname="{socket.gethostname()}"', 'hostname="ci-runner"'),
        ])
        self.environment = {
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
            "HOME": str(self.home), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "TERM": "dumb", "COLUMNS": "100", "TZ": "UTC",
            "XDG_STATE_HOME": str(self.home / ".local" / "state"),
            "XDG_CACHE_HOME": str(self.home / ".cache"),
        }

    def simulator(self, spec: str) -> None:
        if spec in self.simulators:
            return
        from arazzo_engine.simulator import DbtCloudSimulator

        scenario, _, shown_port = spec.partition("@")
        if not shown_port.isdigit():
            raise ValueError(f"simulator={spec}: write SCENARIO@PORT")
        simulator = self.stack.enter_context(
            DbtCloudSimulator(scenario, polls_per_status=1))
        self.simulators[spec] = simulator.port
        self.normaliser.replacements.insert(
            0, (f"127.0.0.1:{simulator.port}", f"127.0.0.1:{shown_port}"))

    def run(self, command: str) -> tuple[str, int]:
        script = (f'. "{self.state}"\ncd "{self.cwd}"\n'
                  f"{self.normaliser.real(command)}\n"
                  f'__rc=$?\nexport -p > "{self.state}"\npwd > "{self.state}.cwd"\n'
                  f"exit $__rc\n")
        done = subprocess.run(["bash", "-c", script], cwd=self.cwd, env=self.environment,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=COMMAND_TIMEOUT)
        cwd_file = Path(f"{self.state}.cwd")
        if cwd_file.exists():
            self.cwd = Path(cwd_file.read_text().strip())
        return done.stdout.decode("utf-8", "replace"), done.returncode


def capture_block(session: Session, block: Block) -> tuple[list[list[str]], int]:
    for spec in block.options.get("simulator", []):
        session.simulator(spec)
    outputs: list[list[str]] = []
    code = 0
    for command in block.commands:
        text, code = session.run(shell_text(command))
        shown = session.normaliser.shown(text).rstrip("\n")
        outputs.append([line.rstrip() for line in shown.split("\n")] if shown else [])
    return outputs, code


@dataclass
class Stale:
    page: Path
    line: int
    diff: str


def capture_page(page: Path, *, check: bool) -> list[Stale]:
    lines = page.read_text(encoding="utf-8").split("\n")
    blocks = parse_page(lines)
    if not blocks:
        return []
    problems: list[Stale] = []
    replaced = list(lines)
    with ExitStack() as stack:
        session = Session(stack)
        for block in blocks:
            current = block.text(block.outputs)
            known = session.normaliser.snapshot()
            for attempt in range(block.attempts if check else 1):
                session.normaliser.restore(known)
                outputs, code = capture_block(session, block)
                fresh = block.text(outputs)
                if not check or Normaliser.masked(fresh) == Normaliser.masked(current):
                    break
                if attempt + 1 < block.attempts:
                    # a time-dependent block: its commands run again in the same session
                    continue
            where = f"{page.name}:{block.start + 1}"
            if code != block.expected_exit:
                problems.append(Stale(page, block.start + 1,
                                      f"{where}: the last command exited {code}, the page "
                                      f"says exit={block.expected_exit}:\n" + "\n".join(fresh)))
            if Normaliser.masked(fresh) != Normaliser.masked(current):
                if check:
                    diff = "\n".join(difflib.unified_diff(
                        current, fresh, f"{where} (in the page)", f"{where} (captured now)",
                        lineterm=""))
                    problems.append(Stale(page, block.start + 1, diff))
                else:
                    block.outputs = outputs
    if not check:
        for block in reversed(blocks):
            replaced[block.start + 1:block.end] = block.text(block.outputs)
        page.write_text("\n".join(replaced), encoding="utf-8")
    return problems


def pages(names: list[str] | None = None) -> list[Path]:
    found = sorted(GUIDE.glob("*.md"))
    if names:
        found = [page for page in found if page.name in names or page.stem in names]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 with a diff when an output is stale")
    parser.add_argument("page", nargs="*", help="only these pages (file name or stem)")
    args = parser.parse_args(argv)
    if shutil.which("bash") is None:
        print("capture.py: bash is needed to run the guide's commands", file=sys.stderr)
        return 2
    problems: list[Stale] = []
    for page in pages(args.page):
        print(f"{'checking' if args.check else 'capturing'} {page.name}", file=sys.stderr)
        problems += capture_page(page, check=args.check)
    for problem in problems:
        print(problem.diff, file=sys.stderr)
    if problems:
        print(f"{len(problems)} block(s) stale or failing; run python docs/guide/capture.py "
              f"and review the change", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
