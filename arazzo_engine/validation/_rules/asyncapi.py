"""Arazzo 1.1 AsyncAPI steps: their fields fit, and the operation or channel they name exists.

An AsyncAPI step sends or receives a message (``action``), names an AsyncAPI operation
(``operationId``) or channel (``channelPath``), and only a receiving step may say which
``correlationId`` the awaited message must carry.
"""

from __future__ import annotations

from collections.abc import Iterator

from arazzo_engine.openapi import ASYNC_FIELDS
from arazzo_engine.validation._context import Step, ValidationContext
from arazzo_engine.validation._diagnostic import Finding
from arazzo_engine.validation._registry import rule


@rule("asyncapi-step", "error",
      "action, correlationId and channelPath appear only on AsyncAPI steps; an AsyncAPI step "
      "has an action; correlationId only with action receive")
def asyncapi_step(ctx: ValidationContext) -> Iterator[Finding]:
    if ctx.spec == "1.0":
        return
    for step in ctx.steps():
        api = ctx.step_api(step)
        if api in ("openapi", "workflow"):
            what = "calls a workflow" if api == "workflow" else "calls an OpenAPI operation"
            for field in ASYNC_FIELDS:
                if field in step.node and not (field == "channelPath" and api == "workflow"):
                    yield Finding(f"`{field}` applies only to AsyncAPI steps, and step "
                                  f"`{step.id}` {what}", f"{step.pointer}/{field}")
            continue
        if api != "asyncapi":
            continue
        action = step.node.get("action")
        if "action" not in step.node:
            yield Finding(f"AsyncAPI step `{step.id}` needs an `action`: send or receive",
                          step.pointer, anchor="value",
                          hint="action: send publishes a message; action: receive waits for one")
        if "correlationId" in step.node and action != "receive":
            yield Finding(f"`correlationId` applies only to a step that receives (`action: "
                          f"receive`); step `{step.id}` is `{action}`",
                          step.pointer + "/correlationId")
        elif "correlationId" in step.node:
            yield from _correlation(ctx, step)


def _correlation(ctx: ValidationContext, step: Step) -> Iterator[Finding]:
    """The correlationId "has to be in-sync with correlationId defined in the AsyncAPI
    document": a message that declares none cannot be matched to one."""
    found = ctx.lookup_async(step)
    if found.operation is None or not found.operation.messages or found.operation.correlated:
        return
    names = ", ".join(f"`{m.name}`" for m in found.operation.messages)
    yield Finding(f"step `{step.id}` waits for a message with correlationId, but the messages "
                  f"of operation `{found.operation.operation_id}` ({names}) declare no "
                  "`correlationId` to match it against", step.pointer + "/correlationId",
                  severity="warning")


@rule("asyncapi-resolved", "error",
      "an AsyncAPI step's operationId, operationPath or channelPath names an operation or "
      "channel of an AsyncAPI source, and the messages it refers to resolve")
def asyncapi_resolved(ctx: ValidationContext) -> Iterator[Finding]:
    if ctx.spec == "1.0":
        return
    for step in ctx.steps():
        if ctx.step_api(step) != "asyncapi":
            continue
        found = ctx.lookup_async(step)
        field = found.field
        if field not in step.node:
            field = next((f for f in ("channelPath", "operationPath", "operationId")
                          if f in step.node), field)
        pointer = f"{step.pointer}/{field}"
        if found.problem:
            yield Finding(found.problem, pointer, hint=found.hint)
        elif found.operation is not None:
            for problem in found.operation.problems:
                yield Finding(f"operation `{found.operation.operation_id}`: {problem}", pointer)


@rule("asyncapi-receive-criteria", "warning",
      "a receiving AsyncAPI step whose channel can carry several kinds of message states "
      "successCriteria")
def asyncapi_receive_criteria(ctx: ValidationContext) -> Iterator[Finding]:
    if ctx.spec == "1.0":
        return
    for step in ctx.steps():
        if step.node.get("action") != "receive" or "successCriteria" in step.node:
            continue
        if ctx.step_api(step) != "asyncapi":
            continue
        found = ctx.lookup_async(step)
        operation = found.operation
        messages = len(operation.messages) if operation is not None else len(
            found.channel.node.get("messages") or {}) if found.channel is not None and isinstance(
            found.channel.node.get("messages"), dict) else 0
        if messages > 1:
            yield Finding(f"step `{step.id}` receives on a channel that carries {messages} kinds "
                          "of message, and without successCriteria any of them counts as "
                          "success", step.pointer, anchor="value",
                          hint="add successCriteria on $message.payload, e.g. "
                               "$message.payload.status == 'accepted'")


@rule("channel-path-prefer-id", "warning",
      "a channelPath step names a channel that an AsyncAPI operation with an operationId "
      "uses (the spec's SHOULD)", strict_only=True)
def channel_path_prefer_id(ctx: ValidationContext) -> Iterator[Finding]:
    """"If the referenced operation has an `operationId` defined then the `operationId` SHOULD
    be preferred over the `channelPath`": the operations on that channel are named."""
    if ctx.spec == "1.0":
        return
    for step in ctx.steps():
        if not isinstance(step.node.get("channelPath"), str) or ctx.step_api(step) != "asyncapi":
            continue
        found = ctx.lookup_async(step)
        index = ctx.async_index_of(found.source) if found.source is not None else None
        if found.channel is None or found.source is None or index is None:
            continue
        using = [o.operation_id for o in index.operations if o.operation_id
                 and o.channel is not None and o.channel.pointer == found.channel.pointer]
        if not using:
            continue
        written = [f"$sourceDescriptions.{found.source.name}.{o}" for o in using]
        yield Finding(f"channel `{found.channel.name}` is used by AsyncAPI operation"
                      f"{'s' if len(using) > 1 else ''} "
                      f"{', '.join(f'`{o}`' for o in using)}, and the spec prefers an "
                      "operationId over a channelPath", step.pointer + "/channelPath",
                      hint=f"write operationId: {written[0]}" if len(written) == 1
                      else f"write operationId: one of {', '.join(written)}")

