//! JWT bearer tokens as an attacker would try them, against `test-server` over real HTTP on
//! 127.0.0.1, with two issuers' keys served by a real JWKS (one configured, one discovered from
//! RFC 8414 metadata) and the server's own HS256 secret. Every refusal has its status and
//! challenge; the server keeps serving; no token reaches the log, at trace level.

use std::time::Duration;

use mcp_tests::auth::{IdentityProvider, TestKey, claims, now, rsa1_public_pem, sign_hs256};
use mcp_tests::http::{Client, HttpServer, Reply, header_refs, modern_request};
use serde_json::{Value, json};

const SECRET: &str = "an-hs256-secret-of-at-least-32-bytes!";
const SELF_ISSUER: &str = "https://auth.test.example";

/// `tools/call test_whoami` on 2026-07-28 (each request authenticated on its own), with
/// `authorization` as the whole header value.
async fn whoami(client: &Client, authorization: Option<&str>) -> Reply {
    let (message, headers) = modern_request(1, "tools/call", json!({"name": "test_whoami"}));
    let mut headers = header_refs(&headers);
    if let Some(value) = authorization {
        headers.push(("authorization", value));
    }
    client.post(&message, &headers).await
}

fn challenge(reply: &Reply) -> &str {
    reply
        .header("www-authenticate")
        .unwrap_or_else(|| panic!("no challenge: {reply:?}"))
}

/// A 401 `invalid_token` whose description says `why`, with the JSON-RPC body.
fn assert_invalid_token(reply: &Reply, why: &str) {
    assert_eq!(reply.status, 401, "{why}: {reply:?}");
    let challenge = challenge(reply);
    assert!(
        challenge.starts_with("Bearer resource_metadata=\""),
        "{challenge}"
    );
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    assert!(challenge.contains(why), "{why} not in {challenge}");
    assert_eq!(reply.json()["error"]["code"], -32600, "{reply:?}");
}

struct Setup {
    provider: IdentityProvider,
    server: HttpServer,
    client: Client,
    audience: String,
    keys: [TestKey; 3],
}

