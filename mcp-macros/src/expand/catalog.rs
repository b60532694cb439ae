//! `#[resource]` and `#[prompt]` methods of an `#[mcp_server]` impl block: a read or get thunk
//! per method (narrowing string parameters, then the call), a thunk per completion hook, and the
//! definitions. Outside `#[mcp_server]` both attributes are an error.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::LitStr;
use syn::spanned::Spanned;

use super::rt;
use crate::check;
use crate::diag::{Errors, with_fallback};
use crate::model::{ParamKind, Receiver, ToolDef};
use crate::parse::{PromptAttr, ResourceAttr, ToolAttr};

/// A `#[resource]` or `#[prompt]` method, read off the impl block.
pub(crate) struct CatalogItem {
    pub(crate) def: ToolDef,
    pub(crate) kind: CatalogKind,
}

pub(crate) enum CatalogKind {
    Resource {
        uri: LitStr,
        mime_type: Option<LitStr>,
    },
    Prompt,
}

impl CatalogItem {
    pub(crate) fn resource(
        attr: ResourceAttr,
        attrs: &[syn::Attribute],
        sig: &mut syn::Signature,
        errors: &Errors,
    ) -> Option<Self> {
        let tool_attr = ToolAttr {
            name: attr.name,
            title: attr.title,
            description: attr.description,
            scopes: attr.scopes,
            ..ToolAttr::default()
        };
        // Read (and its `#[arg]`s removed) even without a URI, so that mistake is the only error.
        let def = ToolDef::from_fn(tool_attr, attrs, sig, errors);
        let uri = attr.uri?;
        let variables = template_variables(&uri.value());
        let template = (!variables.is_empty() || uri.value().contains('{'))
            .then_some((&uri, variables.as_slice()));
        check::catalog_handler(&def, "resource", template, errors);
        Some(CatalogItem {
            def,
            kind: CatalogKind::Resource {
                uri,
                mime_type: attr.mime_type,
            },
        })
    }

    pub(crate) fn prompt(
        attr: PromptAttr,
        attrs: &[syn::Attribute],
        sig: &mut syn::Signature,
        errors: &Errors,
    ) -> Self {
        let tool_attr = ToolAttr {
            name: attr.name,
            title: attr.title,
            description: attr.description,
            scopes: attr.scopes,
            ..ToolAttr::default()
        };
        let def = ToolDef::from_fn(tool_attr, attrs, sig, errors);
        check::catalog_handler(&def, "prompt", None, errors);
        CatalogItem {
            def,
            kind: CatalogKind::Prompt,
        }
    }

    fn is_resource(&self) -> bool {
        matches!(self.kind, CatalogKind::Resource { .. })
    }

    fn thunk_ident(&self) -> syn::Ident {
        let kind = if self.is_resource() {
            "resource"
        } else {
            "prompt"
        };
        format_ident!(
            "__mcp_{}_{}",
            kind,
            self.def.sig.ident.to_string().trim_start_matches("r#")
        )
    }

    fn complete_ident(&self, param: &syn::Ident) -> syn::Ident {
        format_ident!(
            "{}_complete_{}",
            self.thunk_ident(),
            param.to_string().trim_start_matches("r#")
        )
    }

