//! Semantic checks over the IR. Each records every problem it finds; none stops at the first.

use std::collections::HashMap;

use quote::ToTokens;
use syn::visit::Visit;

use crate::diag::Errors;
use crate::model::{ParamKind, Receiver, ToolDef};
use crate::parse::Number;
use syn::LitStr;

/// Where a tool is declared, which decides what receivers it may take.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Site {
    FreeFunction,
    ServerMethod,
}

pub(crate) fn tool(tool: &ToolDef, site: Site, errors: &Errors) {
    signature(tool, "tool", errors);
    receiver(tool, site, errors);
    name(tool, errors);
    annotations(tool, errors);
    params(tool, errors);
    if let Some(impl_trait) = find_impl_trait(&tool.output) {
        errors.spanned(
            impl_trait,
            "`#[tool]` functions must return a concrete type, not `impl Trait`: name the type, such as `String` or `Json<T>`",
        );
    }
}

/// Tool names must be unique within a server.
pub(crate) fn unique_names(tools: &[ToolDef], errors: &Errors) {
    // One error per duplicate, at the later name, naming the method that has it first (a second
    // "first defined here" error would count as a second mistake).
    let mut seen = HashMap::new();
    for tool in tools {
        if let Some(first) = seen.get(tool.name.as_str()) {
            errors.push(syn::Error::new(
                tool.name_span,
                format!(
                    "duplicate tool name `{}`: method `{}` already has it; tool names must be unique in a server, so rename one with `#[tool(name = \"…\")]`",
                    tool.name, first
                ),
            ));
        } else {
            seen.insert(tool.name.as_str(), &tool.sig.ident);
        }
    }
}

fn signature(tool: &ToolDef, attr: &str, errors: &Errors) {
    let sig = &tool.sig;
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        let message = match attr {
            "tool" => "`#[tool]` functions cannot be generic: the schema is generated from concrete argument types; remove the generic parameters and use concrete types".to_owned(),
            _ => format!("`#[{attr}]` functions cannot be generic: arguments are narrowed into concrete types; remove the generic parameters and use concrete types"),
        };
        match &sig.generics.where_clause {
            Some(where_clause) if sig.generics.params.is_empty() => {
                errors.spanned(where_clause, message)
            }
            _ => errors.spanned(&sig.generics, message),
        }
    }
    if let syn::Safety::Unsafe(unsafety) = &sig.safety {
        errors.spanned(
            unsafety,
            format!("`#[{attr}]` functions cannot be `unsafe`"),
        );
    }
    if let Some(abi) = &sig.abi {
        errors.spanned(
            abi,
            format!("`#[{attr}]` functions cannot have an `extern` ABI"),
        );
    }
    if let Some(variadic) = &sig.variadic {
        errors.spanned(
            variadic,
            format!("`#[{attr}]` functions cannot be variadic"),
        );
    }
}

fn receiver(tool: &ToolDef, site: Site, errors: &Errors) {
    match (&tool.receiver, site) {
        (Receiver::None, _) => {}
        (Receiver::Shared, Site::ServerMethod) => {}
        (Receiver::Shared, Site::FreeFunction) | (Receiver::Other(_), Site::FreeFunction) => errors.spanned(
            &tool.sig.ident,
            "a `#[tool]` method must be inside an impl block marked `#[mcp_server]`; add `#[mcp_server]` to the impl block",
        ),
        (Receiver::Other(receiver), Site::ServerMethod) => errors.spanned(
            receiver,
            "`#[tool]` methods take `&self`: tools run concurrently on a shared server; use `&self` (with interior mutability where needed)",
        ),
    }
}

/// MCP 2025-11-25, tools "Tool Names": 1 to 128 characters of `A-Z a-z 0-9 _ - .`.
fn name(tool: &ToolDef, errors: &Errors) {
    let valid_chars = tool
        .name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if tool.name.is_empty() || tool.name.len() > 128 || !valid_chars {
        errors.push(syn::Error::new(
            tool.name_span,
            format!("`{}` is not a valid tool name: use 1 to 128 characters of A-Z, a-z, 0-9, `_`, `-` and `.`", tool.name),
        ));
    }
}

/// `destructiveHint` is meaningful only when `readOnlyHint` is false (schema.ts, `ToolAnnotations`).
fn annotations(tool: &ToolDef, errors: &Errors) {
    let annotations = &tool.annotations;
    if let (Some(read_only), Some(destructive)) = (annotations.read_only, annotations.destructive)
        && read_only.value
        && destructive.value
    {
        errors.push(syn::Error::new(
            destructive.span,
            "a `read_only` tool cannot be `destructive`; remove one of the two",
        ));
    }
}

