"""Interop check: the official Python `mcp` 2.x client drives the ticketing example over
Streamable HTTP, in the legacy era (`legacy`: initialize, sessions) or, with `auto`, the way a
dual-era client meets a server: it probes `server/discover` and, finding a 2026-07-28 server,
stays stateless.

Usage: python python_http_client.py URL MODE      (MODE: legacy | auto)

Lists the tools, creates, searches and closes a ticket, closes an unknown one, and sends bad
arguments. Exits non-zero with a message on the first mismatch; prints one summary line on success.
With MCP_BEARER set, every request carries `Authorization: Bearer $MCP_BEARER`.
"""

from __future__ import annotations

import os
import sys
import uuid
from importlib.metadata import version
from typing import Any, NoReturn

import anyio
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

TIMEOUT_SECONDS = 60


class Mismatch(Exception):
    pass


def fail(message: str) -> NoReturn:
    raise Mismatch(message)


def check(condition: bool, message: str) -> None:
    if not condition:
        fail(message)


def as_json(result: Any) -> dict[str, Any]:
    return result.model_dump(mode="json", by_alias=True, exclude_none=True)


async def call(client: Client, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return as_json(await client.call_tool(name, arguments))


def server(url: str) -> Any:
    """The URL, or with MCP_BEARER a transport whose HTTP client sends the token."""
    token = os.environ.get("MCP_BEARER")
    if not token:
        return url
    import httpx2

    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    return streamable_http_client(url, http_client=http)


async def run(url: str, mode: str) -> str:
    async with Client(server(url), mode=mode) as client:
        negotiated = client.protocol_version
        expected = "2026-07-28" if mode == "auto" else "2025-11-25"
        check(negotiated == expected, f"mode {mode}: negotiated {negotiated}, expected {expected}")
        info = client.server_info
        check(info is not None and info.name == "ticketing", f"serverInfo is {info!r}")

        listed = await client.list_tools()
        names = sorted(tool.name for tool in listed.tools)
        check(names == ["close_ticket", "create_ticket", "search_tickets"], f"tools are {names}")

        marker = f"interop-{uuid.uuid4().hex[:8]}"
        created = await call(client, "create_ticket", {"title": f"Printer {marker}", "body": "Third floor"})
        check(not created.get("isError"), f"create_ticket failed: {created}")
        ticket = (created.get("structuredContent") or {}).get("id", "")
        check(ticket.startswith("T-"), f"create_ticket returned {created}")

        found = await call(client, "search_tickets", {"query": marker, "limit": 5})
        hits = (found.get("structuredContent") or {}).get("result", [])
        check([hit.get("id") for hit in hits] == [ticket], f"search_tickets({marker}) found {found}")

        closed = await call(client, "close_ticket", {"id": ticket, "resolution": "Replaced the toner"})
        check(not closed.get("isError"), f"close_ticket failed: {closed}")
        closed_hits = await call(client, "search_tickets", {"query": marker, "status": "closed"})
        check(len((closed_hits.get("structuredContent") or {}).get("result", [])) == 1, f"closed search: {closed_hits}")

        unknown = await call(client, "close_ticket", {"id": "T-999999999", "resolution": "none"})
        check(unknown.get("isError") is True, f"closing an unknown ticket: {unknown}")
        text = unknown["content"][0]["text"]
        check("T-999999999" in text, f"the ToolError message names the ticket: {unknown}")

        bad = await call(client, "search_tickets", {"query": "x", "limit": 0})
        check(bad.get("isError") is True, f"limit 0: expected an isError result, got {bad}")
        # search_tickets has an output schema, so the error is in `_meta`, not structuredContent.
        check("structuredContent" not in bad, f"limit 0: structuredContent must fit the output schema: {bad}")
        error = (bad.get("_meta") or {}).get("rs.mcp-runtime/error") or {}
        check(error.get("code") == -32602, f"limit 0: expected code -32602, got {bad}")
        check(
            any(v.get("path") == "/limit" and v.get("keyword") == "minimum" for v in error.get("violations", [])),
            f"limit 0: expected a /limit minimum violation, got {bad}",
        )

    return (
        f"python mcp {version('mcp')} over HTTP ({mode}){' with a bearer token' if os.environ.get('MCP_BEARER') else ''}: "
        f"protocolVersion {negotiated}; "
        f"created {ticket}, found, closed; unknown id isError; limit 0 -> isError -32602 (/limit minimum)"
    )


def main() -> int:
    sys.stdout.reconfigure(encoding="utf-8")
    if len(sys.argv) != 3 or sys.argv[2] not in ("legacy", "auto"):
        print("usage: python_http_client.py URL legacy|auto", file=sys.stderr)
        return 2

    async def bounded() -> str:
        with anyio.fail_after(TIMEOUT_SECONDS):
            return await run(sys.argv[1], sys.argv[2])

    try:
        summary = anyio.run(bounded)
    except Mismatch as mismatch:
        print(f"python http interop FAILED: {mismatch}", file=sys.stderr)
        return 1
    except BaseException as error:  # noqa: BLE001 - any client failure is a test failure
        print(f"python http interop FAILED: {type(error).__name__}: {error!r}", file=sys.stderr)
        import traceback

        traceback.print_exc()
        return 1
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
