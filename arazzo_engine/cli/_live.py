"""Live progress on a terminal (``arazzo run`` with stdout a TTY), drawn with rich.

One permanent line per step execution: the step, method and path, status code, time and the
action chosen. A loop (a ``goto`` back to a step that already ran, or a step retrying itself)
is one live line instead, updated in place: which poll this is, how long the loop has been
going, the latest value of each output that changed, and the next wait counting down. While a
request is in flight, a spinner says which one and for how long. When the loop ends, one
summary line stays.

The reporter only reads ``RunEvent``s: everything it shows is already masked by the machine.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from rich.console import Console, RenderableType
from rich.live import Live
from rich.spinner import Spinner
from rich.text import Text

from arazzo_engine._durations import duration_text, seconds_text
from arazzo_engine.cli._exchange import exchange_lines
from arazzo_engine.executor import RunEvent, StepExecution

__all__ = ["LiveReporter", "path_of"]

#: Distinct values kept per changing output in a loop's line (``status 1 → 2 → 3``).
_HISTORY = 4
_VALUE_WIDTH = 24
#: The spinner's frame and the space after it.
_SPINNER_CELLS = 2
#: The fewest characters of a path kept when a line is shortened to the terminal's width.
_MIN_PATH = 12
#: Redraws of the live line a second: rich's own timer redraws it this often (the spinner,
#: the countdown), and an event redraws it at once only when the last redraw is older than
#: that. A loop that polls a thousand times a second is not redrawn a thousand times.
_REFRESHES_PER_SECOND = 8
Clock = Callable[[], float]


def path_of(url: str) -> str:
    """The path and query of a URL: the part that tells steps apart."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


@dataclass
class _Flight:
    step_id: str
    method: str
    path: str
    depth: int
    attempt: int
    started: float


@dataclass
class _Loop:
    """Executions collapsed into the live line: a polling ``goto`` loop or a retrying step."""

    kind: str  # "poll" or "retry"
    step_id: str  # the step the loop goes back to
    depth: int
    started: float
    method: str = ""
    path: str = ""
    count: int = 0
    last_status: int | None = None
    wait_until: float | None = None
    #: Output name -> the distinct values it took, oldest first.
    history: dict[str, list[Any]] = field(default_factory=dict)

    def record(self, execution: StepExecution) -> None:
        self.count += 1
        if execution.status_code is not None:
            self.last_status = execution.status_code
        if execution.request is not None and execution.step_id == self.step_id:
            self.method, self.path = execution.request.method, path_of(execution.request.url)
        for name, value in execution.outputs.items():
            seen = self.history.setdefault(name, [])
            if not seen or seen[-1] != value:
                seen.append(value)
                del seen[:-_HISTORY]

    @property
    def changed(self) -> dict[str, list[Any]]:
        return {name: values for name, values in self.history.items() if len(values) > 1}