async fn setup() -> Setup {
    let keys = [
        TestKey::load("rsa1"),
        TestKey::load("ed"),
        TestKey::load("ec"),
    ];
    let provider = IdentityProvider::start(&[&keys[0], &keys[1]], &[&keys[2]]).await;
    let issuers = provider.issuers_variable();
    let server = HttpServer::spawn(
        env!("CARGO_BIN_EXE_test-server"),
        &[
            ("MCP_LOG", "trace"),
            ("MCP_AUTH_ISSUERS", &issuers),
            ("MCP_JWT_SECRET", SECRET),
            ("MCP_JWT_ISSUER", SELF_ISSUER),
            ("MCP_AUTH_AUDIENCE", "https://mcp.test.example/mcp"),
            ("MCP_AUTH_TENANT_CLAIM", "org"),
            ("MCP_JWKS_COOLDOWN", "30s"),
        ],
    );
    let client = Client::new(server.url());
    Setup {
        provider,
        server,
        client,
        audience: "https://mcp.test.example/mcp".to_owned(),
        keys,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn valid_tokens_of_every_kind_give_their_principal() {
    let Setup {
        provider,
        server,
        client,
        audience,
        keys,
    } = setup().await;
    let [rsa, ed, ec] = &keys;
    let mut with_org = claims(
        &provider.issuer_a(),
        &audience,
        "alice",
        "probe:read things:read",
    );
    with_org["org"] = json!("acme");
    with_org["email"] = json!("alice@example.com");
    let rs256 = rsa.sign(&with_org);
    let reply = whoami(&client, Some(&format!("Bearer {rs256}"))).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let who = &reply.json()["result"]["structuredContent"]["result"];
    assert_eq!(who["subject"], "alice");
    assert_eq!(who["tenant"], "acme");
    assert_eq!(who["email"], "alice@example.com");
    assert_eq!(who["scopes"], json!(["probe:read", "things:read"]));
    // RFC 9110 §11.1: the scheme is case-insensitive.
    let lower = whoami(&client, Some(&format!("bearer {rs256}"))).await;
    assert_eq!(lower.status, 200, "{lower:?}");

    let tokens = [
        ed.sign(&claims(
            &provider.issuer_a(),
            &audience,
            "ed-user",
            "probe:read",
        )),
        // Issuer b's keys are found through its metadata (RFC 8414).
        ec.sign(&claims(
            &provider.issuer_b(),
            &audience,
            "ec-user",
            "probe:read",
        )),
        sign_hs256(
            SECRET.as_bytes(),
            &claims(SELF_ISSUER, &audience, "hs-user", "probe"),
        ),
    ];
    for (token, subject) in tokens.iter().zip(["ed-user", "ec-user", "hs-user"]) {
        let reply = whoami(&client, Some(&format!("Bearer {token}"))).await;
        assert_eq!(reply.status, 200, "{subject}: {reply:?}");
        assert_eq!(
            reply.json()["result"]["structuredContent"]["result"]["subject"],
            subject
        );
    }
    assert_eq!(
        provider.fetches(),
        (1, 1),
        "each issuer's keys fetched once, then cached"
    );

    let log = server.stderr();
    for token in tokens.iter().chain([&rs256]) {
        assert!(!log.contains(token.as_str()), "a token reached the log");
    }
    assert!(
        !log.contains("alice@example.com") && !log.contains("\"alice\""),
        "{log}"
    );
    assert!(
        log.contains("principal_hash"),
        "tool-call lines carry the principal's digest"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_forged_or_stale_token_is_refused_and_the_server_keeps_serving() {
    let Setup {
        provider,
        server,
        client,
        audience,
        keys,
    } = setup().await;
    let rsa = &keys[0];
    let issuer = provider.issuer_a();
    let valid = claims(&issuer, &audience, "mallory", "probe:read");
    let with = |change: &dyn Fn(&mut Value)| {
        let mut claims = valid.clone();
        change(&mut claims);
        claims
    };
    let good = rsa.sign(&valid);
    let (head, rest) = good.split_once('.').unwrap();
    let signature = rest.split_once('.').unwrap().1;
    let b64 = |value: &Value| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
    };
    let tampered = format!(
        "{head}.{}.{signature}",
        b64(&with(&|c| c["sub"] = json!("admin")))
    );
    let unsigned = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&valid)
    );
    let mut no_kid = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    no_kid.kid = None;
    let missing_kid = jsonwebtoken::encode(&no_kid, &valid, &rsa.key).unwrap();
    let cases: Vec<(String, &str)> = vec![
        (
            rsa.sign(&with(&|c| c["exp"] = json!(now() - 120))),
            "expired",
        ),
        (
            rsa.sign(&with(&|c| c["nbf"] = json!(now() + 600))),
            "not valid yet",
        ),
        (
            rsa.sign(&with(&|c| c["aud"] = json!("https://other.example/mcp"))),
            "not issued for this server",
        ),
        (
            rsa.sign(&with(&|c| c["iss"] = json!("https://evil.example"))),
            "issuer is not trusted",
        ),
        (
            rsa.sign(&with(&|c| {
                c.as_object_mut().unwrap().remove("aud");
            })),
            "lacks exp, iss, aud or sub",
        ),
        (unsigned, "malformed"),
        // The RSA public key, public to everyone, used as an HMAC secret.
        (
            sign_hs256(&rsa1_public_pem(), &valid),
            "algorithm is not accepted for its issuer",
        ),
        (tampered, "signature is invalid"),
        (missing_kid, "names no key"),
        ("abc.def.ghi".to_owned(), "malformed"),
    ];
    for (token, why) in &cases {
        let reply = whoami(&client, Some(&format!("Bearer {token}"))).await;
        assert_invalid_token(&reply, why);
    }

    let none = whoami(&client, None).await;
    assert_eq!(none.status, 401, "{none:?}");
    let bare = challenge(&none);
    assert!(
        !bare.contains("error="),
        "no error code without credentials: {bare}"
    );
    assert!(
        bare.contains("scope=\"probe:read things:read things:write\""),
        "{bare}"
    );
    let (message, headers) = modern_request(1, "tools/call", json!({"name": "test_whoami"}));
    let query = Client::new(format!("{}?access_token={good}", server.url()));
    let mut refs = header_refs(&headers);
    let in_query = query.post(&message, &refs).await;
    assert_eq!(in_query.status, 400, "{in_query:?}");
    assert!(challenge(&in_query).contains("error=\"invalid_request\""));
    let huge = format!("Bearer {}", "a".repeat(9 * 1024));
    refs.push(("authorization", &huge));
    let oversized = client.post(&message, &refs).await;
    assert_invalid_token(&oversized, "too large");

    let still = whoami(&client, Some(&format!("Bearer {good}"))).await;
    assert_eq!(still.status, 200, "the server keeps serving: {still:?}");
    let log = server.stderr();
    for (token, _) in &cases {
        assert!(
            !log.contains(token.as_str()),
            "a refused token reached the log"
        );
    }
    assert!(!log.contains(&good));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rotated_key_is_fetched_once_and_junk_kids_do_not_hammer_the_issuer() {
    let Setup {
        provider,
        server: _running,
        client,
        audience,
        keys,
    } = setup().await;
    let token = keys[0].sign(&claims(&provider.issuer_a(), &audience, "u", "probe:read"));
    assert_eq!(
        whoami(&client, Some(&format!("Bearer {token}")))
            .await
            .status,
        200
    );
    assert_eq!(provider.fetches().0, 1);
    // The issuer starts signing with a new key: the first token naming it fetches the set again.
    let rotated = TestKey::load("rsa2");
    provider.rotate_in(&rotated);
    let fresh = rotated.sign(&claims(&provider.issuer_a(), &audience, "u", "probe:read"));
    let reply = whoami(&client, Some(&format!("Bearer {fresh}"))).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(provider.fetches().0, 2);
    // A flood of unknown kids inside the cooldown fetches nothing more, and is refused.
    let mut flood = Vec::new();
    for n in 0..50 {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some(format!("junk-{n}"));
        let claims = claims(&provider.issuer_a(), &audience, "u", "probe:read");
        let junk = jsonwebtoken::encode(&header, &claims, &keys[0].key).unwrap();
        let client = client.clone();
        flood.push(tokio::spawn(async move {
            whoami(&client, Some(&format!("Bearer {junk}")))
                .await
                .status
        }));
    }
    for refused in flood {
        assert_eq!(refused.await.unwrap(), 401);
    }
    assert_eq!(provider.fetches().0, 2, "no fetch inside the cooldown");
    // Keys already known keep working throughout.
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(
        whoami(&client, Some(&format!("Bearer {token}")))
            .await
            .status,
        200
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_issuer_that_never_answers_holds_only_its_own_tokens_and_only_until_the_deadline() {
    // Accepts connections and never says a word.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}/silent", silent.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut sockets = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            sockets.push(socket);
        }
    });
    let issuers = format!("{issuer} {issuer}/jwks.json");
    let server = HttpServer::spawn(
        env!("CARGO_BIN_EXE_test-server"),
        &[
            ("MCP_AUTH_ISSUERS", &issuers),
            ("MCP_API_KEYS", "probe k_probe_0123456789abcdef probe:read"),
            ("MCP_AUTH_AUDIENCE", "https://mcp.test.example/mcp"),
        ],
    );
    let client = Client::new(server.url());
    let key = TestKey::load("rsa1");
    let token = key.sign(&claims(
        &issuer,
        "https://mcp.test.example/mcp",
        "u",
        "probe:read",
    ));
    let started = std::time::Instant::now();
    let stuck = {
        let client = client.clone();
        tokio::spawn(async move { whoami(&client, Some(&format!("Bearer {token}"))).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Meanwhile everyone else is served at once.
    let other = whoami(&client, Some("Bearer k_probe_0123456789abcdef")).await;
    assert_eq!(other.status, 200, "{other:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let refused = stuck.await.unwrap();
    assert_invalid_token(&refused, "keys are unavailable");
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_secs(8),
        "the fetch deadline is 5 s: {waited:?}"
    );
    held.abort();
}
