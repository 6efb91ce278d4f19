"""The public entry points: load a document once, then validate it and run its workflows.

The CLI is built on these same calls, so anything ``arazzo`` does can be done from Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arazzo_engine.document import Bundle, LoadedDocument, load_bundle
from arazzo_engine.document._sources import legacy_root
from arazzo_engine.errors import ExecutionError, ValidationFailed
from arazzo_engine.executor import (
    DryRun,
    InputsSchema,
    Observer,
    Program,
    RunOptions,
    RunResult,
    dry_run,
    run_workflow,
)
from arazzo_engine.openapi import StepTargets
from arazzo_engine.outline import FlowGraph, WorkflowOutline, build_graph, outline_workflow
from arazzo_engine.validation import ValidationReport, validate_document

__all__ = ["ArazzoDocument", "load", "run", "validate"]


@dataclass
class ArazzoDocument:
    """An Arazzo document with every source description it names, loaded once."""

    bundle: Bundle
    #: Reports by ``strict``: the loaded documents do not change, so neither does the verdict.
    _reports: dict[bool, ValidationReport] = field(default_factory=dict, repr=False,
                                                   compare=False)
    #: The documents indexed for running (operations, checked inputs schemas), shared by runs.
    _program: Program | None = field(default=None, repr=False, compare=False)
    #: The OpenAPI model (descriptions built once), shared by validation, runs and tests.
    _targets: StepTargets | None = field(default=None, repr=False, compare=False)

    @property
    def targets(self) -> StepTargets:
        if self._targets is None:
            self._targets = StepTargets(self.bundle)
        return self._targets

    @property
    def program(self) -> Program:
        """The documents indexed for running and outlining; built once, shared by every run."""
        if self._program is None:
            self._program = Program(self.bundle, self.targets)
        return self._program

    @property
    def path(self) -> Path | None:
        return self.bundle.entry.path

    @property
    def data(self) -> Any:
        return self.bundle.entry.data

    @property
    def workflow_ids(self) -> list[str]:
        workflows = self.data.get("workflows") if isinstance(self.data, Mapping) else None
        if not isinstance(workflows, list):
            return []
        return [w["workflowId"] for w in workflows
                if isinstance(w, Mapping) and isinstance(w.get("workflowId"), str)]

    def validate(self, *, strict: bool = False) -> ValidationReport:
        """Every diagnostic for the document and its sources (see docs/rules.md)."""
        if strict not in self._reports:
            self._reports[strict] = validate_document(self.bundle, strict=strict,
                                                      targets=self.targets)
        return self._reports[strict]

    def run(self, workflow_id: str | None = None, inputs: Mapping[str, Any] | None = None, *,
            options: RunOptions | None = None, observer: Observer | None = None,
            validate: bool = True, **kwargs: Any) -> RunResult:
        """Runs one workflow; refuses (``ValidationFailed``) a document with errors first.

        A workflow that fails is a result with ``outcome == "failed"``, not an exception.
        ``kwargs`` pass through to ``run_workflow`` (``transport``, ``clock``, ``stop``: a
        ``StopSignal`` that ends the run at once with outcome ``"interrupted"``), or, when
        ``options.backend`` is a Temporal service, to ``arazzo_engine.temporal.run``
        (``run_id``, ``resend_in_doubt``, ``notice``): the run happens there and this call
        follows it to its end.
        """
        if validate:
            report = self.validate()
            if not report.ok:
                raise ValidationFailed(list(report.diagnostics))
        if options is not None and options.backend != "local":
            from arazzo_engine import temporal

            return temporal.run(self.bundle, workflow_id, inputs, options, observer,
                                document=None if self.path is None else str(self.path),
                                **kwargs)
        return run_workflow(self.program, workflow_id, inputs, options, observer, **kwargs)

    def dry_run(self, workflow_id: str | None = None, inputs: Mapping[str, Any] | None = None,
                *, options: RunOptions | None = None, validate: bool = True) -> DryRun:
        """The requests a run would send, built as a run builds them; nothing is sent.

        The first request is complete (URL, headers, body; secrets masked); later steps are
        built as far as the inputs allow, values only the run can know shown as
        ``{$expression}``. Raises as ``run`` does before its first request
        (``ValidationFailed``, ``InputError``, ``ExecutionError``).
        """
        if validate:
            report = self.validate()
            if not report.ok:
                raise ValidationFailed(list(report.diagnostics))
        return dry_run(self.program, workflow_id, inputs, options)

    def inputs_schema(self, workflow_id: str | None = None) -> InputsSchema:
        """A workflow's inputs schema: which inputs it declares, and how a value typed as text
        is read (``value_from_text``). Raises ``ExecutionError`` for an unknown workflow, or
        when none is given and the document has several."""
        program = self.program
        key = program.entry_key
        return program.inputs_schema(key, workflow_id or program.only_workflow(key))

    def workflows(self) -> list[WorkflowOutline]:
        """Every workflow of the document, outlined: inputs, steps with their operations
        (method and path from the OpenAPI description), actions and outputs.

        Works on documents that do not validate: what cannot be resolved is said in the
        outline (``OperationOutline.problem``, ``WorkflowOutline.problems``).
        """
        return [outline_workflow(self.program, self.program.entry_key, workflow_id)
                for workflow_id in self.workflow_ids]

    def workflow(self, workflow_id: str | None = None) -> WorkflowOutline:
        """One workflow's outline; ``workflow_id`` may be left out when there is only one.

        Raises ``ExecutionError`` for an unknown id, or when several workflows leave the
        choice open.
        """
        return outline_workflow(self.program, self.program.entry_key,
                                self._chosen(workflow_id))

    def graph(self, workflow_id: str | None = None) -> FlowGraph:
        """The control flow of one workflow (of every workflow when the id is left out and
        there are several), with every workflow it reaches: ``.to_mermaid()``, ``.to_dot()``,
        ``.to_dict()``."""
        key = self.program.entry_key
        if workflow_id is None:
            chosen = self.workflow_ids
            if not chosen:
                raise ExecutionError("the document has no workflows")
        else:
            chosen = [self._chosen(workflow_id)]
        return build_graph(self.program, [(key, w) for w in chosen])

    def _chosen(self, workflow_id: str | None) -> str:
        key = self.program.entry_key
        if workflow_id is None:
            return self.program.only_workflow(key)
        self.program.workflow(key, workflow_id)  # raises, naming the workflows there are
        return workflow_id


def load(path: str | Path | LoadedDocument, *, root: str | Path | None = None,
         allow_remote: bool = False, allow_outside_root: bool | None = None) -> ArazzoDocument:
    """Loads an Arazzo document and its source descriptions.

    Local sources (relative paths and ``file:`` URLs) are read wherever they lead, relative to
    the document that names them; give ``root`` to refuse anything outside that folder tree
    (for documents you do not trust). http(s) sources are fetched only with ``allow_remote``.
    ``allow_outside_root`` is deprecated and has no effect. Raises ``DocumentError`` when the
    document itself cannot be read; a broken source is reported by ``validate()`` instead.
    """
    return ArazzoDocument(load_bundle(path, root=legacy_root(root, allow_outside_root),
                                      allow_remote=allow_remote))


def validate(path: str | Path, *, strict: bool = False, **source_options: Any) -> ValidationReport:
    """``load(path, **source_options).validate(strict=strict)``."""
    return load(path, **source_options).validate(strict=strict)


def run(path: str | Path, workflow_id: str | None = None,
        inputs: Mapping[str, Any] | None = None, *, options: RunOptions | None = None,
        observer: Observer | None = None, validate: bool = True,
        **source_options: Any) -> RunResult:
    """Loads, validates and runs one workflow: ``load(path).run(...)`` in one call."""
    allow_remote = bool(options and options.allow_remote)
    source_options.setdefault("allow_remote", allow_remote)
    document = load(path, **source_options)
    return document.run(workflow_id, inputs, options=options, observer=observer,
                        validate=validate)
