//! The IR: what one tool (and one server) is, read off the annotated Rust items.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, FnArg, Ident, LitStr, Pat, ReturnType, Signature, Type};

use crate::diag::Errors;
use crate::parse::{ARG, Annotations, ArgAttr, RateLit, Timeout, ToolAttr};

/// One tool.
pub(crate) struct ToolDef {
    pub(crate) sig: Signature,
    pub(crate) name: String,
    pub(crate) name_span: Span,
    pub(crate) title: Option<LitStr>,
    pub(crate) description: Option<String>,
    pub(crate) annotations: Annotations,
    pub(crate) timeout: Option<Timeout>,
    /// `scopes = [...]`: what a caller must have been granted.
    pub(crate) scopes: Vec<LitStr>,
    /// `rate_limit = "…"`, `cost = N`, `budget = "…"`.
    pub(crate) rate_limit: Option<RateLit>,
    pub(crate) cost: Option<u32>,
    pub(crate) budget: Option<RateLit>,
    pub(crate) receiver: Receiver,
    pub(crate) params: Vec<ParamDef>,
    pub(crate) output: Type,
}

/// How the function receives `self`.
pub(crate) enum Receiver {
    None,
    /// `&self`: the only receiver a tool may take.
    Shared,
    /// `self`, `&mut self`, `self: Box<Self>`…: rejected by `check`.
    Other(syn::Receiver),
}

pub(crate) struct ParamDef {
    /// The binding the generated code uses (the parameter's own name where it has one).
    pub(crate) ident: Ident,
    pub(crate) pat: Pat,
    pub(crate) ty: Type,
    pub(crate) kind: ParamKind,
    /// The argument's name on the wire.
    pub(crate) name: String,
}

pub(crate) enum ParamKind {
    /// A reference parameter: the call context (`&Ctx`). `attr` is a misplaced `#[arg(...)]`,
    /// kept whole so the error covers all of it.
    Context { attr: Option<Box<Attribute>> },
    /// One argument of the tool.
    Arg(ArgAttr),
    /// The whole arguments object (`#[arg(flatten)]`).
    Flatten(ArgAttr),
}

impl ToolDef {
    /// Reads a tool off a function signature and its attributes. Removes the `#[arg]` helper
    /// attributes from `sig`, which rustc would otherwise reject.
    pub(crate) fn from_fn(
        attr: ToolAttr,
        attrs: &[Attribute],
        sig: &mut Signature,
        errors: &Errors,
    ) -> ToolDef {
        let (name, name_span) = match &attr.name {
            Some(name) => (name.value(), name.span()),
            None => (unraw(&sig.ident), sig.ident.span()),
        };
        let description = attr
            .description
            .as_ref()
            .map(LitStr::value)
            .or_else(|| doc_comment(attrs));
        let mut receiver = Receiver::None;
        let mut params = Vec::new();
        for (index, input) in sig.inputs.iter_mut().enumerate() {
            match input {
                FnArg::Receiver(r)
                    if matches!(r.kind, syn::ReceiverKind::Reference(_, _, None)) =>
                {
                    receiver = Receiver::Shared
                }
                FnArg::Receiver(r) => receiver = Receiver::Other(r.clone()),
                FnArg::Typed(typed) => {
                    let arg_attr = take_arg_attr(&mut typed.attrs, errors);
                    params.push(ParamDef::new(index, &typed.pat, &typed.ty, arg_attr));
                }
            }
        }
        let output = match &sig.output {
            ReturnType::Default => syn::parse_quote_spanned!(sig.ident.span()=> ()),
            ReturnType::Type(_, ty) => (**ty).clone(),
        };
        ToolDef {
            sig: sig.clone(),
            name,
            name_span,
            title: attr.title,
            description,
            annotations: attr.annotations,
            timeout: attr.timeout,
            scopes: attr.scopes.unwrap_or_default(),
            rate_limit: attr.rate_limit,
            cost: attr.cost,
            budget: attr.budget,
            receiver,
            params,
            output,
        }
    }
}

impl ParamDef {
    fn new(index: usize, pat: &Pat, ty: &Type, attr: Option<(ArgAttr, Attribute)>) -> ParamDef {
        let ident = match pat {
            Pat::Ident(pat) => pat.ident.clone(),
            other => Ident::new(&format!("__mcp_param_{index}"), other.span()),
        };
        let kind = match (ty, attr) {
            (Type::Reference(_), attr) => ParamKind::Context {
                attr: attr.map(|(_, attr)| Box::new(attr)),
            },
            (_, Some((attr, _))) if attr.flatten.is_some() => ParamKind::Flatten(attr),
            (_, attr) => ParamKind::Arg(attr.map(|(attr, _)| attr).unwrap_or_default()),
        };
        let name = match &kind {
            ParamKind::Arg(ArgAttr {
                name: Some(name), ..
            }) => name.value(),
            _ => unraw(&ident),
        };
        ParamDef {
            ident,
            pat: pat.clone(),
            ty: ty.clone(),
            kind,
            name,
        }
    }
}

/// Removes the `#[arg(...)]` attributes from a parameter and parses them (several are merged
/// by reporting the extra ones).
fn take_arg_attr(attrs: &mut Vec<Attribute>, errors: &Errors) -> Option<(ArgAttr, Attribute)> {
    let mut found = None;
    attrs.retain(|attr| {
        if !attr.path().is_ident(ARG) {
            return true;
        }
        if found.is_some() {
            errors.spanned(
                attr,
                "give all of a parameter's settings in one `#[arg(...)]`",
            );
        } else if let Some(parsed) =
            errors.ok(attr.parse_args_with(<ArgAttr as syn::parse::Parse>::parse))
        {
            found = Some((parsed, attr.clone()));
        } else {
            found = Some((ArgAttr::default(), attr.clone()));
        }
        false
    });
    found
}

/// The doc comment, one paragraph per blank line, with the leading space of each line removed.
pub(crate) fn doc_comment(attrs: &[Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                value:
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }),
                ..
            }) => Some(s.value()),
            _ => None,
        })
        .map(|line| {
            line.strip_prefix(' ')
                .unwrap_or(&line)
                .trim_end()
                .to_owned()
        })
        .collect();
    let text = lines.join("\n").trim().to_owned();
    (!text.is_empty()).then_some(text)
}

fn unraw(ident: &Ident) -> String {
    let name = ident.to_string();
    name.strip_prefix("r#").map(str::to_owned).unwrap_or(name)
}
