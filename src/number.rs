//! Numbers as prereq holds them: 64-bit floats, exactly as written.
//!
//! A verdict on `troops_offered >= 1000` is only as good as the numbers in
//! it. A decimal that a 64-bit float cannot hold is rounded to its nearest
//! float, and the rounding can flip a comparison: `9007199254740992.5`
//! becomes `9007199254740992`, `1e-400` becomes `0`. So every number read
//! from a rule file or a facts file must be held *as written*: its
//! magnitude at most 2^53 (beyond it not every integer is a float), and
//! written as the float it becomes — its shortest decimal form, or its
//! exact value. Anything else is refused with a hint, never rounded
//! silently. Numbers of up to 15 significant digits within that range
//! always qualify (down to about 1e-300; below, floats lose digits).
//!
//! Architecture invariant: one reading of number text for rules and facts
//! alike ([`exact`]), so that a literal and a fact written the same way are
//! the same number.

use std::fmt;

/// The largest magnitude a number may have: 2^53 = 9007199254740992.
pub const MAX_EXACT: f64 = 9_007_199_254_740_992.0;

/// The digits of 2^53, for comparing a decimal with it exactly.
const MAX_EXACT_DIGITS: &str = "9007199254740992";

/// Why a number cannot be held as written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Inexact {
    /// Its magnitude is beyond 2^53.
    TooLarge {
        /// Whether it is written as an integer (no fraction, no exponent).
        integer: bool,
    },
    /// A float would hold another number: this one.
    Rounded(f64),
}

impl Inexact {
    /// What is wrong, for a number written as `text`.
    pub fn message(&self, text: &str) -> String {
        match self {
            Inexact::TooLarge { integer: true } => {
                format!("the integer {text} is beyond 2^53 and cannot be held exactly")
            }
            Inexact::TooLarge { integer: false } => {
                format!("the number {text} is beyond 2^53 and cannot be held exactly")
            }
            Inexact::Rounded(held) => format!(
                "the number {text} cannot be held exactly: as a 64-bit float it would be {}",
                shown(*held)
            ),
        }
    }

    /// How to fix it.
    pub fn help(&self) -> &'static str {
        match self {
            Inexact::TooLarge { .. } => {
                "numbers are 64-bit floats: they are exact up to 9007199254740992 in magnitude"
            }
            Inexact::Rounded(_) => {
                "numbers are 64-bit floats: write at most 15 significant digits (or the float's exact value)"
            }
        }
    }
}

impl fmt::Display for Inexact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Inexact::TooLarge { .. } => f.write_str("beyond 2^53"),
            Inexact::Rounded(held) => write!(f, "would be rounded to {}", shown(*held)),
        }
    }
}

/// A float as people read it: its shortest form, in scientific notation
/// when that is shorter (a subnormal float is hundreds of digits long).
pub(crate) fn shown(value: f64) -> String {
    let plain = value.to_string();
    let scientific = format!("{value:e}");
    if plain.len() > scientific.len() + 4 {
        scientific
    } else {
        plain
    }
}

/// The value of a decimal number as written (`-12`, `2.5`, `1e-3`: the
/// JSON and TOML forms; `+`, leading zeros and `_` separators are read as
/// TOML writes them), if a float holds it exactly; `None` if `text` is not
/// a decimal number at all.
///
/// ```
/// use prereq::number::{exact, Inexact};
/// assert_eq!(exact("1000"), Some(Ok(1000.0)));
/// assert_eq!(exact("0.1"), Some(Ok(0.1)));
/// assert_eq!(exact("9007199254740992"), Some(Ok(9007199254740992.0)));
/// assert_eq!(exact("9007199254740993"), Some(Err(Inexact::TooLarge { integer: true })));
/// assert_eq!(exact("9007199254740992.5"), Some(Err(Inexact::TooLarge { integer: false })));
/// assert_eq!(exact("1e-400"), Some(Err(Inexact::Rounded(0.0))));
/// assert_eq!(exact("0.30000000000000001"), Some(Err(Inexact::Rounded(0.3))));
/// assert_eq!(exact("many"), None);
/// ```
pub fn exact(text: &str) -> Option<Result<f64, Inexact>> {
    if let Some(value) = small_integer(text) {
        return Some(Ok(value));
    }
    let decimal = Decimal::parse(text)?;
    let cleaned: String;
    let plain = if text.contains('_') {
        cleaned = text.replace('_', "");
        cleaned.as_str()
    } else {
        text
    };
    let value: f64 = plain.trim_start_matches('+').parse().ok()?;
    Some(decimal.check(value))
}

