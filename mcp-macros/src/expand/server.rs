//! `#[mcp_server]`: the impl block as written, one hidden call thunk per tool, and `McpServer`.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote};
use syn::{ImplItem, ItemImpl};

use super::catalog::{CatalogItem, CatalogKind};
use super::rt;
use super::tool::{definition, thunk_body};
use crate::check::{self, Site};
use crate::diag::{Errors, item_kind, with_fallback};
use crate::model::ToolDef;
use crate::parse::{PROMPT, PromptAttr, RESOURCE, ResourceAttr, ServerAttr, TOOL, ToolAttr};

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let errors = Errors::new();
    let server_attr = errors
        .ok(syn::parse2::<ServerAttr>(attr))
        .unwrap_or_default();
    let Ok(mut block) = syn::parse2::<ItemImpl>(item.clone()) else {
        // Point at the keyword that makes the item something other than an impl block and, on a
        // type, name the impl block to write.
        let parsed = syn::parse2::<syn::Item>(item.clone()).ok();
        let (span, kind) = parsed
            .as_ref()
            .and_then(item_kind)
            .unwrap_or((Span::call_site(), "this item"));
        let type_name = match &parsed {
            Some(syn::Item::Struct(item)) => Some(&item.ident),
            Some(syn::Item::Enum(item)) => Some(&item.ident),
            Some(syn::Item::Union(item)) => Some(&item.ident),
            _ => None,
        };
        let message = match type_name {
            Some(name) => format!(
                "`#[mcp_server]` applies to an impl block, not to {kind}: put it on the impl block of the tool methods, `#[mcp_server] impl {name} {{ … }}`"
            ),
            None => format!(
                "`#[mcp_server]` applies to an impl block, not to {kind}: `#[mcp_server] impl MyServer {{ … }}`"
            ),
        };
        errors.push(syn::Error::new(span, message));
        return with_fallback(errors.finish().unwrap_err(), item, TokenStream::new());
    };
    if let Some((path, _)) = &block.trait_ {
        let inherent = match &*block.self_ty {
            syn::Type::Path(ty) if ty.qself.is_none() => ty
                .path
                .segments
                .last()
                .map(|segment| format!("`#[mcp_server] impl {} {{ … }}`", segment.ident)),
            _ => None,
        }
        .unwrap_or_else(|| "`#[mcp_server] impl MyServer { … }`".to_owned());
        errors.spanned(
            path,
            format!("`#[mcp_server]` goes on an inherent impl block, not on a trait impl: put the tool methods in {inherent}"),
        );
    }
    if !block.generics.params.is_empty() {
        errors.spanned(
            &block.generics,
            "`#[mcp_server]` impl blocks cannot be generic: a server is one concrete type; remove the generic parameters and implement the tools for a concrete type",
        );
    }
    let mut tools = Vec::new();
    let mut catalog = Vec::new();
    for item in &mut block.items {
        let ImplItem::Fn(method) = item else {
            continue;
        };
        match take_handler_attr(&mut method.attrs, &errors) {
            None => {}
            Some(HandlerAttr::Tool(attr)) => {
                let tool = ToolDef::from_fn(attr, &method.attrs, &mut method.sig, &errors);
                check::tool(&tool, Site::ServerMethod, &errors);
                tools.push(tool);
            }
            Some(HandlerAttr::Resource(attr)) => catalog.extend(CatalogItem::resource(
                attr,
                &method.attrs,
                &mut method.sig,
                &errors,
            )),
            Some(HandlerAttr::Prompt(attr)) => catalog.push(CatalogItem::prompt(
                attr,
                &method.attrs,
                &mut method.sig,
                &errors,
            )),
        }
    }
    check::unique_names(&tools, &errors);

    let rt = rt();
    let self_ty = &block.self_ty;
    let server_fns = server_fns(&server_attr);
    if let Err(error) = errors.finish() {
        let fallback = quote! {
            impl #rt::McpServer for #self_ty {
                #server_fns
                fn tool_defs() -> ::std::vec::Vec<#rt::ToolDef<Self>> { ::core::unimplemented!() }
            }
        };
        return with_fallback(error, block.into_token_stream(), fallback);
    }

    let thunks = tools.iter().map(|tool| {
        let method = &tool.sig.ident;
        let thunk = thunk_ident(tool);
        let body = thunk_body(tool, quote!(Self::#method));
        quote! {
            #[doc(hidden)]
            #[allow(unused_variables, unused_mut, clippy::let_unit_value)]
            fn #thunk<'a>(__server: &'a Self, __ctx: #rt::Ctx, mut __args: #rt::ToolArgs) -> #rt::ToolFuture<'a> {
                #body
            }
        }
    });
    let definitions = tools.iter().map(|tool| {
        let thunk = thunk_ident(tool);
        let definition = definition(tool, quote!(Self::#thunk));
        quote!({ #definition })
    });
    let catalog_thunks = catalog.iter().map(CatalogItem::thunks);
    let (resources, prompts): (Vec<&CatalogItem>, Vec<&CatalogItem>) = catalog
        .iter()
        .partition(|item| matches!(item.kind, CatalogKind::Resource { .. }));
    // Only what the block has: a server of tools alone keeps the trait's empty defaults.
    let resource_defs = (!resources.is_empty()).then(|| {
        let definitions = resources.iter().map(|item| item.definition());
        quote! {
            fn resource_defs() -> ::std::vec::Vec<#rt::ResourceDef<Self>> {
                ::std::vec![#(#definitions),*]
            }
        }
    });
    let prompt_defs = (!prompts.is_empty()).then(|| {
        let definitions = prompts.iter().map(|item| item.definition());
        quote! {
            fn prompt_defs() -> ::std::vec::Vec<#rt::PromptDef<Self>> {
                ::std::vec![#(#definitions),*]
            }
        }
    });
    quote! {
        #block

        impl #self_ty {
            #(#thunks)*
            #(#catalog_thunks)*
        }

        impl #rt::McpServer for #self_ty {
            #server_fns
            fn tool_defs() -> ::std::vec::Vec<#rt::ToolDef<Self>> {
                ::std::vec![#(#definitions),*]
            }
            #resource_defs
            #prompt_defs
        }
    }
}

fn thunk_ident(tool: &ToolDef) -> syn::Ident {
    format_ident!(
        "__mcp_call_{}",
        tool.sig.ident.to_string().trim_start_matches("r#")
    )
}

/// `server_info` (the *user's* crate name and version unless given) and `server_instructions`.
fn server_fns(attr: &ServerAttr) -> TokenStream {
    let rt = rt();
    let name = attr.name.as_ref().map_or_else(
        || quote!(::core::env!("CARGO_PKG_NAME")),
        ToTokens::to_token_stream,
    );
    let version = attr.version.as_ref().map_or_else(
        || quote!(::core::env!("CARGO_PKG_VERSION")),
        ToTokens::to_token_stream,
    );
    let title = attr.title.as_ref().map(|title| {
        quote!(info.title = ::core::option::Option::Some(::core::convert::Into::<::std::string::String>::into(#title));)
    });
    let instructions = attr.instructions.as_ref().map(|instructions| {
        quote! {
            fn server_instructions() -> ::core::option::Option<::std::string::String> {
                ::core::option::Option::Some(::core::convert::Into::into(#instructions))
            }
        }
    });
    quote! {
        fn server_info() -> #rt::Implementation {
            #[allow(unused_mut)]
            let mut info = #rt::Implementation::new(#name, #version);
            #title
            info
        }
        #instructions
    }
}

/// The attribute that makes a method a handler.
enum HandlerAttr {
    Tool(ToolAttr),
    Resource(ResourceAttr),
    Prompt(PromptAttr),
}

/// Removes the `#[tool]`, `#[resource]` or `#[prompt]` attribute from a method and parses it;
/// `None` if the method is none of these. A second such attribute is an error.
fn take_handler_attr(attrs: &mut Vec<syn::Attribute>, errors: &Errors) -> Option<HandlerAttr> {
    let is_handler = |attr: &syn::Attribute| {
        attr.path().segments.last().is_some_and(|segment| {
            segment.ident == TOOL || segment.ident == RESOURCE || segment.ident == PROMPT
        })
    };
    let position = attrs.iter().position(is_handler)?;
    let attr = attrs.remove(position);
    if let Some(second) = attrs.iter().find(|attr| is_handler(attr)) {
        errors.spanned(second, "a method is one handler: `#[tool]`, `#[resource]` or `#[prompt]`, not several; split it into two methods");
    }
    let ident = &attr.path().segments.last()?.ident;
    let bare = matches!(attr.meta, syn::Meta::Path(_));
    Some(if ident == TOOL {
        HandlerAttr::Tool(match bare {
            true => ToolAttr::default(),
            false => errors.ok(attr.parse_args::<ToolAttr>()).unwrap_or_default(),
        })
    } else if ident == RESOURCE {
        let parsed = match bare {
            true => ResourceAttr::default(),
            false => errors
                .ok(attr.parse_args::<ResourceAttr>())
                .unwrap_or_default(),
        };
        if parsed.uri.is_none() {
            errors.spanned(&attr, "`#[resource]` needs `uri = \"…\"`: a fixed URI such as \"config://app\", or a template such as \"ticket://{id}\"");
        }
        HandlerAttr::Resource(parsed)
    } else {
        HandlerAttr::Prompt(match bare {
            true => PromptAttr::default(),
            false => errors
                .ok(attr.parse_args::<PromptAttr>())
                .unwrap_or_default(),
        })
    })
}
