use super::*;

#[test]
fn series_are_named_by_the_conventions_and_labelled_from_static_sets() {
    register_tool("metrics_test_tool");
    invocation("tools/call", "metrics_test_tool", "timeout", "timeout", 0.3);
    schema_validation_failed("metrics_test_tool");
    request("tools/call", "modern");
    auth_failed("invalid_token");
    rate_limited("tool");
    limiter_fallback(true);
    build_info("metrics-test", "1.2.3");
    let held = call_running();
    assert!(calls_in_flight() >= 1);
    let text = encode_text();
    drop(held);
    for line in [
        "mcp_server_tool_calls_total{gen_ai_tool_name=\"metrics_test_tool\",outcome=\"ok\"} 0",
        "mcp_server_tool_calls_total{gen_ai_tool_name=\"metrics_test_tool\",outcome=\"timeout\"} 1",
        "# TYPE mcp_server_operation_duration_seconds histogram",
        "mcp_server_operation_duration_seconds_bucket{le=\"0.5\",mcp_method_name=\"tools/call\",gen_ai_tool_name=\"metrics_test_tool\",error_type=\"timeout\"} 1",
        "mcp_server_schema_validation_failures_total{gen_ai_tool_name=\"metrics_test_tool\"} 1",
        "mcp_server_requests_total{mcp_method_name=\"tools/call\",era=\"modern\"} ",
        "mcp_server_auth_failures_total{reason=\"invalid_token\"} ",
        "mcp_server_rate_limited_total{layer=\"tool\"} ",
        "mcp_server_limiter_fallback 1",
        "mcp_server_build_info{server_name=\"metrics-test\",server_version=\"1.2.3\"",
        "# EOF",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
}

#[test]
fn the_classic_format_names_counters_by_their_samples() {
    request("ping", "legacy");
    let classic = encode_classic();
    assert!(
        classic.contains("# HELP mcp_server_requests_total "),
        "{classic}"
    );
    assert!(
        classic.contains("# TYPE mcp_server_requests_total counter"),
        "{classic}"
    );
    assert!(classic.contains("# TYPE mcp_server_operation_duration_seconds histogram"));
    assert!(
        !classic.contains("# EOF") && !classic.contains("# UNIT"),
        "{classic}"
    );
}
