use serde_json::json;

use super::*;

fn keywords(schema: Value, instance: Value) -> Vec<(String, String)> {
    let compiled = compile(&schema).expect("schema compiles");
    compiled
        .violations(&instance)
        .into_iter()
        .map(|v| (v.path, v.keyword))
        .collect()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(p, k)| (p.to_string(), k.to_string()))
        .collect()
}

#[test]
fn every_violation_is_listed_with_its_path() {
    let schema = json!({
        "type": "object",
        "properties": {
            "query": {"type": "string", "minLength": 1, "maxLength": 5},
            "limit": {"type": "integer", "minimum": 1, "maximum": 50},
            "id": {"type": "string", "pattern": "^T-\\d+$"},
            "status": {"type": "string", "enum": ["open", "closed"]}
        },
        "required": ["query", "id"],
        "additionalProperties": false
    });
    let found = keywords(
        schema,
        json!({"query": "toolong", "limit": 51, "status": "gone", "extra": 1}),
    );
    assert_eq!(
        found,
        pairs(&[
            ("/extra", "additionalProperties"),
            ("/id", "required"),
            ("/limit", "maximum"),
            ("/query", "maxLength"),
            ("/status", "enum")
        ])
    );
}

#[test]
fn type_errors_are_reported_alone() {
    let schema = json!({"type": "integer", "minimum": 3});
    let compiled = compile(&schema).unwrap();
    let violations = compiled.violations(&json!("x"));
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].message, "must be an integer, not a string");
}

#[test]
fn messages_never_repeat_the_value() {
    let schema = json!({"type": "string", "maxLength": 3, "pattern": "^[a-z]+$"});
    let compiled = compile(&schema).unwrap();
    for v in compiled.violations(&json!("SECRET-VALUE")) {
        assert!(!v.message.contains("SECRET"), "{}", v.message);
    }
}

#[test]
fn lengths_count_code_points() {
    let schema = json!({"type": "string", "maxLength": 2});
    assert!(compile(&schema).unwrap().is_valid(&json!("éé")));
    assert!(!compile(&schema).unwrap().is_valid(&json!("ééé")));
}

#[test]
fn integers_and_large_numbers_compare_exactly() {
    let schema = json!({"type": "integer", "maximum": 9007199254740993u64});
    let compiled = compile(&schema).unwrap();
    assert!(compiled.is_valid(&json!(9007199254740993u64)));
    assert!(!compiled.is_valid(&json!(9007199254740994u64)));
    assert!(
        compile(&json!({"type": "integer"}))
            .unwrap()
            .is_valid(&json!(2.0))
    );
    assert!(
        !compile(&json!({"type": "integer"}))
            .unwrap()
            .is_valid(&json!(2.5))
    );
    assert!(
        compile(&json!({"minimum": -1}))
            .unwrap()
            .is_valid(&json!(u64::MAX))
    );
    assert!(
        !compile(&json!({"maximum": -1}))
            .unwrap()
            .is_valid(&json!(u64::MAX))
    );
}

#[test]
fn refs_into_defs_and_recursion() {
    let schema = json!({
        "type": "object",
        "properties": {"node": {"$ref": "#/$defs/Node"}},
        "$defs": {"Node": {"type": "object", "properties": {"next": {"$ref": "#/$defs/Node"}, "n": {"type": "integer"}}}}
    });
    assert_eq!(
        keywords(schema, json!({"node": {"next": {"next": {"n": "x"}}}})),
        pairs(&[("/node/next/next/n", "type")])
    );
}

#[test]
fn combinators() {
    let one_of = json!({"oneOf": [{"const": "a"}, {"const": "b"}]});
    let compiled = compile(&one_of).unwrap();
    assert!(compiled.is_valid(&json!("a")));
    let violations = compiled.violations(&json!("c"));
    assert_eq!(violations[0].keyword, "oneOf");
    assert_eq!(violations[0].message, "must be one of: \"a\", \"b\"");
    assert!(
        !compile(&json!({"anyOf": [{"type": "string"}, {"type": "integer"}]}))
            .unwrap()
            .is_valid(&json!(true))
    );
    assert!(
        !compile(&json!({"not": {"type": "null"}}))
            .unwrap()
            .is_valid(&json!(null))
    );
    assert!(
        !compile(&json!({"allOf": [{"minimum": 1}, {"maximum": 2}]}))
            .unwrap()
            .is_valid(&json!(3))
    );
    let conditional =
        json!({"if": {"minimum": 10}, "then": {"multipleOf": 5}, "else": {"maximum": 3}});
    assert!(compile(&conditional).unwrap().is_valid(&json!(15)));
    assert!(!compile(&conditional).unwrap().is_valid(&json!(12)));
    assert!(!compile(&conditional).unwrap().is_valid(&json!(5)));
}

