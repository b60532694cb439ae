// Interop check: the official TypeScript SDK 1.x client meets a server that needs a token.
// With no token it must read the server's 401 challenge (`WWW-Authenticate: Bearer
// resource_metadata=…, scope=…`), fetch the RFC 9728 document it names, find the authorization
// server listed there, read that server's RFC 8414 metadata, and send the user to its
// authorization endpoint with PKCE and the `resource` parameter (RFC 8707). The "user" is this
// script: the authorization URL is recorded and printed as JSON instead of opened.
//
// Usage: node ts_oauth_discovery.mjs URL
//
// Prints one JSON line: {"authorizationUrl": …, "resourceMetadata": …, "authorizationServer": …}.

const TIMEOUT_MS = 60_000;

class RecordingProvider {
  constructor() {
    this.authorizationUrl = undefined;
    this.discovery = undefined;
    this.verifier = undefined;
  }
  get redirectUrl() { return 'http://127.0.0.1:9/callback'; }
  get clientMetadata() {
    return { client_name: 'mcp-runtime-interop', redirect_uris: [this.redirectUrl], grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'none' };
  }
  // Pre-registered: no dynamic registration is needed to reach the authorization step.
  clientInformation() { return { client_id: 'interop-client' }; }
  tokens() { return undefined; }
  saveTokens() {}
  redirectToAuthorization(url) { this.authorizationUrl = url; }
  saveCodeVerifier(verifier) { this.verifier = verifier; }
  codeVerifier() { return this.verifier; }
  saveDiscoveryState(state) { this.discovery = state; }
  discoveryState() { return undefined; }
}

async function run(url) {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  const { UnauthorizedError } = await import('@modelcontextprotocol/sdk/client/auth.js');
  const provider = new RecordingProvider();
  const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
  const client = new Client({ name: 'mcp-runtime-interop', version: '0.0.0' });
  try {
    await client.connect(transport);
    throw new Error('connected without a token');
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
  }
  if (!provider.authorizationUrl) throw new Error('the client never reached the authorization step');
  return JSON.stringify({
    authorizationUrl: provider.authorizationUrl.toString(),
    resourceMetadata: provider.discovery?.resourceMetadata,
    authorizationServer: provider.discovery?.authorizationServerUrl,
  });
}

const timer = setTimeout(() => {
  console.error(`typescript oauth discovery FAILED: no result within ${TIMEOUT_MS} ms`);
  process.exit(1);
}, TIMEOUT_MS);
try {
  if (process.argv.length !== 3) {
    console.error('usage: node ts_oauth_discovery.mjs URL');
    process.exitCode = 2;
  } else {
    console.log(await run(process.argv[2]));
  }
} catch (error) {
  console.error(`typescript oauth discovery FAILED: ${error.stack ?? error}`);
  process.exitCode = 1;
} finally {
  clearTimeout(timer);
}