/// A plain integer of at most 15 digits, optionally negative — what most
/// numbers in a facts file are: any float holds it, so it is read without
/// the general check.
fn small_integer(text: &str) -> Option<f64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let magnitude = digits
        .bytes()
        .fold(0u64, |n, digit| n * 10 + u64::from(digit - b'0'));
    let value = magnitude as f64;
    Some(if digits.len() < text.len() {
        -value
    } else {
        value
    })
}

/// An integer as a number, if a float holds it exactly.
///
/// ```
/// use prereq::number::{integer, Inexact};
/// assert_eq!(integer(-5), Ok(-5.0));
/// assert_eq!(integer(1 << 60), Err(Inexact::TooLarge { integer: true }));
/// ```
pub fn integer(value: i128) -> Result<f64, Inexact> {
    if value.unsigned_abs() > 1 << 53 {
        return Err(Inexact::TooLarge { integer: true });
    }
    Ok(value as f64)
}

/// A decimal number as written, normalised: `0.DIGITS × 10^exponent`, with
/// no leading or trailing zero digit (zero has no digits). The digits stay
/// in the text: reading a number allocates nothing unless it needs the
/// slow check.
#[derive(Debug, PartialEq, Eq)]
struct Decimal<'t> {
    /// The digits before and after the point, as written (`_` included).
    whole: &'t str,
    fraction: &'t str,
    /// How many significant digits there are.
    significant: usize,
    exponent: i64,
    integer: bool,
}

impl<'t> Decimal<'t> {
    /// Reads `[+-]? digits [. digits] [(e|E) [+-] digits]` (with `_`
    /// between digits, as TOML allows); `None` for anything else.
    fn parse(text: &'t str) -> Option<Decimal<'t>> {
        let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
        let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
            Some(at) => (unsigned.get(..at)?, Some(unsigned.get(at + 1..)?)),
            None => (unsigned, None),
        };
        let (whole, fraction) = match mantissa.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (mantissa, None),
        };
        let digits_only = |part: &str| {
            !part.is_empty()
                && part.bytes().all(|c| c.is_ascii_digit() || c == b'_')
                && part.starts_with(|c: char| c.is_ascii_digit())
        };
        if !digits_only(whole) || fraction.is_some_and(|f| !digits_only(f)) {
            return None;
        }
        let written_exponent: i64 = match exponent {
            Some(e) => {
                let unsigned = e.strip_prefix(['-', '+']).unwrap_or(e);
                if !digits_only(unsigned) {
                    return None;
                }
                // Beyond this the number is zero or infinite either way.
                e.replace('_', "")
                    .parse::<i64>()
                    .unwrap_or(if e.starts_with('-') {
                        -1_000_000
                    } else {
                        1_000_000
                    })
            }
            None => 0,
        };
        let fraction = fraction.unwrap_or("");
        let digits = || {
            whole
                .bytes()
                .chain(fraction.bytes())
                .filter(u8::is_ascii_digit)
        };
        let count = digits().count();
        let leading = digits().take_while(|d| *d == b'0').count();
        let trailing = digits().rev().take_while(|d| *d == b'0').count();
        let significant = count.saturating_sub(leading + trailing);
        let whole_digits = whole.bytes().filter(u8::is_ascii_digit).count();
        let exponent = if significant == 0 {
            0
        } else {
            written_exponent.saturating_add(whole_digits as i64 - leading as i64)
        };
        Some(Decimal {
            whole,
            fraction,
            significant,
            exponent,
            integer: exponent_free(text),
        })
    }

    /// The significant digits.
    fn digits(&self) -> String {
        let all: String = self
            .whole
            .chars()
            .chain(self.fraction.chars())
            .filter(char::is_ascii_digit)
            .collect();
        all.trim_matches('0').to_string()
    }

    /// Whether the float `value` (this decimal, parsed) holds it exactly.
    fn check(&self, value: f64) -> Result<f64, Inexact> {
        if self.beyond_max() {
            return Err(Inexact::TooLarge {
                integer: self.integer,
            });
        }
        // Up to 15 significant digits survive the trip through a normal float.
        if self.significant <= 15 && self.exponent > -300 {
            return Ok(value);
        }
        // Written as the float's shortest form, or as its exact value (a
        // float's exact decimal expansion has at most 767 significant digits).
        let shortest = format!("{:e}", value.abs());
        let exact = format!("{:.800e}", value.abs());
        let digits = self.digits();
        let same = |text: &str| {
            Decimal::parse(text)
                .is_some_and(|held| held.exponent == self.exponent && held.digits() == digits)
        };
        if same(&shortest) || same(&exact) {
            Ok(value)
        } else {
            Err(Inexact::Rounded(value))
        }
    }

    /// Whether the magnitude is beyond 2^53.
    fn beyond_max(&self) -> bool {
        let max_exponent = MAX_EXACT_DIGITS.len() as i64;
        match self.exponent.cmp(&max_exponent) {
            std::cmp::Ordering::Greater => self.significant > 0,
            std::cmp::Ordering::Less => false,
            std::cmp::Ordering::Equal => {
                let padded = format!("{:0<16}", self.digits());
                padded.as_str() > MAX_EXACT_DIGITS
            }
        }
    }
}

