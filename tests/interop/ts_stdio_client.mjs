// Interop check: the official TypeScript SDK client drives an MCP server over stdio.
//
// Usage: node ts_stdio_client.mjs PATH_TO_HELLO_BINARY
//
// Run from a directory whose node_modules holds @modelcontextprotocol/sdk (the Rust test copies
// this file next to the install in target/interop-node). Spawns the binary with
// StdioClientTransport, connects a Client (which initializes), lists the tools and calls them.
// Exits non-zero with a message on the first mismatch; prints one summary line on success. The
// server's stderr passes through to this script's stderr.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';

// Protocol versions up to this one answer bad arguments with a JSON-RPC error; later ones with an
// `isError: true` tool result.
const LAST_VERSION_WITH_PROTOCOL_ERRORS = '2025-06-18';
const TIMEOUT_MS = 60_000;

class Mismatch extends Error {}

function fail(message) {
  throw new Mismatch(message);
}

function check(condition, message) {
  if (!condition) fail(message);
}

const dump = (value) => JSON.stringify(value);

function sdkVersion() {
  const require = createRequire(import.meta.url);
  // The package's exports do not include package.json; find it from the resolved entry point.
  const entry = require.resolve('@modelcontextprotocol/sdk/client/index.js');
  const root = entry.slice(0, entry.lastIndexOf('/dist/'));
  return JSON.parse(readFileSync(`${root}/package.json`, 'utf8')).version;
}

function onlyText(result, what) {
  check(
    Array.isArray(result.content) && result.content.length === 1 && result.content[0].type === 'text',
    `${what}: expected one text content block, got ${dump(result)}`,
  );
  return result.content[0].text;
}

async function expectText(client, name, args, expected) {
  const result = await client.callTool({ name, arguments: args });
  const what = `callTool(${name}, ${dump(args)})`;
  check(!result.isError, `${what}: unexpected isError result ${dump(result)}`);
  const text = onlyText(result, what);
  check(text === expected, `${what}: expected text ${dump(expected)}, got ${dump(text)} in ${dump(result)}`);
}

async function run(binary) {
  const transport = new StdioClientTransport({ command: binary, args: ['--stdio'], stderr: 'inherit' });
  // The client hands the negotiated version to transports that want it (HTTP ones do); a stdio
  // transport does not, so record it here.
  let negotiated;
  transport.setProtocolVersion = (version) => {
    negotiated = version;
  };
  const client = new Client({ name: 'mcp-runtime-interop', version: '0.0.0' });
  try {
    await client.connect(transport);
    check(negotiated !== undefined, 'initialize: the client did not report a protocol version');
    check(client.getServerVersion()?.name === 'hello', `initialize: serverInfo is ${dump(client.getServerVersion())}`);
    check(client.getServerCapabilities()?.tools, `initialize: no tools capability in ${dump(client.getServerCapabilities())}`);

    const listed = await client.listTools();
    const names = listed.tools.map((tool) => tool.name);
    check(
      names.length === 3 && ['add', 'echo', 'divide'].every((name) => names.includes(name)),
      `listTools: expected exactly add, echo, divide, got ${dump(names)}`,
    );
    const tools = Object.fromEntries(listed.tools.map((tool) => [tool.name, tool]));
    for (const [name, required] of Object.entries({ add: ['a', 'b'], echo: ['message'], divide: ['a', 'b'] })) {
      const schema = tools[name].inputSchema;
      check(schema.type === 'object', `listTools: ${name} inputSchema is ${dump(schema)}`);
      check(
        dump([...(schema.required ?? [])].sort()) === dump(required),
        `listTools: ${name} inputSchema.required is ${dump(schema.required)}, expected ${dump(required)}`,
      );
    }

    await expectText(client, 'add', { a: 2, b: 3 }, '5');
    await expectText(client, 'echo', { message: 'héllo' }, 'héllo');

    const divided = await client.callTool({ name: 'divide', arguments: { a: 1, b: 0 } });
    check(divided.isError === true, `divide by zero: expected an isError result, got ${dump(divided)}`);
    const divideText = onlyText(divided, 'divide by zero');

    // Bad arguments: what the client surfaces depends on the negotiated version.
    let badArguments;
    if (negotiated <= LAST_VERSION_WITH_PROTOCOL_ERRORS) {
      let bad;
      try {
        bad = await client.callTool({ name: 'echo', arguments: { message: '' } });
      } catch (error) {
        check(error instanceof McpError && error.code === -32602, `echo(''): expected McpError -32602, got ${error}`);
        badArguments = `McpError ${error.code}`;
      }
      if (badArguments === undefined) {
        fail(`echo(''): protocol ${negotiated} expects a JSON-RPC error, got a result ${dump(bad)}`);
      }
    } else {
      let bad;
      try {
        bad = await client.callTool({ name: 'echo', arguments: { message: '' } });
      } catch (error) {
        fail(`echo(''): protocol ${negotiated} expects an isError result, got ${error}`);
      }
      check(bad.isError === true, `echo(''): expected an isError result, got ${dump(bad)}`);
      const error = bad.structuredContent?.error;
      check(error?.code === -32602, `echo(''): expected structuredContent.error.code -32602, got ${dump(bad)}`);
      check(
        (error.violations ?? []).some((v) => v.path === '/message' && v.keyword === 'minLength'),
        `echo(''): expected a /message minLength violation, got ${dump(bad)}`,
      );
      onlyText(bad, "echo('')");
      badArguments = 'isError result, structuredContent.error.code -32602 (/message minLength)';
    }

    return (
      `typescript @modelcontextprotocol/sdk ${sdkVersion()} on node ${process.versions.node}: ` +
      `protocolVersion ${negotiated}; tools add,divide,echo; add(2,3)='5'; echo='héllo'; ` +
      `divide(1,0) isError ${dump(divideText)}; echo('') -> ${badArguments}`
    );
  } finally {
    await client.close();
  }
}

async function main() {
  if (process.argv.length !== 3) {
    console.error('usage: node ts_stdio_client.mjs PATH_TO_HELLO_BINARY');
    return 2;
  }
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Mismatch(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
  });
  try {
    const summary = await Promise.race([run(process.argv[2]), timeout]);
    console.log(summary);
    return 0;
  } catch (error) {
    if (error instanceof Mismatch) {
      console.error(`typescript interop FAILED: ${error.message}`);
    } else {
      console.error('typescript interop FAILED:', error);
    }
    return 1;
  } finally {
    clearTimeout(timer);
  }
}

process.exitCode = await main();