    /// The thunk, and one thunk per completion hook, as associated functions of the server type.
    pub(crate) fn thunks(&self) -> TokenStream {
        let rt = rt();
        let def = &self.def;
        let method = &def.sig.ident;
        let thunk = self.thunk_ident();
        let output = &def.output;
        let (future, respond, check_output) = if self.is_resource() {
            (
                quote!(ResourceFuture),
                quote!(respond_resource),
                quote!(assert_resource_output),
            )
        } else {
            (
                quote!(PromptFuture),
                quote!(respond_prompt),
                quote!(assert_prompt_output),
            )
        };
        let mut checks = vec![quote_spanned!(output.span()=> #rt::#check_output::<#output>();)];
        let (mut takes, mut binds, mut call_args) = (Vec::new(), Vec::new(), Vec::new());
        if matches!(def.receiver, Receiver::Shared) {
            call_args.push(quote!(__server));
        }
        let mut hooks = Vec::new();
        for param in &def.params {
            let (ident, ty, name) = (&param.ident, &param.ty, &param.name);
            let ParamKind::Arg(attr) = &param.kind else {
                call_args.push(quote_spanned!(ty.span()=> #rt::context_arg::<#ty>(&__ctx)));
                continue;
            };
            checks.push(quote_spanned!(ty.span()=> #rt::assert_text_arg::<#ty>();));
            takes.push(quote_spanned!(ty.span()=> #rt::take_text_arg::<#ty>(&mut __args, #name)));
            binds.push(quote!(::core::option::Option::Some(#ident)));
            call_args.push(quote!(#ident));
            if let Some(hook) = &attr.complete {
                let complete = self.complete_ident(ident);
                hooks.push(quote! {
                    #[doc(hidden)]
                    fn #complete<'a>(__server: &'a Self, __request: #rt::CompletionRequest) -> #rt::CompletionFuture<'a> {
                        #rt::respond_completion(async move { (#hook)(__server, &__request).await })
                    }
                });
            }
        }
        let call = if def.sig.asyncness.is_some() {
            quote!(Self::#method(#(#call_args),*).await)
        } else {
            quote!(Self::#method(#(#call_args),*))
        };
        let narrow = if takes.is_empty() {
            quote!(let _ = &mut __args;)
        } else {
            let invalid = if self.is_resource() {
                quote!(invalid_resource_args)
            } else {
                quote!(invalid_prompt_args)
            };
            quote! {
                let (#(#binds,)*) = (#(#takes,)*) else {
                    return #rt::#invalid(__args);
                };
            }
        };
        quote! {
            #[doc(hidden)]
            #[allow(unused_variables, unused_mut, clippy::let_unit_value)]
            fn #thunk<'a>(__server: &'a Self, __ctx: #rt::Ctx, mut __args: #rt::TextArgs) -> #rt::#future<'a> {
                #(#checks)*
                #narrow
                #rt::#respond::<#output>(async move { #call })
            }
            #(#hooks)*
        }
    }

    /// The `ResourceDef::new(…)` or `PromptDef::new(…)` expression.
    pub(crate) fn definition(&self) -> TokenStream {
        let rt = rt();
        let def = &self.def;
        let thunk = self.thunk_ident();
        let name = &def.name;
        let title = option(def.title.as_ref().map(LitStr::value));
        let description = option(def.description.clone());
        let scopes = &def.scopes;
        let params = def.params.iter().filter_map(|param| {
            let ParamKind::Arg(attr) = &param.kind else {
                return None;
            };
            let (ty, name) = (&param.ty, &param.name);
            let description = option(attr.description.as_ref().map(LitStr::value));
            let complete = match &attr.complete {
                Some(_) => {
                    let complete = self.complete_ident(&param.ident);
                    quote!(::core::option::Option::Some(Self::#complete))
                }
                None => quote!(::core::option::Option::None),
            };
            Some(quote! {
                #rt::TextParamSpec {
                    name: #name,
                    description: #description,
                    optional: #rt::text_arg_optional::<#ty>,
                    complete: #complete,
                }
            })
        });
        match &self.kind {
            CatalogKind::Resource { uri, mime_type } => {
                let mime_type = option(mime_type.as_ref().map(LitStr::value));
                quote! {
                    #rt::ResourceDef::new(
                        #rt::ResourceMeta { uri: #uri, name: #name, title: #title, description: #description, mime_type: #mime_type, scopes: &[#(#scopes),*] },
                        ::std::vec![#(#params),*],
                        Self::#thunk,
                    )
                }
            }
            CatalogKind::Prompt => quote! {
                #rt::PromptDef::new(
                    #rt::PromptMeta { name: #name, title: #title, description: #description, scopes: &[#(#scopes),*] },
                    ::std::vec![#(#params),*],
                    Self::#thunk,
                )
            },
        }
    }
}

/// The `{name}` / `{+name}` variables of a URI template, in order.
fn template_variables(uri: &str) -> Vec<String> {
    uri.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}'))
        .map(|(expression, _)| expression.trim_start_matches('+').to_owned())
        .collect()
}

fn option(value: Option<String>) -> TokenStream {
    match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    }
}

/// `#[resource]` or `#[prompt]` outside an `#[mcp_server]` impl block: the item as written and
/// one error saying where the attribute goes.
pub(crate) fn outside_server(attr_name: &str, item: TokenStream) -> TokenStream {
    let errors = Errors::new();
    errors.push(syn::Error::new(
        proc_macro2::Span::call_site(),
        format!("`#[{attr_name}]` goes on a method inside an `#[mcp_server]` impl block: `#[mcp_server] impl MyServer {{ #[{attr_name}(…)] async fn …(&self, …) }}`"),
    ));
    with_fallback(errors.finish().unwrap_err(), item, TokenStream::new())
}
