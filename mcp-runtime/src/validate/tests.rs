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
