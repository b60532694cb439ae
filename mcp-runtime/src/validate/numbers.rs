//! Numbers and equality as JSON Schema defines them: exact across integers and floats of any
//! size (`1` equals `1.0`; `2^53 + 1` is not `2^53`), and `multipleOf` without rounding.

use std::cmp::Ordering;

use serde_json::{Number, Value};

pub(super) fn is_integer(number: &Number) -> bool {
    number.is_i64() || number.is_u64() || number.as_f64().is_some_and(|f| f.fract() == 0.0)
}

/// Exact, whatever the representations: integers beyond 2^53 are not rounded to compare with
/// fractions.
pub(crate) fn compare_numbers(a: &Number, b: &Number) -> Ordering {
    match (as_integer(a), as_integer(b)) {
        (Some(a), Some(b)) => a.cmp(&b),
        (Some(a), None) => compare_integer_float(a, b.as_f64().unwrap_or(f64::NAN)),
        (None, Some(b)) => compare_integer_float(b, a.as_f64().unwrap_or(f64::NAN)).reverse(),
        (None, None) => {
            let (a, b) = (
                a.as_f64().unwrap_or(f64::NAN),
                b.as_f64().unwrap_or(f64::NAN),
            );
            a.partial_cmp(&b).unwrap_or(Ordering::Equal)
        }
    }
}

fn as_integer(number: &Number) -> Option<i128> {
    number
        .as_i64()
        .map(i128::from)
        .or_else(|| number.as_u64().map(i128::from))
}

fn compare_integer_float(integer: i128, float: f64) -> Ordering {
    const LIMIT: f64 = 170_141_183_460_469_231_731_687_303_715_884_105_728.0; // 2^127
    if float >= LIMIT {
        return Ordering::Less;
    }
    if float < -LIMIT {
        return Ordering::Greater;
    }
    let floor = float.floor();
    // `floor` is a whole number within i128, so the conversion is exact.
    match integer.cmp(&(floor as i128)) {
        Ordering::Equal if float > floor => Ordering::Less,
        order => order,
    }
}

/// A number's magnitude as `mantissa × 10^exponent`: exact for integers; for a float, the
/// shortest decimal that reads back as it, which is the JSON text it was parsed from.
fn decimal(number: &Number) -> (u128, i32) {
    if let Some(integer) = as_integer(number) {
        return (integer.unsigned_abs(), 0);
    }
    let text = format!("{:e}", number.as_f64().unwrap_or(0.0).abs());
    let (digits, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let mantissa = format!("{whole}{fraction}").parse().unwrap_or(0);
    let exponent: i32 = exponent.parse().unwrap_or(0);
    (mantissa, exponent - fraction.len() as i32)
}

/// Whether `number / divisor` is an integer, computed exactly on the decimal values (a
/// tolerance would call `1.0000000001` a multiple of `1`). `divisor` is positive (compile checks).
pub(super) fn is_multiple_of(number: &Number, divisor: &Number) -> bool {
    let (n, n_exponent) = decimal(number);
    let (d, d_exponent) = decimal(divisor);
    if n == 0 {
        return true;
    }
    if d == 0 {
        return false;
    }
    // number / divisor = n × 10^shift / d
    let shift = n_exponent - d_exponent;
    if shift >= 0 {
        // (n × 10^shift) mod d, by modular exponentiation; d < 2^64, so products fit in u128.
        let Ok(d) = u64::try_from(d) else {
            return false; // unreachable: mantissas come from u64s or from at most 17 digits
        };
        let d = u128::from(d);
        let (mut power, mut base, mut exponent) = (1 % d, 10 % d, shift as u32);
        while exponent > 0 {
            if exponent & 1 == 1 {
                power = power * base % d;
            }
            base = base * base % d;
            exponent >>= 1;
        }
        (n % d) * power % d == 0
    } else {
        // n / (d × 10^-shift): n (< 2^64) must be divisible by 10^-shift, then by d.
        let Some(scale) = 10u128.checked_pow(shift.unsigned_abs()) else {
            return false;
        };
        n % scale == 0 && (n / scale) % d == 0
    }
}

/// JSON equality where `1` equals `1.0`, as JSON Schema requires.
pub(super) fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(a), Value::Number(b)) => compare_numbers(a, b) == Ordering::Equal,
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(key, value)| b.get(key).is_some_and(|other| json_equal(value, other)))
        }
        _ => a == b,
    }
}

pub(super) fn has_duplicates(items: &[Value]) -> bool {
    items
        .iter()
        .enumerate()
        .any(|(i, a)| items[i + 1..].iter().any(|b| json_equal(a, b)))
}
