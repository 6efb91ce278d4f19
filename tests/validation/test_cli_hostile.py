"""``arazzo validate`` on hostile input: a clear, positioned message and exit 1 or 2, never a
traceback (and never the contents of a file it was not allowed to read)."""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from arazzo_engine import cli

HEAD = "arazzo: 1.0.1\ninfo:\n  title: hostile\n  version: 1.0.0\n"
WORKFLOWS = ("workflows:\n  - workflowId: w\n    steps:\n      - stepId: s\n"
             "        operationId: op\n")
POSITIONED = re.compile(r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+): (error|warning): .+ "
                        r"\[(?P<rule>[a-z-]+)\]$")
BOMB = "\n".join(["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"] + [
    f"a{i}: &a{i} [{', '.join(f'*a{i - 1}' for _ in range(10))}]" for i in range(1, 9)]) + "\n"


def _source(url: str) -> str:
    return HEAD + f"sourceDescriptions:\n  - name: src\n    url: {url}\n    type: openapi\n" \
        + WORKFLOWS


@dataclass(frozen=True)
class Case:
    id: str
    write: Callable[[Path], Path]  # builds the input in a folder, returns what to validate
    exit_code: int
    line: int | None  # the line the first diagnostic must be on (None: any)
    rule: str


def _file(name: str, content: str | bytes, **extra: str | bytes) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        for other, text in extra.items():
            _write(folder / other.replace("__", "."), text)
        return _write(folder / name, content)
    return write


def _write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _folder(folder: Path) -> Path:
    (folder / "a-directory.yaml").mkdir()
    return folder / "a-directory.yaml"


CASES = [
    Case("binary-not-utf8", _file("bin.yaml", bytes(range(256)) * 4), 2, 1, "document"),
    Case("binary-utf8-with-nul", _file("nul.yaml", b"arazzo: 1.0.1\x00\x01\x02\n"), 2, 1,
         "document"),
    Case("json-with-control-character", _file("ctl.json", '{"arazzo": "1.0.1\x7f"}'), 2, 1,
         "document"),
    Case("directory", _folder, 2, 1, "document"),
    Case("empty-file", _file("empty.yaml", ""), 2, 1, "document"),
    Case("whitespace-only", _file("blank.yaml", "\n\n   \n"), 2, 1, "document"),
    Case("one-megabyte-single-line-string", _file("long.yaml", "x" * 1_000_000), 1, 1, "schema"),
    Case("one-megabyte-single-line-value", _file("long2.yaml", "arazzo: '" + "y" * 1_000_000
                                                 + "'\n"), 1, None, "schema"),
    Case("deeply-nested-flow-sequence", _file("deep.yaml", "[" * 5000 + "]" * 5000), 2, None,
         "document"),
    Case("deeply-nested-flow-mapping", _file("deep2.yaml", "{a: " * 3000 + "1" + "}" * 3000),
         2, None, "document"),
    Case("alias-bomb", _file("bomb.yaml", BOMB), 2, None, "document"),
    Case("json-duplicate-keys", _file("dup.json", '{"arazzo": "1.0.1",\n "arazzo": "1.0.0"}'),
         2, 2, "document"),
    Case("yaml-custom-tag", _file("tag.yaml", HEAD + "x-run: !custom value\n"), 2, 5,
         "document"),
    Case("yaml-custom-tag-on-a-list", _file("tagl.yaml", HEAD + "x-run: !custom [a, b]\n"), 2,
         5, "document"),
    Case("yaml-set", _file("set.yaml", HEAD + "x-set: !!set {a, b}\n"), 2, 5, "document"),
    Case("yaml-python-tag", _file("py.yaml", "arazzo: !!python/object/apply:os.system "
                                  "['echo owned']\n"), 2, 1, "document"),
    Case("non-utf8-latin1", _file("latin.yaml", (HEAD + "summary: caf\xe9\n").encode("latin-1")),
         2, 1, "document"),
    Case("workflows-is-a-string", _file("str.yaml", HEAD + "sourceDescriptions: []\n"
                                        "workflows: not a list\n"), 1, 5, "schema"),
    Case("source-outside-root-relative",
         _file("up.yaml", _source("../../../../../../../../etc/passwd")), 1, 7, "source-load"),
    Case("source-outside-root-absolute", _file("abs.yaml", _source("/etc/passwd")), 1, 7,
         "source-load"),
    Case("source-file-scheme", _file("scheme.yaml", _source("file:///etc/passwd")), 1, 7,
         "source-load"),
    Case("source-nul-byte", _file("nulurl.yaml", _source("'%00'")), 1, 7, "source-load"),
    Case("source-is-an-alias-bomb", _file("entry.yaml", _source("bomb.yaml"),
                                          bomb__yaml=BOMB), 1, 7, "source-load"),
]


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["validate", *argv])
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input_gets_a_positioned_message_and_no_traceback(case: Case,
                                                                  tmp_path: Path) -> None:
    path = case.write(tmp_path)
    code, out, err = _run(str(path))
    assert "Traceback" not in out + err
    assert "internal error" not in err
    assert code == case.exit_code, (out, err)
    first = POSITIONED.match(out.splitlines()[0])
    assert first, out
    assert first["rule"] == case.rule, out
    assert Path(first["file"]).name == path.name or first["file"] == str(path)
    if case.line is not None:
        assert int(first["line"]) == case.line, out
    assert "root:" not in out + err  # nothing of /etc/passwd leaks into a message
    assert max(len(line) for line in out.splitlines()) < 1000  # values are cut, not echoed


#: The slow cases (megabytes to parse, bombs to stop) are not worth running twice more.
SLOW = {"deeply-nested-flow-sequence", "one-megabyte-single-line-string",
        "one-megabyte-single-line-value", "alias-bomb", "source-is-an-alias-bomb"}


def test_the_same_sweep_in_json_and_sarif_stays_parseable(tmp_path: Path) -> None:
    paths = []
    for case in [c for c in CASES if c.id not in SLOW]:
        (tmp_path / case.id).mkdir()
        paths.append(str(case.write(tmp_path / case.id)))
    for output in ("json", "sarif"):
        code, out, err = _run("--format", output, *paths)
        assert code == 2 and "Traceback" not in out + err
        assert json.loads(out)