#[test]
fn arrays() {
    let schema = json!({"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 3, "uniqueItems": true});
    assert_eq!(
        keywords(schema.clone(), json!([1, 1.0])),
        pairs(&[("", "uniqueItems")])
    );
    assert_eq!(
        keywords(schema.clone(), json!([1, "x"])),
        pairs(&[("/1", "type")])
    );
    assert_eq!(keywords(schema, json!([])), pairs(&[("", "minItems")]));
    let tuple = json!({"prefixItems": [{"type": "string"}], "items": false});
    assert_eq!(keywords(tuple, json!(["a", 1])), pairs(&[("/1", "false")]));
}

#[test]
fn pointer_segments_are_escaped() {
    let schema = json!({"type": "object", "properties": {"a/b": {"type": "string"}}});
    assert_eq!(
        keywords(schema, json!({"a/b": 1})),
        pairs(&[("/a~1b", "type")])
    );
}

#[test]
fn unenforceable_schemas_are_refused_with_every_problem() {
    let problems = compile(&json!({
        "properties": {"a": {"pattern": "("}, "b": {"$ref": "#/$defs/Missing"}},
        "unevaluatedProperties": false
    }))
    .unwrap_err();
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(problems.iter().any(|p| p.contains("unevaluatedProperties")));
}

#[test]
fn ecma_digits_do_not_match_other_scripts() {
    let compiled = compile(&json!({"type": "string", "pattern": "^T-\\d+$"})).unwrap();
    assert!(compiled.is_valid(&json!("T-12")));
    assert!(!compiled.is_valid(&json!("T-١٢")));
}

fn valid(schema: Value, instance: Value) -> bool {
    compile(&schema)
        .expect("schema compiles")
        .is_valid(&instance)
}

fn refused(schema: Value, fragment: &str) {
    let problems = compile(&schema).expect_err("schema is refused");
    assert!(
        problems.iter().any(|p| p.contains(fragment)),
        "{problems:?} lacks {fragment}"
    );
}

#[test]
fn multiple_of_is_exact() {
    // A tolerance would take near-integers for multiples, and u64s rounded to floats are even.
    assert!(!valid(json!({"multipleOf": 1}), json!(1.0000000001)));
    assert!(!valid(json!({"multipleOf": 1}), json!(1e-10)));
    assert!(!valid(json!({"multipleOf": 2}), json!(u64::MAX)));
    assert!(valid(json!({"multipleOf": 2}), json!(u64::MAX - 1)));
    assert!(!valid(json!({"multipleOf": 3}), json!(1e20)));
    assert!(valid(json!({"multipleOf": 0.01}), json!(19.99)));
    assert!(!valid(json!({"multipleOf": 0.01}), json!(0.075)));
    assert!(valid(json!({"multipleOf": 0.0001}), json!(0.0075)));
    assert!(valid(json!({"multipleOf": 0.5}), json!(1e308)));
    assert!(valid(json!({"multipleOf": 1e-5}), json!(-3)));
    assert!(valid(json!({"multipleOf": 0.1}), json!(0)));
    refused(json!({"multipleOf": 0}), "greater than 0");
}

#[test]
fn integers_and_floats_compare_exactly() {
    let above = 9_007_199_254_740_993u64; // 2^53 + 1: no f64 has this value
    assert!(valid(
        json!({"exclusiveMaximum": above}),
        json!(9_007_199_254_740_992.0)
    ));
    assert!(!valid(
        json!({"const": above}),
        json!(9_007_199_254_740_992.0)
    ));
    assert!(!valid(
        json!({"minimum": 18_446_744_073_709_551_615.0}),
        json!(u64::MAX)
    ));
    assert!(valid(json!({"enum": [2.0]}), json!(2)));
    assert!(!valid(json!({"maximum": 2}), json!(2.5)));
    assert!(valid(json!({"minimum": -2}), json!(-1.5)));
}

#[test]
fn dependent_schemas_apply_when_the_property_is_present() {
    let schema = json!({"dependentSchemas": {"card": {"required": ["billing"]}, "x": false}});
    assert!(valid(schema.clone(), json!({"name": 1})));
    assert!(valid(schema.clone(), json!({"card": 1, "billing": 2})));
    assert_eq!(
        keywords(schema.clone(), json!({"card": 1})),
        pairs(&[("/billing", "required")])
    );
    assert!(!valid(schema.clone(), json!({"x": 1})));
    assert!(valid(schema, json!(["card"])));
}

#[test]
fn counts_may_be_whole_floats() {
    assert!(!valid(json!({"maxLength": 2.0}), json!("abc")));
    assert!(valid(json!({"minItems": 1.0}), json!([1])));
    refused(json!({"minItems": 1.5}), "non-negative integer");
}

#[test]
fn min_contains_zero_allows_no_match() {
    let schema = json!({"contains": {"type": "string"}, "minContains": 0, "maxContains": 1});
    assert!(valid(schema.clone(), json!([])));
    assert!(valid(schema.clone(), json!([1])));
    assert!(!valid(schema, json!(["a", "b"])));
}

#[test]
fn patterns_have_their_ecma_meaning() {
    assert!(valid(json!({"pattern": "^[a[b]]$"}), json!("[]")));
    assert!(!valid(json!({"pattern": "^[a[b]]$"}), json!("b")));
    assert!(valid(json!({"pattern": "^[a&&b]$"}), json!("&")));
    assert!(!valid(json!({"pattern": "^[]a]$"}), json!("a")));
    assert!(!valid(json!({"pattern": "^.$"}), json!("\r")));
    assert!(valid(json!({"pattern": "a\\b"}), json!("aé")));
    assert!(valid(json!({"pattern": "^[\\W]$"}), json!("é")));
    assert!(valid(json!({"pattern": "^\\s$"}), json!("\u{FEFF}")));
    assert!(!valid(json!({"pattern": "^\\s$"}), json!("\u{85}")));
    assert!(valid(
        json!({"patternProperties": {"^\\w+$": false}}),
        json!({"é": 1})
    ));
    refused(
        json!({"pattern": "(?i)a"}),
        "not a supported regular expression",
    );
    // The message quotes the schema's pattern, not its translation.
    let compiled = compile(&json!({"pattern": "^a.$"})).unwrap();
    assert_eq!(
        compiled.violations(&json!("b"))[0].message,
        "must match the pattern `^a.$`"
    );
}

#[test]
fn endless_reference_cycles_are_refused() {
    refused(json!({"$ref": "#"}), "never end");
    refused(
        json!({
            "$defs": {"a": {"anyOf": [{"$ref": "#/$defs/b"}]}, "b": {"not": {"$ref": "#/$defs/a"}}},
            "$ref": "#/$defs/a"
        }),
        "never end",
    );
    // Recursion through the instance ends with the instance.
    let tree = json!({"$defs": {"t": {"items": {"$ref": "#/$defs/t"}}}, "$ref": "#/$defs/t"});
    assert!(valid(tree, json!([[[]], []])));
}

#[test]
fn refs_inside_embedded_resources_are_refused() {
    // Here `#/$defs/b` means the embedded resource's own `b`, and `#` the resource itself.
    refused(
        json!({
            "$defs": {
                "a": {"$id": "http://example.com/a", "$defs": {"b": {"type": "string"}}, "$ref": "#/$defs/b"},
                "b": {"type": "integer"}
            },
            "$ref": "#/$defs/a"
        }),
        "own `$id`",
    );
    refused(
        json!({"properties": {"x": {"$id": "http://example.com/x", "items": {"$ref": "#"}}}}),
        "own `$id`",
    );
    // A root `$id` changes nothing.
    let rooted = json!({"$id": "http://example.com/root", "$defs": {"n": {"type": "integer"}}, "$ref": "#/$defs/n"});
    assert!(!valid(rooted, json!("x")));
}

#[test]
fn refs_are_percent_decoded() {
    let schema = json!({
        "$defs": {"a%b": {"type": "string"}, "a%25b": {"type": "integer"}, "q\"": {"type": "null"}},
        "properties": {"p": {"$ref": "#/$defs/a%25b"}, "q": {"$ref": "#/$defs/q%22"}}
    });
    assert!(valid(schema.clone(), json!({"p": "x", "q": null})));
    assert!(!valid(schema, json!({"p": 1})));
    refused(json!({"$ref": "#/$defs/a%2"}), "does not point");
}

#[test]
fn other_dialects_are_refused() {
    assert!(valid(
        json!({"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "null"}),
        json!(null)
    ));
    // Under draft-07, `maximum` beside `$ref` would be ignored.
    refused(
        json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "definitions": {"a": {"type": "integer"}},
            "properties": {"x": {"$ref": "#/definitions/a", "maximum": 1}}
        }),
        "2020-12",
    );
}

#[test]
fn messages_never_repeat_the_value_under_any_keyword() {
    let schema = json!({
        "type": "object",
        "properties": {
            "s": {"pattern": "^[a-z]+$", "maxLength": 3, "enum": ["abc"]},
            "n": {"multipleOf": 7, "maximum": 1},
            "a": {"uniqueItems": true, "contains": {"const": 0}, "maxItems": 1}
        },
        "dependentSchemas": {"s": {"required": ["SECRET-NAME-IS-SCHEMA"]}},
        "propertyNames": {"maxLength": 20},
        "additionalProperties": false
    });
    let compiled = compile(&schema).unwrap();
    let instance = json!({
        "s": "SECRET-VALUE",
        "n": 123456789,
        "a": ["SECRET-ITEM", "SECRET-ITEM"],
        "SECRET-KEY-THAT-IS-TOO-LONG": 1
    });
    let violations = compiled.violations(&instance);
    assert!(violations.len() >= 8, "{violations:?}");
    for v in violations {
        assert!(!v.message.contains("SECRET-VALUE"), "{}", v.message);
        assert!(!v.message.contains("SECRET-ITEM"), "{}", v.message);
        assert!(!v.message.contains("SECRET-KEY"), "{}", v.message);
        assert!(!v.message.contains("123456789"), "{}", v.message);
    }
}

fn closed_object() -> CompiledSchema {
    compile(&json!({
        "type": "object",
        "properties": {"a": {"type": "integer"}},
        "additionalProperties": false
    }))
    .unwrap()
}

fn unknown_keys(count: usize) -> Value {
    let keys = (0..count).map(|n| (format!("k{n:05}"), json!(0)));
    Value::Object(keys.collect())
}

#[test]
fn at_most_fifty_violations_are_listed_and_the_rest_counted() {
    let violations = closed_object().violations(&unknown_keys(10_000));
    assert_eq!(violations.len(), MAX_LISTED_VIOLATIONS);
    assert_eq!(violations.len(), 50);
    assert_eq!(violations.omitted(), 9_950);
    assert_eq!(violations[0].path, "/k00000");
    assert_eq!(violations[49].path, "/k00049");
    let data = violations.error_data(json!({"uri": "x"}));
    assert_eq!(data["violations"].as_array().unwrap().len(), 50);
    assert_eq!(data["violationsOmitted"], 9_950);
    assert_eq!(data["uri"], "x");
    let text = violations.to_text("Invalid arguments");
    assert_eq!(text.lines().count(), 1 + 50 + 1, "{text}");
    assert!(text.ends_with("\n… and 9950 more"), "{text}");
}

#[test]
fn violations_within_the_cap_are_listed_in_full_as_before() {
    let violations = closed_object().violations(&unknown_keys(50));
    assert_eq!(violations.len(), 50);
    assert_eq!(violations.omitted(), 0);
    let data = violations.error_data(json!({}));
    assert_eq!(data.as_object().unwrap().len(), 1, "no count: {data}");
    assert_eq!(
        data["violations"][0],
        json!({"path": "/k00000", "keyword": "additionalProperties",
               "message": "is not an accepted property; accepted: a"})
    );
    assert!(!violations.to_text("Invalid").contains("more"));
    // A path of exactly the quoting limit is kept whole.
    let key = "p".repeat(MAX_QUOTED_BYTES - 1);
    let violations = closed_object().violations(&json!({ key.clone(): 1 }));
    assert_eq!(violations[0].path, format!("/{key}"));
}

#[test]
fn long_paths_are_clipped_on_a_character_boundary() {
    // 100 KB of two-byte characters after the one-byte `/`: byte 256 falls inside one.
    let key = "é".repeat(50_000);
    let violations = closed_object().violations(&json!({ key: 1 }));
    let path = &violations[0].path;
    assert!(path.ends_with('…'), "{path}");
    assert!(
        path.len() <= MAX_QUOTED_BYTES + '…'.len_utf8(),
        "{}",
        path.len()
    );
    assert!(path.starts_with("/éé"));
}

#[test]
fn probes_agree_with_the_report_past_the_cap() {
    let compiled = closed_object();
    let many = unknown_keys(1_000);
    assert!(!compiled.is_valid(&many));
    assert!(compiled.is_valid(&json!({"a": 1})));
    // `not` and `anyOf` probe a branch with a thousand violations, and still decide right.
    let negated = compile(&json!({"not": {"additionalProperties": false}})).unwrap();
    assert!(negated.is_valid(&many));
    assert!(!negated.is_valid(&json!({})));
    let either =
        compile(&json!({"anyOf": [{"additionalProperties": false}, {"minProperties": 2000}]}))
            .unwrap();
    let violations = either.violations(&many);
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].keyword, "anyOf");
}