fn params(tool: &ToolDef, errors: &Errors) {
    let mut contexts = 0;
    let flatten = tool
        .params
        .iter()
        .find(|p| matches!(p.kind, ParamKind::Flatten(_)));
    let mut names = HashMap::new();
    for param in &tool.params {
        // Next to `#[arg(flatten)]`, each other argument is the mistake: point at it.
        if let Some(flatten) = flatten
            && !std::ptr::eq(flatten, param)
            && !matches!(param.kind, ParamKind::Context { .. })
        {
            errors.spanned(
                &param.pat,
                format!(
                    "`{}` cannot be an argument next to `#[arg(flatten)] {}`: the flattened struct's fields are all of the tool's arguments; make `{}` a field of that struct",
                    param.name,
                    flatten.pat.to_token_stream(),
                    param.name,
                ),
            );
        }
        if !matches!(param.pat, syn::Pat::Ident(_))
            && !matches!(param.kind, ParamKind::Context { .. })
        {
            errors.spanned(&param.pat, "tool arguments need a plain name (the argument's name on the wire); destructure inside the function");
        }
        if let Some(impl_trait) = find_impl_trait(&param.ty) {
            errors.spanned(
                impl_trait,
                "tool arguments cannot be `impl Trait`: name a concrete type",
            );
        }
        match &param.kind {
            ParamKind::Context { attr } => {
                contexts += 1;
                if contexts == 2 {
                    errors.spanned(
                        &param.ty,
                        "a tool takes at most one context parameter (`&Ctx`); remove this one",
                    );
                }
                if let Some(attr) = attr {
                    errors.spanned(
                        attr,
                        "`#[arg]` does not apply to the context parameter (`&Ctx`); remove it",
                    );
                }
            }
            ParamKind::Flatten(attr) => {
                if attr.has_constraints() || attr.description.is_some() {
                    errors.spanned(&param.ty, "`#[arg(flatten)]` takes no other keys: put constraints on the struct's fields with `#[schemars(...)]`");
                }
            }
            ParamKind::Arg(attr) => {
                if let Some(first) = names.get(&param.name) {
                    // At the `name = "…"` that repeats the name, if that is where it comes from.
                    let span = match &attr.name {
                        Some(name) => name.span(),
                        None => param.ident.span(),
                    };
                    errors.push(syn::Error::new(
                        span,
                        format!(
                            "duplicate argument name `{}`: parameter `{}` already has it; give each argument its own name with `#[arg(name = \"…\")]`",
                            param.name, first
                        ),
                    ));
                } else {
                    names.insert(param.name.clone(), &param.ident);
                }
                if let Some(complete) = &attr.complete {
                    errors.spanned(complete, "`complete` applies to `#[prompt]` arguments and `#[resource]` template variables; tool arguments are completed by the model, from the schema");
                }
                bounds(attr, &param.ty, errors);
            }
        }
    }
}

/// A `#[resource]` or `#[prompt]` method (`attr` says which): string parameters narrowed like
/// tool arguments, an optional `&Ctx`, and for a resource exactly the template's variables.
pub(crate) fn catalog_handler(
    def: &ToolDef,
    attr: &str,
    template: Option<(&LitStr, &[String])>,
    errors: &Errors,
) {
    signature(def, attr, errors);
    if let Receiver::Other(receiver) = &def.receiver {
        errors.spanned(
            receiver,
            format!("`#[{attr}]` methods take `&self`: requests run concurrently on a shared server; use `&self` (with interior mutability where needed)"),
        );
    }
    if let Some(impl_trait) = find_impl_trait(&def.output) {
        errors.spanned(
            impl_trait,
            format!("`#[{attr}]` functions must return a concrete type, not `impl Trait`"),
        );
    }
    let mut contexts = 0;
    for param in &def.params {
        match &param.kind {
            ParamKind::Context { attr: misplaced } => {
                contexts += 1;
                if contexts == 2 {
                    errors.spanned(&param.ty, format!("a `#[{attr}]` function takes at most one context parameter (`&Ctx`); remove this one"));
                }
                if let Some(misplaced) = misplaced {
                    errors.spanned(misplaced, "`#[arg]` does not apply to the context parameter (`&Ctx`); remove it");
                }
                continue;
            }
            ParamKind::Flatten(_) => errors.spanned(
                &param.ty,
                format!("`#[arg(flatten)]` does not apply to `#[{attr}]` arguments: each argument is one string the client sends; take them one by one"),
            ),
            ParamKind::Arg(arg) => {
                let unsupported = [
                    arg.range.as_ref().map(|r| r.span),
                    arg.length.as_ref().map(|l| l.span),
                    arg.pattern.as_ref().map(LitStr::span),
                    arg.default.as_ref().map(syn::spanned::Spanned::span),
                    arg.sensitive,
                ];
                if let Some(span) = unsupported.into_iter().flatten().next() {
                    errors.push(syn::Error::new(span, format!("`#[{attr}]` arguments take only `description`, `name` and `complete`: they are strings with no schema to enforce a constraint; check the value in the function")));
                }
            }
        }
        if !matches!(param.pat, syn::Pat::Ident(_)) {
            errors.spanned(&param.pat, format!("`#[{attr}]` arguments need a plain name (the argument's name on the wire); destructure inside the function"));
        }
    }
    if let Some((uri, variables)) = template {
        for param in def
            .params
            .iter()
            .filter(|p| matches!(p.kind, ParamKind::Arg(_)))
        {
            if !variables.contains(&param.name) {
                errors.spanned(&param.pat, format!("`{}` is not a variable of the URI template {}: a resource's parameters are exactly its template's `{{…}}` variables", param.name, uri.to_token_stream()));
            }
        }
        for variable in variables {
            if !def
                .params
                .iter()
                .any(|p| &p.name == variable && matches!(p.kind, ParamKind::Arg(_)))
            {
                errors.spanned(uri, format!("the URI template's variable `{variable}` has no parameter: add `{variable}: String` (or another type) to the function"));
            }
        }
    }
}

