"""Target 6: peers on the same workload: Redocly Respect and jentic's arazzo-runner.

Every runner runs ``benchmarks/peers/poll.arazzo.yaml`` against the answer-at-once server, as a
whole process with its defaults (no delay between polls where it has one to turn off). Before
anything is timed, each runner runs each of the file's three spellings of the loop at a small
N, and the server says how many times it really polled: the comparison uses ``poll-outputs``,
the spelling all of them execute correctly, and a runner that polls the wrong number of times
there is reported, not timed. Then, per runner: the cost of one poll (the slope between 100
and 1,000 polls, as in the per-poll benchmark), start-up (its version command) and peak RSS of
a 1,000-poll run. Ratios are to arazzo-engine measured alongside.

The peers are installed outside the repository by ``python -m benchmarks.peers --install``
(``ARAZZO_PEERS_DIR``, default ``~/.cache/arazzo-engine-peers``); none of their code is
committed.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import _loops
from ._measure import Row, Sample, Section, Target
from ._paths import REPOSITORY
from ._processes import Finished, arazzo_command, poll_server, run_command, user_environment
from ._report import quantity

PEERS_FOLDER = REPOSITORY / "benchmarks" / "peers"
WORKFLOW = PEERS_FOLDER / "poll.arazzo.yaml"
COMPARED = "poll-outputs"
SPELLINGS = ("poll-outputs", "poll-simple", "poll-jsonpath")
REDOCLY_VERSIONS = ("2.77.0", "1.34.20")  # 1.34.21 does not install
ARAZZO_RUNNER_VERSION = "0.9.6"


def peers_dir() -> Path:
    return Path(os.environ.get("ARAZZO_PEERS_DIR") or Path.home() / ".cache" /
                "arazzo-engine-peers")


@dataclass(frozen=True)
class Runner:
    """How to start one runner on the poll workflow: argv for (base URL, workflow, polls)."""

    name: str
    version: str
    run: Callable[[str, str, int], list[str]]
    startup: list[str]
    env: Callable[[str], dict[str, str]] = field(default=lambda _: {})


def _inputs(polls: int) -> dict[str, object]:
    return {"accountId": _loops.ACCOUNT_ID, "jobId": polls, "token": _loops.TOKEN}


def engine_runner() -> Runner:
    def run(base_url: str, workflow: str, polls: int) -> list[str]:
        argv = [*arazzo_command(), "run", str(WORKFLOW), "--workflow", workflow,
                "--server", f"pollApi={base_url}", "--loop-delay", "0",
                "--max-steps", str(polls + 10), "--format", "json"]
        for name, value in _inputs(polls).items():
            argv += ["--input", f"{name}={value}"]
        return argv
    from arazzo_engine import __version__
    return Runner("arazzo-engine", __version__, run, [*arazzo_command(), "--version"])


def redocly_runner(folder: Path) -> Runner | None:
    binary = folder / "redocly" / "node_modules" / ".bin" / "redocly"
    package = folder / "redocly" / "node_modules" / "@redocly" / "cli" / "package.json"
    if not binary.exists() or not package.exists():
        return None
    version = json.loads(package.read_text(encoding="utf-8")).get("version", "?")

    def run(base_url: str, workflow: str, polls: int) -> list[str]:
        argv = [str(binary), "respect", str(WORKFLOW), "--workflow", workflow,
                "--server", f"pollApi={base_url}", "--max-steps", str(polls + 10)]
        for name, value in _inputs(polls).items():
            argv += ["--input", f"{name}={value}"]
        return argv
    # Its telemetry and update check would try the network: off, as a CI user would set them.
    quiet = {"REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}
    return Runner("Redocly Respect", version, run, [str(binary), "--version"],
                  env=lambda _: quiet)


def arazzo_runner(folder: Path) -> Runner | None:
    binary = folder / "arazzo-runner" / "bin" / "arazzo-runner"
    if not binary.exists():
        return None

    def run(base_url: str, workflow: str, polls: int) -> list[str]:
        return [str(binary), "execute-workflow", str(WORKFLOW), "--workflow-id", workflow,
                "--inputs", json.dumps(_inputs(polls))]

    def env(base_url: str) -> dict[str, str]:
        # It cannot replace a base URL; it fills server variables from environment variables
        # named after the description (``show-env-mappings`` lists them).
        return {"POLL_RUNNER_SERVER_PORT": base_url.rsplit(":", 1)[1],
                "POLL_BEARERTOKEN_TOKEN": _loops.TOKEN}
    return Runner("jentic arazzo-runner", ARAZZO_RUNNER_VERSION, run, [str(binary), "--help"],
                  env=env)


def installed_peers(folder: Path | None = None) -> list[Runner]:
    folder = folder or peers_dir()
    return [runner for runner in (redocly_runner(folder), arazzo_runner(folder)) if runner]


def _counts(base_url: str) -> dict[str, int]:
    with urllib.request.urlopen(f"{base_url}/__counts__/latest", timeout=10) as answer:
        found: dict[str, int] = json.loads(answer.read())
        return found


def _launch(runner: Runner, base_url: str, workflow: str, polls: int,
            rss: bool = False) -> tuple[Finished, dict[str, int]]:
    env = user_environment(runner.env(base_url))
    finished = run_command(runner.run(base_url, workflow, polls), env=env, rss=rss)
    return finished, _counts(base_url)


@dataclass(frozen=True)
class Verdict:
    workflow: str
    polls: int
    expected: int
    artifacts: int
    exit_code: int

    @property
    def correct(self) -> bool:
        return self.polls == self.expected and self.artifacts == 1 and self.exit_code == 0

    def text(self) -> str:
        verdict = "correct" if self.correct else "WRONG"
        return (f"{self.workflow}: {verdict} (polled {self.polls} of {self.expected}, "
                f"{self.artifacts} artifact list(s), exit {self.exit_code})")


def check(runner: Runner, base_url: str, polls: int) -> list[Verdict]:
    verdicts = []
    for workflow in SPELLINGS:
        finished, counts = _launch(runner, base_url, workflow, polls)
        if counts.get("job") != polls:
            raise RuntimeError(f"{runner.name} did not trigger a run of job {polls}: "
                               f"{finished.stderr[-300:]}")
        verdicts.append(Verdict(workflow, counts["polls"], polls, counts["artifacts"],
                                finished.returncode))
    return verdicts


@dataclass(frozen=True)
class Settings:
    repeat: int
    low: int = 100
    high: int = 1000
    check_polls: int = 5
    startup_repeat: int = 7


FULL = Settings(repeat=3)
QUICK = Settings(repeat=1, low=50, high=300, startup_repeat=3)


@dataclass
class Measured:
    per_poll: list[float] = field(default_factory=list)
    whole: list[float] = field(default_factory=list)
    startup: list[float] = field(default_factory=list)
    peak: list[float] = field(default_factory=list)


def _timed_run(runner: Runner, base_url: str, polls: int, measured: Measured,
               *, rss: bool = False) -> float:
    finished, counts = _launch(runner, base_url, COMPARED, polls, rss=rss)
    if finished.returncode != 0 or counts["polls"] != polls or counts["artifacts"] != 1:
        raise RuntimeError(f"{runner.name}: exit {finished.returncode}, polled "
                           f"{counts['polls']} of {polls}: {finished.stderr[-300:]}")
    if rss:
        measured.peak.append(float(finished.peak_rss))
    return finished.seconds


def compare(runners: list[Runner], settings: Settings) -> tuple[dict[str, Measured],
                                                                   dict[str, list[Verdict]]]:
    measured = {runner.name: Measured() for runner in runners}
    verdicts: dict[str, list[Verdict]] = {}
    with poll_server() as base_url:
        timed = []
        for runner in runners:
            verdicts[runner.name] = check(runner, base_url, settings.check_polls)
            if verdicts[runner.name][0].correct:  # SPELLINGS[0] is COMPARED
                timed.append(runner)
        span = settings.high - settings.low
        for _ in range(settings.repeat):
            for runner in timed:
                found = measured[runner.name]
                low = _timed_run(runner, base_url, settings.low, found)
                high = _timed_run(runner, base_url, settings.high, found, rss=True)
                found.per_poll.append((high - low) / span)
                found.whole.append(high)
    for _ in range(settings.startup_repeat):
        for runner in timed:
            finished = run_command(runner.startup, env=user_environment(runner.env("x:0")))
            measured[runner.name].startup.append(finished.seconds)
    return measured, verdicts


def peers(settings: Settings, runners: list[Runner] | None = None) -> Section:
    title = (f"Peers on the same workload ({COMPARED}, {settings.low:,} and "
             f"{settings.high:,} polls, whole processes)")
    section = Section("peers", title)
    others = installed_peers() if runners is None else runners
    if not others:
        section.derived.append(("peers", "not installed: run `python -m benchmarks.peers "
                                         "--install` (into ARAZZO_PEERS_DIR, outside the "
                                         "repository), then rerun"))
    engine = engine_runner()
    measured, verdicts = compare([engine, *others], settings)
    ours = measured[engine.name]
    if not ours.per_poll:
        raise RuntimeError("arazzo-engine does not run the peers' workflow correctly")
    base = {"per_poll": Sample.of(ours.per_poll), "startup": Sample.of(ours.startup),
            "peak": Sample.of(ours.peak), "whole": Sample.of(ours.whole)}
    for runner in others:
        found = measured[runner.name]
        label = f"{runner.name} {runner.version}"
        if not found.per_poll:
            section.derived.append((label, f"not timed: it does not run {COMPARED} correctly"))
            continue
        section.rows.append(Row(f"{label}: per poll", Sample.of(found.per_poll),
                                "arazzo-engine: per poll", base["per_poll"]))
        section.rows.append(Row(f"{label}: whole run, {settings.high:,} polls",
                                Sample.of(found.whole), "arazzo-engine", base["whole"]))
        section.rows.append(Row(f"{label}: start-up ({' '.join(runner.startup[1:])})",
                                Sample.of(found.startup), "arazzo --version", base["startup"]))
        section.rows.append(Row(f"{label}: peak RSS, {settings.high:,} polls",
                                Sample.of(found.peak), "arazzo-engine", base["peak"], unit="B"))
        for what, key in (("per poll", "per_poll"), ("start-up", "startup"),
                          ("peak RSS", "peak")):
            section.targets.append(Target(
                f"peers: {label} / arazzo-engine, {what}",
                Sample.of(getattr(found, key)).median / base[key].median, None))
    section.derived.append(("arazzo-engine", f"{quantity(base['per_poll'].median, 's')} a poll, "
                                             f"start-up {quantity(base['startup'].median, 's')}, "
                                             f"peak {quantity(base['peak'].median, 'B')}"))
    for runner in [engine, *others]:
        section.derived.append((f"{runner.name} {runner.version}, polling checked by the server "
                                f"at N = {settings.check_polls}",
                                "; ".join(v.text() for v in verdicts[runner.name])))
    return section
