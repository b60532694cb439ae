// Interop check: the official TypeScript clients drive the ticketing example over Streamable
// HTTP. Without --modern: @modelcontextprotocol/sdk 1.x (initialize, Mcp-Session-Id, 2025-11-25).
// With --modern: @modelcontextprotocol/client 2.x pinned to 2026-07-28 (server/discover, then
// stateless requests with per-request _meta).
//
// Usage: node ts_http_client.mjs URL [--modern]
//
// Run from a directory whose node_modules holds @modelcontextprotocol/sdk (the Rust test copies
// this file next to the install in target/interop-node). Lists the tools, creates, searches and
// closes a ticket, closes an unknown one, sends bad arguments, and ends the session (DELETE).
// Exits non-zero with a message on the first mismatch; prints one summary line on success.
// With MCP_BEARER set, every request carries `Authorization: Bearer $MCP_BEARER`.

import { randomUUID } from 'node:crypto';


const TIMEOUT_MS = 60_000;

class Mismatch extends Error {}

function check(condition, message) {
  if (!condition) throw new Mismatch(message);
}

const dump = (value) => JSON.stringify(value);

// The transports' options: a bearer token on every request when MCP_BEARER is set.
const transportOptions = () => (process.env.MCP_BEARER
  ? { requestInit: { headers: { Authorization: `Bearer ${process.env.MCP_BEARER}` } } }
  : {});
const withToken = () => (process.env.MCP_BEARER ? ' with a bearer token' : '');

async function call(client, name, args) {
  return client.callTool({ name, arguments: args });
}

// The tool calls, the same in both eras.
async function exercise(client) {
  const names = (await client.listTools()).tools.map((tool) => tool.name).sort();
  check(dump(names) === dump(['close_ticket', 'create_ticket', 'search_tickets']), `tools are ${dump(names)}`);

  const marker = `interop-${randomUUID().slice(0, 8)}`;
  const created = await call(client, 'create_ticket', { title: `Printer ${marker}`, body: 'Third floor', priority: 'high' });
  const ticket = created.structuredContent?.id ?? '';
  check(!created.isError && ticket.startsWith('T-'), `create_ticket returned ${dump(created)}`);

  const found = await call(client, 'search_tickets', { query: marker });
  const hits = found.structuredContent?.result ?? [];
  check(hits.length === 1 && hits[0].id === ticket && hits[0].priority === 'high', `search found ${dump(found)}`);

  const closed = await call(client, 'close_ticket', { id: ticket, resolution: 'Replaced the toner' });
  check(!closed.isError, `close_ticket failed: ${dump(closed)}`);

  const unknown = await call(client, 'close_ticket', { id: 'T-999999999', resolution: 'none' });
  check(unknown.isError === true && unknown.content[0].text.includes('T-999999999'), `unknown id: ${dump(unknown)}`);

  const bad = await call(client, 'search_tickets', { query: 'x', limit: 0 });
  // search_tickets has an output schema, so the error is in `_meta`, not structuredContent
  // (which the SDK checks against that schema).
  check(bad.structuredContent === undefined, `limit 0: structuredContent must fit the output schema: ${dump(bad)}`);
  const error = bad._meta?.['rs.mcp-runtime/error'] ?? {};
  check(bad.isError === true && error.code === -32602, `limit 0: ${dump(bad)}`);
  check(
    (error.violations ?? []).some((v) => v.path === '/limit' && v.keyword === 'minimum'),
    `limit 0: expected a /limit minimum violation, got ${dump(bad)}`,
  );
  return `created ${ticket}, found, closed; unknown id isError; limit 0 -> isError -32602 (/limit minimum)`;
}

async function runLegacy(url) {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  const transport = new StreamableHTTPClientTransport(new URL(url), transportOptions());
  const client = new Client({ name: 'mcp-runtime-interop', version: '0.0.0' });
  await client.connect(transport);
  try {
    const negotiated = transport.protocolVersion;
    check(negotiated === '2025-11-25', `negotiated ${negotiated}`);
    check(transport.sessionId && /^[0-9a-f]{32}$/.test(transport.sessionId), `session id ${transport.sessionId}`);
    check(client.getServerVersion()?.name === 'ticketing', `serverInfo is ${dump(client.getServerVersion())}`);
    const done = await exercise(client);
    await transport.terminateSession();
    check(transport.sessionId === undefined, 'the session was not ended');
    return `typescript sdk over HTTP${withToken()}: protocolVersion ${negotiated}; ${done}; session ended`;
  } finally {
    await client.close();
  }
}

async function runModern(url) {
  const { Client, StreamableHTTPClientTransport } = await import('@modelcontextprotocol/client');
  const transport = new StreamableHTTPClientTransport(new URL(url), transportOptions());
  const client = new Client(
    { name: 'mcp-runtime-interop', version: '0.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await client.connect(transport);
  try {
    const negotiated = client.getNegotiatedProtocolVersion();
    check(client.getProtocolEra() === 'modern' && negotiated === '2026-07-28', `era ${client.getProtocolEra()} ${negotiated}`);
    check(client.getDiscoverResult()?.supportedVersions?.includes('2026-07-28'), `discover: ${dump(client.getDiscoverResult())}`);
    check(client.getServerVersion()?.name === 'ticketing', `serverInfo is ${dump(client.getServerVersion())}`);
    const done = await exercise(client);
    return `typescript client 2.x over HTTP${withToken()}: protocolVersion ${negotiated}; ${done}`;
  } finally {
    await client.close();
  }
}

async function main() {
  const modern = process.argv.includes('--modern');
  const rest = process.argv.slice(2).filter((arg) => arg !== '--modern');
  if (rest.length !== 1) {
    console.error('usage: node ts_http_client.mjs URL [--modern]');
    return 2;
  }
  const timer = setTimeout(() => {
    console.error(`typescript http interop FAILED: no result within ${TIMEOUT_MS} ms`);
    process.exit(1);
  }, TIMEOUT_MS);
  try {
    console.log(await (modern ? runModern(rest[0]) : runLegacy(rest[0])));
    return 0;
  } catch (error) {
    console.error(`typescript http interop FAILED: ${error instanceof Mismatch ? error.message : error.stack ?? error}`);
    return 1;
  } finally {
    clearTimeout(timer);
  }
}

process.exitCode = await main();
