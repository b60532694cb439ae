//! Expansion snapshots: what the macros generate for a free tool and for a server, formatted.
//! A handful on purpose; the behaviour is tested end to end elsewhere.

use proc_macro2::TokenStream;
use quote::quote;

fn pretty(tokens: TokenStream) -> String {
    let file = syn::parse2::<syn::File>(tokens).expect("the expansion parses as a file");
    prettyplease::unparse(&file)
}

#[test]
fn free_tool() {
    let expanded = super::tool::expand_free(
        quote!(read_only),
        quote! {
            /// Echoes the message back.
            async fn echo(#[arg(length(min = 1, max = 1000))] message: String) -> String {
                message
            }
        },
    );
    insta::assert_snapshot!(pretty(expanded));
}

#[test]
fn server_with_context_default_and_flatten() {
    let expanded = super::server::expand(
        quote!(name = "ticketing", version = "1.0.0"),
        quote! {
            impl Ticketing {
                /// Search tickets.
                #[tool(title = "Search tickets", read_only)]
                async fn search(
                    &self,
                    ctx: &Ctx,
                    #[arg(length(min = 1, max = 500))] query: String,
                    status: Option<Status>,
                    #[arg(range(min = 1, max = 50), default = 10)] limit: u32,
                ) -> Result<Json<Vec<Ticket>>, ToolError> {
                    todo!()
                }

                #[tool]
                fn create(&self, #[arg(flatten)] ticket: NewTicket) -> String {
                    todo!()
                }

                fn not_a_tool(&self) {}
            }
        },
    );
    insta::assert_snapshot!(pretty(expanded));
}

#[test]
fn errors_keep_the_item_and_add_stand_ins() {
    let expanded = super::tool::expand_free(
        quote!(),
        quote!(
            fn f<T>(x: T) {}
        ),
    );
    let text = expanded.to_string();
    assert!(text.starts_with(":: core :: compile_error !"), "{text}");
    assert!(
        text.contains("fn f < T > (x : T) { }"),
        "the item as written is kept: {text}"
    );
    assert!(
        text.contains("fn f_tool"),
        "a stand-in keeps callers from a second error: {text}"
    );
}
