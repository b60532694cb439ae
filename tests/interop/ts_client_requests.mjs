// Interop check: the official TypeScript clients answer the test server's requests to the
// client over Streamable HTTP. Without --modern: @modelcontextprotocol/sdk 1.x (2025-11-25)
// answers sampling/createMessage and elicitation/create sent on the call's SSE stream, and
// reconnects with Last-Event-ID when the server closes that stream mid-call (SEP-1699). With
// --modern: @modelcontextprotocol/client 2.x pinned to 2026-07-28 fulfils the same requests
// as input_required rounds (Multi Round-Trip Requests) inside callTool.
//
// Usage: node ts_client_requests.mjs URL [--modern]
//
// Run from beside node_modules (the Rust test copies it into target/interop-node). Exits
// non-zero with a message on the first mismatch; prints one summary line on success.

const TIMEOUT_MS = 60_000;

class Mismatch extends Error {}

function check(condition, message) {
  if (!condition) throw new Mismatch(message);
}

const dump = (value) => JSON.stringify(value);
const text = (result) => result.content?.[0]?.text ?? '';
const capabilities = { sampling: {}, elicitation: { form: {}, url: {} } };

// What the handlers saw, for the checks.
const seen = [];

function sample(request) {
  seen.push(request.params);
  const prompt = request.params.messages.at(-1)?.content?.text ?? '';
  return { role: 'assistant', model: 'interop-model', stopReason: 'endTurn', content: { type: 'text', text: `echo ${prompt}` } };
}

function elicit(request) {
  const params = request.params;
  seen.push(params);
  if (params.mode === 'url') return { action: 'accept' };
  const properties = params.requestedSchema?.properties ?? {};
  if ('verified' in properties) return { action: 'decline' };
  if ('username' in properties) return { action: 'accept', content: { username: 'ada', email: 'ada@example.com' } };
  if ('age' in properties) return { action: 'accept', content: { age: 36 } };
  if ('name' in properties && !('age' in properties)) return { action: 'accept', content: { name: 'Ada' } };
  return { action: 'decline' };
}

async function exercise(client, era) {
  const sampled = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'capital of France?' } });
  check(text(sampled) === 'LLM response: echo capital of France? (model interop-model)', `test_sampling: ${dump(sampled)}`);

  if (era === 'legacy') {
    const form = await client.callTool({ name: 'test_elicitation', arguments: { message: 'Who are you?' } });
    check(
      text(form) === 'action=accept, content={"email":"ada@example.com","username":"ada"}',
      `test_elicitation: ${dump(form)}`,
    );
    const url = await client.callTool({ name: 'test_elicitation_url', arguments: {} });
    const urlParams = seen.find((p) => p.mode === 'url');
    check(urlParams?.elicitationId === 'e-42' && urlParams?.url === 'https://example.com/connect', `url params ${dump(urlParams)}`);
    check(text(url) === 'action=accept, content={}', `test_elicitation_url: ${dump(url)}`);
    const defaults = await client.callTool({ name: 'test_elicitation_sep1034_defaults', arguments: {} });
    const schema = seen.at(-1)?.requestedSchema?.properties ?? {};
    check(
      schema.name?.default === 'John Doe' && schema.age?.default === 30 && schema.score?.default === 95.5 &&
        schema.status?.default === 'active' && schema.verified?.default === true,
      `SEP-1034 defaults: ${dump(schema)}`,
    );
    check(text(defaults).startsWith('Elicitation completed: action=decline'), `defaults: ${dump(defaults)}`);
    // SEP-1699: the server closes the call's stream; the client resumes it and gets the answer.
    const reconnected = await client.callTool({ name: 'test_reconnection', arguments: { ms: 300 } });
    check(text(reconnected) === 'Reconnection test completed (stream closed: true)', `test_reconnection: ${dump(reconnected)}`);
    return 'sampling, form, url and SEP-1034 elicitation answered; stream closed mid-call and resumed';
  }
  const rounds = await client.callTool({ name: 'test_two_questions', arguments: {} });
  check(
    text(rounds) === 'action=accept, content={"name":"Ada"} / action=accept, content={"age":36}',
    `test_two_questions: ${dump(rounds)}`,
  );
  return 'sampling and two elicitations answered through input_required rounds';
}

async function runLegacy(url) {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  const { CreateMessageRequestSchema, ElicitRequestSchema } = await import('@modelcontextprotocol/sdk/types.js');
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    reconnectionOptions: { initialReconnectionDelay: 50, maxReconnectionDelay: 1000, reconnectionDelayGrowFactor: 1.5, maxRetries: 5 },
  });
  const client = new Client({ name: 'mcp-runtime-interop', version: '0.0.0' }, { capabilities });
  client.setRequestHandler(CreateMessageRequestSchema, sample);
  client.setRequestHandler(ElicitRequestSchema, elicit);
  await client.connect(transport);
  try {
    check(transport.protocolVersion === '2025-11-25', `negotiated ${transport.protocolVersion}`);
    const done = await exercise(client, 'legacy');
    return `typescript sdk over HTTP, 2025-11-25: ${done}`;
  } finally {
    await client.close();
  }
}

async function runModern(url) {
  const { Client, StreamableHTTPClientTransport } = await import('@modelcontextprotocol/client');
  const transport = new StreamableHTTPClientTransport(new URL(url));
  const client = new Client(
    { name: 'mcp-runtime-interop', version: '0.0.0' },
    { capabilities, versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  client.setRequestHandler('sampling/createMessage', sample);
  client.setRequestHandler('elicitation/create', elicit);
  await client.connect(transport);
  try {
    check(client.getNegotiatedProtocolVersion() === '2026-07-28', `negotiated ${client.getNegotiatedProtocolVersion()}`);
    const done = await exercise(client, 'modern');
    return `typescript client 2.x over HTTP, 2026-07-28: ${done}`;
  } finally {
    await client.close();
  }
}

async function main() {
  const modern = process.argv.includes('--modern');
  const rest = process.argv.slice(2).filter((arg) => arg !== '--modern');
  if (rest.length !== 1) {
    console.error('usage: node ts_client_requests.mjs URL [--modern]');
    return 2;
  }
  const timer = setTimeout(() => {
    console.error(`typescript client-requests interop FAILED: no result within ${TIMEOUT_MS} ms`);
    process.exit(1);
  }, TIMEOUT_MS);
  try {
    console.log(await (modern ? runModern(rest[0]) : runLegacy(rest[0])));
    return 0;
  } catch (error) {
    console.error(`typescript client-requests interop FAILED: ${error instanceof Mismatch ? error.message : error.stack ?? error}`);
    return 1;
  } finally {
    clearTimeout(timer);
  }
}

process.exitCode = await main();