class LiveReporter:
    """Renders run events on a rich ``Console``; ``close()`` (or ``with``) ends the live line."""

    def __init__(self, console: Console, *, verbose: bool = False,
                 step_order: Mapping[str, list[str]] | None = None,
                 clock: Clock = time.monotonic) -> None:
        self.console = console
        self.verbose = verbose
        #: workflowId -> its step ids in order: where a ``next`` leads.
        self.step_order = dict(step_order or {})
        self.clock = clock
        self.flight: _Flight | None = None
        self.loop: _Loop | None = None
        self.waiting: tuple[str, float] | None = None  # (what for, until)
        self.response_body: str | None = None
        #: (depth, workflowId) -> step ids that ran in that workflow invocation.
        self.ran: dict[tuple[int, str], set[str]] = {}
        #: Step ids padded to one width, so methods and paths line up.
        self.width = max((len(s) for steps in self.step_order.values() for s in steps),
                         default=0)
        self.live = Live(_StatusLine(self), console=console,
                         refresh_per_second=_REFRESHES_PER_SECOND,
                         transient=True, redirect_stdout=False, redirect_stderr=False)
        self._started = False
        self._redrawn = float("-inf")

    # the observer ---------------------------------------------------------------------

    def __call__(self, event: RunEvent) -> None:
        if not self._started:
            self.live.start()
            self._started = True
        handler = getattr(self, "_on_" + event.kind.replace("-", "_"), None)
        if handler is not None:
            handler(event.data)
        now = self.clock()
        if now - self._redrawn >= 1 / _REFRESHES_PER_SECOND:  # else rich's timer redraws it
            self._redrawn = now
            self.live.refresh()

    def close(self) -> None:
        if self.loop is not None:
            self._end_loop()
        if self._started:
            self.live.stop()
            self._started = False

    def __enter__(self) -> LiveReporter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _on_workflow_started(self, data: Mapping[str, Any]) -> None:
        depth = int(data.get("depth", 0) or 0)
        workflow_id = str(data.get("workflowId"))
        self.ran[(depth, workflow_id)] = set()
        if self.loop is not None and depth > self.loop.depth:
            return  # a workflow run inside a loop is part of the loop's line
        role = str(data.get("role", "main"))
        label = {"main": "workflow", "step": "calls workflow", "dependency": "first, workflow",
                 "retry": "before retrying, workflow"}.get(role, "workflow")
        self._print(Text.assemble(("  " * depth), (label + " ", "bold"),
                                  (workflow_id, "bold cyan")))

    def _on_request(self, data: Mapping[str, Any]) -> None:
        self.waiting = None
        self.response_body = None
        self.flight = _Flight(str(data["stepId"]), str(data["method"]),
                              path_of(str(data["url"])), int(data.get("depth", 0) or 0),
                              int(data.get("attempt", 1) or 1), self.clock())
        if self.loop is not None:
            self.loop.wait_until = None

    def _on_response(self, data: Mapping[str, Any]) -> None:
        self.response_body = str(data.get("body") or "")

    def _on_waiting(self, data: Mapping[str, Any]) -> None:
        seconds = float(data.get("seconds", 0) or 0)
        until = self.clock() + seconds
        if self.loop is not None:
            self.loop.wait_until = until
            return
        self.waiting = (str(data.get("reason") or "waiting"), until)

    def _on_step_finished(self, data: Mapping[str, Any]) -> None:
        execution: StepExecution = data["execution"]
        started = self.flight.started if self.flight is not None else self.clock()
        self.flight = None
        key = (execution.depth, execution.workflow_id)
        ran = self.ran.setdefault(key, set())
        already = execution.step_id in ran
        ran.add(execution.step_id)
        if self.verbose:  # every exchange in full: nothing collapses
            self._step_line(execution)
            return
        loop = self.loop
        if loop is not None and execution.depth > loop.depth:
            loop.record(execution)
            return
        if loop is not None and already and self._continues(execution, loop):
            loop.record(execution)
            return
        if loop is not None:
            self._end_loop()
        kind = self._starts_loop(execution)
        if kind is not None:
            target = execution.action.step_id if execution.action else None
            self.loop = _Loop(kind, target or execution.step_id, execution.depth,
                              started=started)
            self.loop.record(execution)
            return
        self._step_line(execution)

    def _on_in_doubt(self, data: Mapping[str, Any]) -> None:
        self._print(Text.assemble(
            ("  " * int(data.get("depth", 0) or 0)), ("? ", "bold yellow"),
            (f"{data.get('stepId')}  {data.get('method')} {path_of(str(data.get('url', '')))}"
             f"  was in doubt: {data.get('reason')}", "yellow")))

    def _on_run_finished(self, data: Mapping[str, Any]) -> None:
        self.close()

    # loops ---------------------------------------------------------------------------

    def _starts_loop(self, execution: StepExecution) -> str | None:
        action = execution.action
        if action is None:
            return None
        if action.type == "retry" and action.step_id is None and action.workflow_id is None:
            return "retry"
        if action.type == "goto" and action.step_id is not None:
            ran = self.ran.get((execution.depth, execution.workflow_id), set())
            if action.step_id in ran:
                return "poll"
        return None

    def _continues(self, execution: StepExecution, loop: _Loop) -> bool:
        """Whether an execution of a step that already ran keeps the loop going."""
        action = execution.action
        if action is None:
            return False
        if loop.kind == "retry":
            return action.type == "retry" and execution.step_id == loop.step_id
        ran = self.ran.get((execution.depth, execution.workflow_id), set())
        if action.type == "goto":
            return action.step_id in ran
        if action.type == "next":
            order = self.step_order.get(execution.workflow_id, [])
            if execution.step_id in order:
                index = order.index(execution.step_id) + 1
                return index < len(order) and order[index] in ran
        return False

    def _end_loop(self) -> None:
        loop, self.loop = self.loop, None
        if loop is None:
            return
        elapsed = self.clock() - loop.started
        what = ("polled" if loop.kind == "poll" else "retried")
        times = f"{loop.count} time{'s' if loop.count != 1 else ''}"
        head = Text.assemble(
            ("  " * loop.depth), ("  ↻ ", "yellow"), (loop.step_id.ljust(self.width), "bold"),
            (f"  {loop.method:<6} " if loop.method else ""))
        tail = Text(f"  {what} {times} in {duration_text(elapsed)}", "yellow")
        changes = _changes(loop.changed)
        if changes:
            tail.append(f"  {changes}", "dim")
        # the path gives way first, down to a few characters; then the end is cut
        self._print(_fit(head, loop.path, tail, self.console.width, shorten="middle"))

    # lines ---------------------------------------------------------------------------

    def _step_line(self, execution: StepExecution) -> None:
        pad = "  " * execution.depth
        ok = execution.succeeded
        mark = ("  ✓ ", "green") if ok else (
            ("  ■ ", "yellow") if execution.outcome == "interrupted" else ("  ✗ ", "bold red"))
        head = Text.assemble(pad, mark, (execution.step_id.ljust(self.width), "bold"))
        if execution.attempt > 1:
            head.append(f" (attempt {execution.attempt})", "dim")
        path = ""
        tail = Text()
        if execution.request is not None:
            head.append(f"  {execution.request.method:<6} ")
            path = path_of(execution.request.url)
            status = execution.status_code
            if status is not None:
                tail.append(f"  {status}", _status_style(status))
            else:
                tail.append("  no response", "red")
            if execution.response is not None and execution.response.error is None:
                tail.append(f"  {_milliseconds(execution.response.elapsed_ms)}", "dim")
        else:
            head.append(f"  workflow {execution.child_workflow_id or ''}".rstrip())
        tail.append(f"  {self._action_text(execution)}", "cyan" if ok else "red")
        self._print(_fit(head, path, tail, self.console.width, shorten="middle"))
        if not ok and execution.error:
            self._print(Text(f"{pad}      {execution.error}", style="red"))
        if self.verbose:
            body = self.response_body
            for text in exchange_lines(execution, body):
                self._print(Text(f"{pad}      {text}", style="dim"))

    def _print(self, renderable: RenderableType) -> None:
        self.console.print(renderable, no_wrap=True, overflow="ellipsis", crop=True,
                           soft_wrap=False, highlight=False)

    def _action_text(self, execution: StepExecution) -> str:
        action = execution.action
        if action is not None and action.type == "next":
            order = self.step_order.get(execution.workflow_id, [])
            if order and order[-1] == execution.step_id:
                return "→ end of workflow"
        return _action_text(execution)

    # the live line -------------------------------------------------------------------

    def status_text(self) -> Text | None:
        """What the live line says now (None: nothing is going on)."""
        now = self.clock()
        loop, flight = self.loop, self.flight
        if loop is not None:
            label = "poll" if loop.kind == "poll" else "attempt"
            done = f"{loop.count} {label}{'s' if loop.count != 1 else ''}"
            head = Text.assemble(("  " * loop.depth), (loop.step_id, "bold"),
                                 (f"  {done}", "yellow"),
                                 f"  {duration_text(max(now - loop.started, 0.0))}")
            if loop.last_status is not None:
                head.append(f"  {loop.last_status}", _status_style(loop.last_status))
            tail = Text()
            if flight is not None:
                tail.append(f"  {flight.method} {flight.path} "
                            f"{seconds_text(now - flight.started)}", "dim")
            elif loop.wait_until is not None:
                tail.append(f"  next in {_countdown(loop.wait_until - now)}", "cyan")
            latest = _latest(loop.history)
            # one line whatever the terminal's width: the output values give way, not the
            # count, the time or the countdown (the spinner takes 2 cells)
            return _fit(head, f"  {latest}" if latest else "", tail,
                        self.console.width - _SPINNER_CELLS, shorten="end")
        if flight is not None:
            return Text.assemble(("  " * flight.depth), (flight.step_id, "bold"),
                                 f"  {flight.method} {flight.path}",
                                 (f"  {seconds_text(now - flight.started)}", "dim"))
        if self.waiting is not None:
            reason, until = self.waiting
            return Text.assemble(("waiting ", "dim"), (_countdown(until - now), "cyan"),
                                 (f"  {reason}", "dim"))
        return None