/// Whether a number is written as an integer: no fraction, no exponent.
fn exponent_free(text: &str) -> bool {
    !text.contains(['.', 'e', 'E'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_integers_read_as_the_general_check_reads_them() {
        for text in [
            "0",
            "-0",
            "7",
            "-7500",
            "007",
            "999999999999999",
            "-100000000000000",
        ] {
            let general = Decimal::parse(text).map(|decimal| {
                decimal.check(text.trim_start_matches('+').parse().unwrap_or(f64::NAN))
            });
            let quick = small_integer(text).map(Ok);
            assert_eq!(
                quick.map(|v: Result<f64, Inexact>| v.map(f64::to_bits)),
                general.map(|v| v.map(f64::to_bits)),
                "{text}"
            );
        }
        assert_eq!(
            small_integer("1000000000000000"),
            None,
            "16 digits take the general check"
        );
        assert_eq!(small_integer("1.5"), None);
        assert_eq!(small_integer("-"), None);
    }

    #[test]
    fn exact_numbers_are_accepted() {
        for text in [
            "0",
            "-0",
            "0.0",
            "1",
            "-3",
            "2.5",
            "0.1",
            "1e3",
            "1E-3",
            "-1.5e+2",
            "100_000",
            "9007199254740992",
            "-9007199254740992",
            "123456789012345",
            "1e-300",
            "+7",
            "0.30000000000000004",
            "5e-324",
        ] {
            assert!(matches!(exact(text), Some(Ok(_))), "{text}");
        }
    }

    #[test]
    fn numbers_a_float_would_change_are_refused() {
        for text in [
            "9007199254740993",
            "18446744073709551617",
            "9007199254740993.0",
            "9007199254740992.5",
            "1e16",
            "1e300",
        ] {
            assert!(
                matches!(exact(text), Some(Err(Inexact::TooLarge { .. }))),
                "{text}"
            );
        }
        let tiny = format!("0.{}1", "0".repeat(400));
        for text in [
            "1e-400",
            tiny.as_str(),
            "0.30000000000000001",
            "1.00000000000000001",
        ] {
            assert!(
                matches!(exact(text), Some(Err(Inexact::Rounded(_)))),
                "{text}"
            );
        }
    }

    #[test]
    fn text_that_is_no_number_is_none() {
        for text in [
            "", "-", "1.", ".5", "1e", "e5", "1.2.3", "abc", "_1", "0x10", "inf", "nan",
        ] {
            assert_eq!(exact(text), None, "{text}");
        }
    }
}
