//! The widget checks URLs with the browser's own WHATWG `URL`, the server with the `url` crate
//! (`connect360_model::whatwg`). This browser test runs the hostile URL corpus, the model's
//! unit-test cases and a set of parser edge cases through both and requires the same decision,
//! the same refusal and the same serialisation from each, so the widget is exactly as strict as
//! the server.
#![cfg(target_arch = "wasm32")]

use connect360_model::safety::{image_url_with, web_link_with, Refusal};
use connect360_model::whatwg::{Browser, UrlCrate};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Cases beyond the corpus where WHATWG parsers are known to need care: host forms (numbers,
/// IPv6, percent-encoding, forbidden code points, punycode), slashes, dot segments, empty
/// queries and fragments, credentials, schemes and encodings.
const EDGE_CASES: &[&str] = &[
    "https://example.com",
    "https://example.com/a?",
    "https://example.com/a#",
    "https://example.com/a?#",
    "https://example.com/?q=a b",
    "https://example.com/%zz",
    "https://example.com/a/../b/./c",
    "https://example.com/a/%2e%2E/b",
    "https://example.com:443/",
    "https://example.com:80/",
    "http://example.com:80/",
    "https://example.com:65536/",
    "https://example.com:0/",
    "https://example.com:/",
    "https://example.com:x/",
    "https://0x7f.1/",
    "https://2130706433/",
    "https://127.0.0.1./",
    "https://0177.0.0.1/",
    "https://1.2.3.4.5/",
    "https://999.1.1.1/",
    "https://1.2.3/",
    "https://[::1]/",
    "https://[::ffff:127.0.0.1]/",
    "https://[1:2:3:4:5:6:7:8:9]/",
    "https://[::1/",
    "https://ex%61mple.com/",
    "https://ex%2Eample.com/",
    "https://%41.example/",
    "https://exa%00mple.com/",
    "https://exa<mple.com/",
    "https://exa^mple.com/",
    "https://exa|mple.com/",
    "https://exa%7Cmple.com/",
    "https://exa_mple.com/",
    "https://-example.com/",
    "https://example-.com/",
    "https://xn--bcher-kva.example/",
    "https://xn--/",
    "https://xn--a.example/",
    "https://xn--ls8h.example/",
    "https://xn--zz.example/",
    "https://xn--abc-.example/",
    "https://xn---abc.example/",
    "https://xn--a_b.example/",
    "https://xn--99999999999.example/",
    "https://xn--%7a%7a.example/",
    "https://xn%2D%2Dzz.example/",
    "https://xn--bcher-kva%2Eexample/",
    "https://b%C3%BCcher.example/",
    "https://%E2%80%AE.example/",
    "https://xn--55qx5d.example/",
    "https://xn--mgbh0fb.example/",
    "https://xn--a-ecp.example/",
    "https://xn--1ca.example/",
    "https://u@xn--zz.example/",
    "https://example.com:443@xn--zz.example/",
    "https://XN--BCHER-KVA.example/",
    "https://a..b/",
    "https://.example.com/",
    "https://example.com../",
    "https://a.b.c.d.e.f.g.h.example/",
    "https:example.com",
    "https:/example.com",
    "https:///example.com",
    "https:////example.com/p",
    "HTTPS:////Example.COM/P",
    "https://@example.com/",
    "https://:@example.com/",
    "https://u@example.com/",
    "https://:p@example.com/",
    "https://u:p@example.com/",
    "https://a@b@example.com/",
    "https://example.com@evil.example/",
    "https://evil.example#@example.com/",
    "https://example.com/é",
    "https://example.com/?é",
    "https://example.com/#é",
    "https://example.com/'\"<>`",
    "https://example.com/?'\"<>`",
    "https://example.com/#'\"<>`",
    "https://example.com/%",
    "HtTpS://ExAmPlE.cOm/PaTh",
    "http://example.com",
    "ftp://example.com/",
    "ws://example.com/",
    "wss://example.com/",
    "file:///etc/passwd",
    "file://host/share",
    "data:text/html,<b>",
    "javascript:alert(1)",
    "javascript://example.com/%0aalert(1)",
    "blob:https://a.example/1",
    "mailto:a@example.com",
    "tel:+12015550123",
    "https:",
    "https:/",
    "https://",
    "https:///",
    "https://?",
    "https://#",
    "/",
    "/a/b",
    "/a?b#c",
    "/a?",
    "/a#",
    "/..",
    "/../..//x",
    "/..//N.",
    "/./%2F/x",
    "/a/..//b",
    "/%2e%2e//x",
    "/.%2e//x",
    "/é.png",
    "/a b",
    "//x",
    "relative",
    "?q",
    "#f",
];

/// The hostile corpus's URL entries (`value`, and whether `web` and `image` accept it).
fn corpus_urls() -> Vec<serde_json::Value> {
    let corpus: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/hostile-corpus.json")).unwrap();
    corpus["urls"].as_array().unwrap().clone()
}

fn cases() -> Vec<String> {
    let mut all: Vec<String> = corpus_urls()
        .iter()
        .map(|u| u["value"].as_str().unwrap().to_owned())
        .collect();
    all.extend(EDGE_CASES.iter().map(|s| s.to_string()));
    // A long URL around the 2048-character limit, and one over it.
    for n in [2048, 2049] {
        let base = "https://example.com/";
        all.push(format!("{base}{}", "a".repeat(n - base.len())));
    }
    all
}

type Check = fn(&str) -> Result<String, Refusal>;

/// Each check, run by the browser's parser and by the url crate.
const CHECKS: [(&str, Check, Check); 2] = [
    ("web", web_link_with::<Browser>, web_link_with::<UrlCrate>),
    (
        "image",
        image_url_with::<Browser>,
        image_url_with::<UrlCrate>,
    ),
];

#[wasm_bindgen_test]
fn the_browser_and_the_url_crate_decide_every_url_alike() {
    let mut differences = Vec::new();
    let mut accepted = 0;
    for raw in cases() {
        for (name, browser, url_crate) in CHECKS {
            let (by_browser, by_crate) = (browser(&raw), url_crate(&raw));
            if by_browser != by_crate {
                differences.push(format!(
                    "{name} {raw:?}: browser {by_browser:?}, url crate {by_crate:?}"
                ));
            }
            accepted += usize::from(by_browser.is_ok());
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
    // The comparison is only worth something if both outcomes occur.
    assert!(accepted > 40, "only {accepted} accepted");
}

#[wasm_bindgen_test]
fn the_corpus_expectations_hold_in_the_browser() {
    for url in corpus_urls() {
        let raw = url["value"].as_str().unwrap();
        for (name, browser, _) in CHECKS {
            assert_eq!(
                browser(raw).is_ok(),
                url[name].as_bool().unwrap(),
                "{name} {raw:?}"
            );
        }
    }
}