class _StatusLine:
    """The live area's one line, worked out anew at every refresh (so the countdown moves)."""

    def __init__(self, reporter: LiveReporter) -> None:
        self.reporter = reporter
        self.spinner = Spinner("dots", style="cyan")

    def __rich__(self) -> RenderableType:
        text = self.reporter.status_text()
        if text is None:
            return Text("")
        self.spinner.text = text
        line = self.spinner.render(self.reporter.console.get_time())
        if isinstance(line, Text):  # never wrapped: a second line would not update in place
            line.no_wrap = True
            line.overflow = "ellipsis"
        return line


def _fit(head: Text, middle: str, tail: Text, width: int, *, shorten: str) -> Text:
    """``head + middle + tail`` in ``width`` cells where it can be: the middle (a path, output
    values) gives way first, cut in its middle (paths: both ends tell) or at its end."""
    room = width - head.cell_len - tail.cell_len
    if len(middle) > room:
        floor = _MIN_PATH if shorten == "middle" else 0
        middle = _shortened(middle, max(room, min(floor, len(middle))), shorten)
    return Text.assemble(head, middle, tail)


def _shortened(text: str, room: int, where: str) -> str:
    if len(text) <= room:
        return text
    if room <= 1:
        return ""
    if where == "end":
        return text[:room - 1] + "…"
    front = (room - 1) // 2
    back = room - 1 - front
    return text[:front] + "…" + (text[-back:] if back else "")