fn bounds(attr: &crate::parse::ArgAttr, ty: &syn::Type, errors: &Errors) {
    if let Some(range) = &attr.range {
        crate::constraints::range(range, ty, errors);
    }
    if let Some(pattern) = &attr.pattern {
        crate::constraints::pattern(pattern, errors);
    }
    if let Some(range) = &attr.range
        && let (Some(min), Some(max)) = (range.min, range.max)
        && min.as_f64() > max.as_f64()
    {
        errors.push(syn::Error::new(range.span, "`range` has `min` above `max`"));
    }
    if let Some(length) = &attr.length
        && let (Some(min), Some(max)) = (length.min, length.max)
        && min > max
    {
        errors.push(syn::Error::new(
            length.span,
            "`length` has `min` above `max`",
        ));
    }
    if let (Some(range), Some(default)) = (&attr.range, &attr.default)
        && let Some(value) = literal_number(default)
    {
        let below = range.min.is_some_and(|min| value < min.as_f64());
        let above = range.max.is_some_and(|max| value > max.as_f64());
        if below || above {
            errors.spanned(
                default,
                "the `default` is outside the argument's `range`; choose a value the `range` allows",
            );
        }
    }
}

fn literal_number(expr: &syn::Expr) -> Option<f64> {
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(int),
            ..
        }) => int
            .base10_parse::<i64>()
            .ok()
            .map(|n| Number::Int(n).as_f64()),
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Float(float),
            ..
        }) => float.base10_parse::<f64>().ok(),
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => literal_number(expr).map(|n| -n),
        _ => None,
    }
}

fn find_impl_trait(ty: &syn::Type) -> Option<proc_macro2::TokenStream> {
    struct Finder(Option<proc_macro2::TokenStream>);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_type_impl_trait(&mut self, node: &'ast syn::TypeImplTrait) {
            self.0.get_or_insert_with(|| node.to_token_stream());
        }
    }
    let mut finder = Finder(None);
    finder.visit_type(ty);
    finder.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::ToolAttr;

    fn errors_for(mut sig: syn::Signature, site: Site) -> Vec<String> {
        let errors = Errors::new();
        let def = ToolDef::from_fn(ToolAttr::default(), &[], &mut sig, &errors);
        tool(&def, site, &errors);
        match errors.finish() {
            Ok(()) => Vec::new(),
            Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn a_good_signature_passes() {
        let sig: syn::Signature = syn::parse_quote!(async fn search(&self, ctx: &Ctx, #[arg(range(min = 1, max = 5), default = 2)] limit: u32) -> String);
        assert!(errors_for(sig, Site::ServerMethod).is_empty());
    }

    #[test]
    fn every_problem_is_reported() {
        let sig: syn::Signature = syn::parse_quote!(fn f<T>(&mut self, a: &Ctx, b: &Ctx, #[arg(range(min = 5, max = 1))] n: u8));
        let found = errors_for(sig, Site::ServerMethod);
        assert_eq!(found.len(), 4, "{found:#?}");
        assert!(found[0].contains("cannot be generic"));
        assert!(found.iter().any(|e| e.contains("take `&self`")));
        assert!(found.iter().any(|e| e.contains("at most one context")));
        assert!(found.iter().any(|e| e.contains("`min` above `max`")));
    }

    #[test]
    fn defaults_outside_the_range_are_caught() {
        let sig: syn::Signature =
            syn::parse_quote!(fn f(#[arg(range(min = 1, max = 50), default = 100)] limit: u32));
        assert_eq!(
            errors_for(sig, Site::FreeFunction),
            vec![
                "the `default` is outside the argument's `range`; choose a value the `range` allows"
            ]
        );
    }

    #[test]
    fn free_functions_take_no_receiver() {
        let sig: syn::Signature = syn::parse_quote!(fn f(&self));
        assert!(errors_for(sig, Site::FreeFunction)[0].contains("`#[mcp_server]`"));
    }
}
