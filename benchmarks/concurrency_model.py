"""How long 1,000 concurrent reference runs must take, given what one exchange costs the client.

    python -m benchmarks.concurrency_model [RUNS]

Why a model: the 1,000-run target (1.5x one run) is decided less by the scheduler than by the
shape of the workload. Each reference run makes two exchanges (the trigger, the first poll),
waits 1 s, polls, waits 1.5 s, polls and lists its artifacts. All of the client's Python runs
under one interpreter lock, so however many requests are in flight, the exchanges' CPU work is
done one at a time; the simulator answers on the other core, so its latency overlaps. This
replays that as an event simulation: one server (the interpreter lock) with a cost ``c`` of
CPU an exchange, each run's steps in order, its waits timed from the end of the exchange
before them, work taken in the order it became ready. It prints the time 1,000 runs take and
its ratio to one run for a range of ``c``: the largest ``c`` under 1.5x is the budget an
exchange has, to compare with the CPU an exchange costs (``python -m benchmarks.run --only
concurrent`` prints it). With the measured ``c`` it predicts the measured time to within about
a tenth (docs/benchmarks.md).
"""

from __future__ import annotations

import heapq
import sys

#: One reference run: "x" an exchange, a number a wait in seconds.
PLAN: tuple[str | float, ...] = ("x", "x", 1.0, "x", 1.5, "x", "x")
#: The simulator's answer time once the client has sent (overlapped with other work).
LATENCY = 0.0003


def makespan(cost: float, runs: int, latency: float = LATENCY) -> float:
    """Seconds until the last of ``runs`` runs ends when each exchange costs ``cost`` s of
    the one interpreter lock."""
    ready: list[tuple[float, int, int]] = []  # (ready at, sequence, position in PLAN)
    sequence = 0
    for _ in range(runs):
        heapq.heappush(ready, (0.0, sequence, 0))
        sequence += 1
    lock_free_at = end = 0.0
    while ready:
        at, _, position = heapq.heappop(ready)
        if position == len(PLAN):
            end = max(end, at)
            continue
        step = PLAN[position]
        if step == "x":
            lock_free_at = max(at, lock_free_at) + cost
            at = lock_free_at + latency
        else:
            at += float(step)
        heapq.heappush(ready, (at, sequence, position + 1))
        sequence += 1
    return end


def main(argv: list[str]) -> int:
    runs = int(argv[0]) if argv else 1000
    print(f"{runs} reference runs, one interpreter lock; one run alone: "
          f"{makespan(0.0005, 1):.2f} s")
    budget = None
    for micros in (1000, 900, 800, 700, 600, 560, 500, 450, 420, 400, 350, 300, 200):
        total = makespan(micros / 1e6, runs)
        ratio = total / makespan(micros / 1e6, 1)
        if ratio <= 1.5 and budget is None:
            budget = micros
        print(f"  {micros:5d} us of CPU an exchange: {total:5.2f} s, {ratio:.2f}x one run")
    if budget is not None:
        print(f"the 1.5x target holds from about {budget} us an exchange down")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
