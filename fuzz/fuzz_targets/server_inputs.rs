//! What the server decodes from a browser or a merchant before anything else: visitor tokens,
//! merchant-signed identities and request bodies. No input panics; a forged token never
//! verifies.
#![no_main]

use connect360_model::wire::{ListMessagesInput, SendInput, SessionRequest};
use connect360_server::gateway::{identity, token};
use libfuzzer_sys::fuzz_target;

const SECRET: &[u8] = b"fuzzing-secret-not-used-anywhere-else";

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<SendInput>(data);
    let _ = serde_json::from_slice::<ListMessagesInput>(data);
    let _ = serde_json::from_slice::<SessionRequest>(data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Neither can be forged: the fuzzer does not know the secret, so nothing verifies.
    assert!(token::verify(text, SECRET).is_err());
    let verifier = identity::IdentityVerifier::new(SECRET.to_vec());
    assert!(verifier.verify(text, 1_800_000_000).is_err());
});