def _action_text(execution: StepExecution) -> str:
    action = execution.action
    if action is None:
        return "→ failed" if not execution.succeeded else "→ next"
    name = f" ({action.name})" if action.name else ""
    if action.type == "next":
        return "→ next"
    if action.type == "goto":
        return f"→ {action.step_id or 'workflow ' + str(action.workflow_id)}{name}"
    if action.type == "retry":
        wait = f" in {seconds_text(action.delay)}" if action.delay else ""
        return f"→ retry{wait}{name}"
    if action.type == "end":
        return f"→ end{name}"
    return f"→ {action.type}{name}"


def _status_style(status: int) -> str:
    return "green" if status < 300 else "cyan" if status < 400 else "bold red"


def _milliseconds(value: float) -> str:
    return f"{value:.0f} ms" if value < 1000 else seconds_text(value / 1000)


def _countdown(seconds: float) -> str:
    return f"{max(seconds, 0.0):.1f} s" if seconds < 10 else duration_text(seconds)


def _value(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= _VALUE_WIDTH else text[: _VALUE_WIDTH - 1] + "…"


def _latest(history: Mapping[str, list[Any]]) -> str:
    """``status=3 isComplete=false``: each output that changed, at its latest value (with
    three outputs or fewer, all of them), those that changed first: a narrow terminal cuts
    the end of the line."""
    shown = [(name, values) for name, values in history.items()
             if len(values) > 1 or len(history) <= 3]
    shown.sort(key=lambda item: len(item[1]) == 1)  # stable: changed ones first
    return " ".join(f"{name}={_value(values[-1])}" for name, values in shown)


def _changes(changed: Mapping[str, list[Any]]) -> str:
    return "  ".join(f"{name} {' → '.join(_value(v) for v in values)}"
                     for name, values in changed.items())
