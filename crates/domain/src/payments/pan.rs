//! Card numbers must never reach the store or the logs: the service keeps only a payment
//! provider's token. Anything that looks like a full card number (PAN: 13 to 19 digits,
//! optionally grouped by spaces or dashes, passing the Luhn check) is refused.

/// Whether `text` contains something that looks like a full card number.
pub fn contains_pan(text: &str) -> bool {
    let mut digits: Vec<u8> = Vec::with_capacity(19);
    let run_end = |digits: &mut Vec<u8>| {
        let hit = candidate(digits);
        digits.clear();
        hit
    };
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b.is_ascii_digit() {
            digits.push(b - b'0');
        } else if (b == b' ' || b == b'-') && !digits.is_empty() && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
            // A separator inside a group of digits.
        } else if run_end(&mut digits) {
            return true;
        }
    }
    run_end(&mut digits)
}

/// A run of 13–19 digits that passes the Luhn check.
fn candidate(digits: &[u8]) -> bool {
    (13..=19).contains(&digits.len()) && luhn(digits)
}

fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Whether any string or number in a JSON document contains a PAN (keys included);
/// strings that are valid IBANs are not card numbers.
pub fn json_contains_pan(value: &serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        // An IBAN's digits may pass Luhn by chance; a valid IBAN is not a card number.
        Value::String(s) => contains_pan(s) && crate::values::Iban::parse(s).is_err(),
        Value::Number(n) => contains_pan(&n.to_string()),
        Value::Array(items) => items.iter().any(json_contains_pan),
        Value::Object(map) => map.iter().any(|(k, v)| contains_pan(k) || json_contains_pan(v)),
        Value::Bool(_) | Value::Null => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_card_numbers_in_any_shape() {
        assert!(contains_pan("4111111111111111"));
        assert!(contains_pan("4111 1111 1111 1111"));
        assert!(contains_pan("4111-1111-1111-1111"));
        assert!(contains_pan("card: 5500005555555559, thanks"));
        assert!(contains_pan("378282246310005")); // 15-digit Amex
        assert!(contains_pan("x4111111111111111x"));
        assert!(json_contains_pan(&serde_json::json!({"IBAN": "4111111111111111"})));
        assert!(json_contains_pan(
            &serde_json::json!({"a": [{"b": 4111111111111111u64}]})
        ));
        assert!(json_contains_pan(&serde_json::json!({"4111111111111111": 1})));
    }

    #[test]
    fn leaves_other_numbers_alone() {
        assert!(!contains_pan("4111111111111112")); // Luhn fails
        assert!(!contains_pan("************1111"));
        assert!(!contains_pan("411111111111")); // 12 digits
        assert!(!contains_pan("12/2030"));
        assert!(!contains_pan("4111 1111  1111 1111")); // two spaces: separate groups
        assert!(!json_contains_pan(
            &serde_json::json!({"n": 12, "s": "DE** **** 30 00"})
        ));
        assert!(!contains_pan("41111111111111110")); // 17 digits, Luhn fails
                                                     // Valid IBANs whose digits happen to pass Luhn are still IBANs.
        assert!(!json_contains_pan(&serde_json::json!({"IBAN": "NO9386011117947"})));
    }
}
