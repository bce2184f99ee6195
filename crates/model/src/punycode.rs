//! Validity of `xn--` host labels (RFC 3492 decoding), checked before any URL parser sees a
//! host. The `url` crate refuses a label that is not valid punycode; Chromium's `URL` accepts
//! some (`xn--zz`), so the rule lives here, where the widget and the server share it.

const BASE: u32 = 36;
const T_MIN: u32 = 1;
const T_MAX: u32 = 26;
const SKEW: u32 = 38;
const DAMP: u32 = 700;
const INITIAL_BIAS: u32 = 72;
const INITIAL_N: u32 = 128;
/// Longer encoded input is refused outright (as the `url` crate does; whatwg/url#824).
const MAX_ENCODED: usize = 2000;

/// Whether a lowercase ASCII label that starts with `xn--` decodes as punycode to a label with
/// at least one non-ASCII character (nothing after the last hyphen would decode to ASCII).
pub(crate) fn is_valid_ace_label(label: &str) -> bool {
    let Some(encoded) = label.strip_prefix("xn--") else {
        return true;
    };
    !encoded.is_empty()
        && !encoded.ends_with('-')
        && encoded.len() <= MAX_ENCODED
        && decodes(encoded.as_bytes())
}

fn digit(byte: u8) -> Option<u32> {
    match byte {
        b'0'..=b'9' => Some(u32::from(byte - b'0') + 26),
        b'a'..=b'z' => Some(u32::from(byte - b'a')),
        b'A'..=b'Z' => Some(u32::from(byte - b'A')),
        _ => None,
    }
}

fn adapt(delta: u32, points: u32, first: bool) -> u32 {
    let mut delta = delta / if first { DAMP } else { 2 };
    delta += delta / points;
    let mut k = 0;
    while delta > ((BASE - T_MIN) * T_MAX) / 2 {
        delta /= BASE - T_MIN;
        k += BASE;
    }
    k + ((BASE - T_MIN + 1) * delta) / (delta + SKEW)
}

/// RFC 3492 §6.2 decoding, only to tell whether it succeeds.
fn decodes(input: &[u8]) -> bool {
    // Basic code points come before the last delimiter; a delimiter in first place is not one.
    let (basic_len, deltas) = match input.iter().rposition(|&b| b == b'-') {
        Some(position) if position > 0 => (position, &input[position + 1..]),
        _ => (0, input),
    };
    let (mut length, mut code_point, mut bias, mut i) =
        (basic_len as u32, INITIAL_N, INITIAL_BIAS, 0u32);
    let mut bytes = deltas.iter();
    while let Some(&first) = bytes.next() {
        let previous = i;
        let (mut weight, mut k, mut byte) = (1u32, BASE, first);
        loop {
            let Some(d) = digit(byte) else { return false };
            let Some(next) = d.checked_mul(weight).and_then(|p| i.checked_add(p)) else {
                return false;
            };
            i = next;
            let t = if k <= bias {
                T_MIN
            } else if k >= bias + T_MAX {
                T_MAX
            } else {
                k - bias
            };
            if d < t {
                break;
            }
            let Some(w) = weight.checked_mul(BASE - t) else {
                return false;
            };
            weight = w;
            k += BASE;
            let Some(&b) = bytes.next() else { return false };
            byte = b;
        }
        bias = adapt(i - previous, length + 1, previous == 0);
        let Some(c) = code_point.checked_add(i / (length + 1)) else {
            return false;
        };
        code_point = c;
        if char::from_u32(code_point).is_none() {
            return false;
        }
        i %= length + 1;
        length += 1;
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::is_valid_ace_label;

    #[test]
    fn valid_punycode_labels_pass_and_others_do_not() {
        for ok in [
            "example",
            "xn--bcher-kva",
            "xn--ls8h",
            "xn--mgbh0fb",
            "xn--55qx5d",
            "xn--a-ecp",
        ] {
            assert!(is_valid_ace_label(ok), "{ok}");
        }
        for bad in [
            "xn--",
            "xn--zz",
            "xn--abc-",
            "xn---abc",
            "xn--a_b",
            "xn--99999999999",
        ] {
            assert!(!is_valid_ace_label(bad), "{bad}");
        }
        assert!(!is_valid_ace_label(&format!("xn--{}", "a".repeat(2001))));
    }
}