#[test]
fn client_strings_are_quoted_clipped_on_a_character_boundary() {
    assert_eq!(clipped("short"), "short");
    let exact = "x".repeat(MAX_QUOTED_BYTES);
    assert_eq!(clipped(&exact), exact);
    let long = clipped(&"x".repeat(300)).into_owned();
    assert_eq!(long, format!("{}…", "x".repeat(MAX_QUOTED_BYTES)));
    // Byte 256 falls inside a two-byte character after the one-byte `a`.
    let cut = clipped(&format!("a{}", "é".repeat(200))).into_owned();
    assert_eq!(cut, format!("a{}…", "é".repeat(127)));
}

/// The patterns `#[arg(pattern)]` refuses at compile time (mcp-macros `constraints.rs`, whose
/// tests hold the same lists): each is refused here too, and those it passes compile here.
#[test]
fn the_macros_pattern_refusals_are_the_validators() {
    for refused in [
        "(abc", "abc)", "[a-z", "*a", "a|+b", "x{2", "x{,3}", "x{5,2}", "a|{2}", "(?=a)b",
        "(?<!a)b", "(?i)abc", r"(a)\1", r"abc\",
    ] {
        assert!(
            compile(&json!({"type": "string", "pattern": refused})).is_err(),
            "{refused}"
        );
    }
    for accepted in [
        "^[a-z]+$",
        "^T-[0-9]{1,6}$",
        r"^\d{3}-\d{4}$",
        "(?:ab|cd)*?x",
        "(?<year>[0-9]{4})",
        "[]",
        "[^]",
        r"[\]]+",
        "a{2,}",
        r"\0",
        "",
        "a**",
    ] {
        assert!(
            compile(&json!({"type": "string", "pattern": accepted})).is_ok(),
            "{accepted}"
        );
    }
}

/// What `tools/list` advertises for a `u8` (minimum 0, maximum 255 once the schema is assembled)
/// is refused exactly outside it, as a `maximum` violation rather than at narrowing.
#[test]
fn integer_type_bounds_are_enforced() {
    let schema = json!({"type": "integer", "minimum": 0, "maximum": 255});
    assert!(valid(schema.clone(), json!(255)));
    assert!(valid(schema.clone(), json!(0)));
    assert_eq!(
        keywords(schema.clone(), json!(256)),
        pairs(&[("", "maximum")])
    );
    assert_eq!(keywords(schema, json!(-1)), pairs(&[("", "minimum")]));
    let u64_max = json!({"type": "integer", "minimum": 0, "maximum": u64::MAX});
    assert!(valid(u64_max.clone(), json!(u64::MAX)));
    assert_eq!(
        keywords(u64_max, json!(18446744073709551616.0)),
        pairs(&[("", "maximum")])
    );
}
