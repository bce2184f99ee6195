//! Rich text (`**bold**`, `*italic*`, `[label](url)`, bare web links, line breaks) as DOM nodes, built node by
//! node from the shared parser's tree: no HTML string is ever parsed, and every link target
//! has passed the URL allow-list.

use connect360_model::rich_text::{linkify, parse, Inline};
use leptos::prelude::*;

/// Plain text with its line breaks kept and its bare web links as links (§3.1); no other markup
/// is recognised.
pub fn plain(text: &str) -> AnyView {
    let mut nodes = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            nodes.push(Inline::LineBreak);
        }
        nodes.extend(linkify(line));
    }
    inlines(nodes)
}

/// Rich text as inline elements.
pub fn rich(text: &str) -> AnyView {
    inlines(parse(text).nodes)
}

fn inlines(nodes: Vec<Inline>) -> AnyView {
    nodes.into_iter().map(inline).collect_view().into_any()
}

fn inline(node: Inline) -> AnyView {
    match node {
        Inline::Text(text) => view! { {text} }.into_any(),
        Inline::Strong(children) => view! { <strong>{inlines(children)}</strong> }.into_any(),
        Inline::Em(children) => view! { <em>{inlines(children)}</em> }.into_any(),
        Inline::LineBreak => view! { <br/> }.into_any(),
        Inline::Link { target, label } => {
            let new_tab = target.opens_new_tab();
            view! {
                <a
                    href=target.href().to_owned()
                    target=new_tab.then_some("_blank")
                    rel="noopener noreferrer nofollow"
                >
                    {label}
                </a>
            }
            .into_any()
        }
    }
}
