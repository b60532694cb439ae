"""Interop check: the official Python `mcp` client drives an MCP server over stdio.

Usage: python python_stdio_client.py PATH_TO_HELLO_BINARY

Spawns the binary with `mcp.client.stdio.stdio_client`, initializes a `ClientSession`, lists the
tools and calls them. Exits non-zero with a message on the first mismatch; prints one summary line
on success. The server's stderr passes through to this script's stderr.
"""

from __future__ import annotations

import sys
from importlib.metadata import version
from typing import Any, NoReturn

import anyio
from mcp import ClientSession, McpError, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import CallToolResult, TextContent

# Protocol versions up to this one answer bad arguments with a JSON-RPC error; later ones with an
# `isError: true` tool result.
LAST_VERSION_WITH_PROTOCOL_ERRORS = "2025-06-18"
TIMEOUT_SECONDS = 60


class Mismatch(Exception):
    pass


def fail(message: str) -> NoReturn:
    raise Mismatch(message)


def check(condition: bool, message: str) -> None:
    if not condition:
        fail(message)


def dump(value: Any) -> str:
    if hasattr(value, "model_dump"):
        return repr(value.model_dump(mode="json", by_alias=True, exclude_none=True))
    return repr(value)


def only_text(result: CallToolResult, what: str) -> str:
    check(
        len(result.content) == 1 and isinstance(result.content[0], TextContent),
        f"{what}: expected one text content block, got {dump(result)}",
    )
    return result.content[0].text


async def expect_text(session: ClientSession, name: str, arguments: dict[str, Any], expected: str) -> None:
    result = await session.call_tool(name, arguments)
    what = f"call_tool({name!r}, {arguments!r})"
    check(not result.isError, f"{what}: unexpected isError result {dump(result)}")
    text = only_text(result, what)
    check(text == expected, f"{what}: expected text {expected!r}, got {text!r} in {dump(result)}")


async def run(binary: str) -> str:
    params = StdioServerParameters(command=binary, args=["--stdio"])
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        init = await session.initialize()
        negotiated = str(init.protocolVersion)
        check(init.serverInfo.name == "hello", f"initialize: serverInfo is {dump(init.serverInfo)}")
        check(init.capabilities.tools is not None, f"initialize: no tools capability in {dump(init)}")

        listed = await session.list_tools()
        tools = {tool.name: tool for tool in listed.tools}
        check(
            set(tools) == {"add", "echo", "divide"} and len(listed.tools) == 3,
            f"list_tools: expected exactly add, echo, divide, got {[t.name for t in listed.tools]}",
        )
        for name, required in {"add": ["a", "b"], "echo": ["message"], "divide": ["a", "b"]}.items():
            schema = tools[name].inputSchema
            check(schema.get("type") == "object", f"list_tools: {name} inputSchema is {schema!r}")
            check(
                sorted(schema.get("required", [])) == required,
                f"list_tools: {name} inputSchema.required is {schema.get('required')!r}, expected {required!r}",
            )

        await expect_text(session, "add", {"a": 2, "b": 3}, "5")
        await expect_text(session, "echo", {"message": "héllo"}, "héllo")

        divided = await session.call_tool("divide", {"a": 1, "b": 0})
        check(divided.isError is True, f"divide by zero: expected an isError result, got {dump(divided)}")
        divide_text = only_text(divided, "divide by zero")

        # Bad arguments: what the client surfaces depends on the negotiated version.
        if negotiated <= LAST_VERSION_WITH_PROTOCOL_ERRORS:
            try:
                bad = await session.call_tool("echo", {"message": ""})
            except McpError as error:
                check(
                    error.error.code == -32602,
                    f"echo(''): expected JSON-RPC error -32602, got {dump(error.error)}",
                )
                bad_arguments = f"McpError {error.error.code}"
            else:
                fail(f"echo(''): protocol {negotiated} expects a JSON-RPC error, got a result {dump(bad)}")
        else:
            try:
                bad = await session.call_tool("echo", {"message": ""})
            except McpError as error:
                fail(f"echo(''): protocol {negotiated} expects an isError result, got McpError {dump(error.error)}")
            check(bad.isError is True, f"echo(''): expected an isError result, got {dump(bad)}")
            structured = bad.structuredContent or {}
            error = structured.get("error") if isinstance(structured, dict) else None
            check(
                isinstance(error, dict) and error.get("code") == -32602,
                f"echo(''): expected structuredContent.error.code -32602, got {dump(bad)}",
            )
            violations = error.get("violations") or []
            check(
                any(v.get("path") == "/message" and v.get("keyword") == "minLength" for v in violations),
                f"echo(''): expected a /message minLength violation, got {dump(bad)}",
            )
            only_text(bad, "echo('')")
            bad_arguments = "isError result, structuredContent.error.code -32602 (/message minLength)"

    return (
        f"python mcp {version('mcp')}: protocolVersion {negotiated}; tools add,divide,echo; "
        f"add(2,3)='5'; echo='héllo'; divide(1,0) isError {divide_text!r}; echo('') -> {bad_arguments}"
    )


async def main_async(binary: str) -> str:
    with anyio.fail_after(TIMEOUT_SECONDS):
        return await run(binary)


def main() -> int:
    sys.stdout.reconfigure(encoding="utf-8")
    sys.stderr.reconfigure(encoding="utf-8")
    if len(sys.argv) != 2:
        print("usage: python_stdio_client.py PATH_TO_HELLO_BINARY", file=sys.stderr)
        return 2
    try:
        summary = anyio.run(main_async, sys.argv[1])
    except Mismatch as mismatch:
        print(f"python interop FAILED: {mismatch}", file=sys.stderr)
        return 1
    except BaseException as error:  # noqa: BLE001 - any client failure is a test failure
        print(f"python interop FAILED: {type(error).__name__}: {error!r}", file=sys.stderr)
        import traceback

        traceback.print_exc()
        return 1
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
