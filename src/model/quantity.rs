//! Exact Kubernetes resource quantities.
//!
//! Written in-crate rather than on top of `kube_quantity` 0.9: that crate
//! reads the mantissa with nom's `double` into an `f64` and converts it to a
//! decimal afterwards, so long mantissas lose digits (ARCHITECTURE.md §1 forbids
//! float parsing), and its errors carry no position, which the quota editor
//! needs to point at the offending character.
//!
//! Values are held as an `i128` count of nano-units, the finest precision the
//! API server keeps (it rounds anything finer up to 1n), so every quantity the
//! cluster can return is represented exactly and compares exactly.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;

const NANOS_PER_UNIT: u128 = 1_000_000_000;

/// Largest power of ten that fits in a `u128` (10^38 < 2^128 / 2), which also
/// bounds the number of significant digits we accept.
const MAX_POW10: u32 = 38;

const BINARY_SUFFIXES: [&str; 6] = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
const DECIMAL_SUFFIXES: [(&str, i32); 9] = [
    ("n", -9),
    ("u", -6),
    ("m", -3),
    ("k", 3),
    ("M", 6),
    ("G", 9),
    ("T", 12),
    ("P", 15),
    ("E", 18),
];
const SUFFIX_LIST: &str =
    "n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei, or an exponent such as e3";

/// How a quantity was written; the canonical form keeps the same family, as
/// the API server does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum QuantityFormat {
    /// `k`, `M`, `m`, … or no suffix.
    #[default]
    DecimalSi,
    /// `Ki`, `Mi`, `Gi`, …
    BinarySi,
    /// `1e3`, `5E-3`.
    DecimalExponent,
}

/// What a resource name measures; decides how a value is shown to people.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceUnit {
    /// `cpu`, `requests.cpu`, `limits.cpu`.
    Cpu,
    /// memory, storage, ephemeral-storage, hugepages-*.
    Bytes,
    /// Object counts and extended resources.
    Count,
}

impl ResourceUnit {
    pub fn of(resource: &str) -> Self {
        let base = resource
            .strip_prefix("requests.")
            .or_else(|| resource.strip_prefix("limits."))
            .unwrap_or(resource);
        if base == "cpu" {
            ResourceUnit::Cpu
        } else if base == "memory"
            || base == "storage"
            || base == "ephemeral-storage"
            || base.starts_with("hugepages-")
            || base.ends_with(".storageclass.storage.k8s.io/requests.storage")
        {
            ResourceUnit::Bytes
        } else {
            ResourceUnit::Count
        }
    }
}

/// A valid quantity that is probably not what was meant for `resource`:
/// `(refused, why)`. No limit may be negative (the API server refuses
/// it, and only after a dry run: caught here, it is bad input). A count
/// must be whole (the API server refuses
/// `pods: 0.5`); a count or a cpu in binary units (`pods: 1Gi`,
/// `cpu: 4Gi`) is accepted by the server but almost always a slip.
pub fn unit_advice(resource: &str, q: &Quantity) -> Option<(bool, String)> {
    if q.is_negative() {
        return Some((true, format!("{resource} cannot be negative")));
    }
    match ResourceUnit::of(resource) {
        ResourceUnit::Count if !q.is_whole() => {
            Some((true, format!("{resource} is a count: use a whole number")))
        }
        ResourceUnit::Count if q.format() == QuantityFormat::BinarySi => Some((
            false,
            format!(
                "{resource} is a count: this means {} (no unit needed)",
                q.units_ceil()
            ),
        )),
        ResourceUnit::Cpu if q.format() == QuantityFormat::BinarySi => Some((
            false,
            format!(
                "{resource} in binary units means {} cores; cpu is written as 2 or 500m",
                q.units_ceil()
            ),
        )),
        _ => None,
    }
}

/// A parse failure, phrased for the person who typed the value. Positions
/// are character (not byte) indices from 0; messages count from 1, as the
/// name checks do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    #[error("empty quantity: expected a number such as 500m, 2 or 1Gi")]
    Empty,
    #[error("unexpected character {found:?} at position {}: {expected}", .position + 1)]
    UnexpectedChar {
        found: char,
        position: usize,
        expected: String,
    },
    #[error("expected a digit at position {}", .position + 1)]
    MissingDigits { position: usize },
    #[error("unknown suffix {suffix:?} at position {}: {hint}", .position + 1)]
    UnknownSuffix {
        suffix: String,
        position: usize,
        hint: String,
    },
    #[error("quantity is too large")]
    TooLarge,
    #[error("quantity has too many digits (at most 38 significant digits)")]
    TooPrecise,
}

impl QuantityError {
    /// Character index the error points at, for carets under input fields.
    pub fn position(&self) -> Option<usize> {
        match self {
            QuantityError::UnexpectedChar { position, .. }
            | QuantityError::MissingDigits { position }
            | QuantityError::UnknownSuffix { position, .. } => Some(*position),
            QuantityError::Empty | QuantityError::TooLarge | QuantityError::TooPrecise => None,
        }
    }
}

/// An exact quantity. Equality, ordering and hashing use the value only, so
/// `1Gi == 1073741824` and `1000m == 1`.
#[derive(Clone, Debug, Default)]
pub struct Quantity {
    nanos: i128,
    format: QuantityFormat,
    /// The text as read, kept for display when no exact shorter form exists.
    original: Option<Box<str>>,
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.nanos == other.nanos
    }
}
impl Eq for Quantity {}
impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> Ordering {
        self.nanos.cmp(&other.nanos)
    }
}
impl Hash for Quantity {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.nanos.hash(state);
    }
}

impl Quantity {
    pub fn zero() -> Self {
        Quantity::default()
    }

    pub fn from_nanos(nanos: i128, format: QuantityFormat) -> Self {
        Quantity {
            nanos,
            format,
            original: None,
        }
    }

    pub fn from_units(units: i64) -> Self {
        Self::from_nanos(
            i128::from(units) * NANOS_PER_UNIT as i128,
            QuantityFormat::DecimalSi,
        )
    }

    pub fn from_millis(millis: i64) -> Self {
        Self::from_nanos(i128::from(millis) * 1_000_000, QuantityFormat::DecimalSi)
    }

    pub fn from_bytes_binary(bytes: i64) -> Self {
        Self::from_nanos(
            i128::from(bytes) * NANOS_PER_UNIT as i128,
            QuantityFormat::BinarySi,
        )
    }

    pub fn nanos(&self) -> i128 {
        self.nanos
    }

    /// Value in milli-units, rounded up like the API server's `MilliValue`.
    pub fn millis_ceil(&self) -> i128 {
        ceil_div(self.nanos, 1_000_000)
    }

    /// Whether the value is a whole number of units.
    pub fn is_whole(&self) -> bool {
        self.nanos % (NANOS_PER_UNIT as i128) == 0
    }

    /// Value in whole units, rounded up like the API server's `Value`.
    pub fn units_ceil(&self) -> i128 {
        ceil_div(self.nanos, NANOS_PER_UNIT as i128)
    }

    pub fn format(&self) -> QuantityFormat {
        self.format
    }

    pub fn original(&self) -> Option<&str> {
        self.original.as_deref()
    }

    pub fn is_zero(&self) -> bool {
        self.nanos == 0
    }

    pub fn is_negative(&self) -> bool {
        self.nanos < 0
    }

    /// Sum keeping the left operand's format, as the API server's `Add` does.
    pub fn checked_add(&self, other: &Quantity) -> Option<Quantity> {
        Some(Self::from_nanos(
            self.nanos.checked_add(other.nanos)?,
            self.format,
        ))
    }

    pub fn checked_sub(&self, other: &Quantity) -> Option<Quantity> {
        Some(Self::from_nanos(
            self.nanos.checked_sub(other.nanos)?,
            self.format,
        ))
    }

    pub fn saturating_add(&self, other: &Quantity) -> Quantity {
        Self::from_nanos(self.nanos.saturating_add(other.nanos), self.format)
    }

    /// Canonical text in the API server's style (`1500m`, `1Gi`, `1k`).
    pub fn canonical(&self) -> String {
        canonical(self.nanos, self.format)
    }

    /// Text for people, chosen by what the resource measures: cores or
    /// millicores for cpu, the largest exact binary unit for bytes (else the
    /// text as the cluster wrote it), plain integers for counts.
    pub fn format_for(&self, resource: &str) -> String {
        let whole = self.nanos % NANOS_PER_UNIT as i128 == 0;
        match ResourceUnit::of(resource) {
            ResourceUnit::Cpu => {
                if whole {
                    (self.nanos / NANOS_PER_UNIT as i128).to_string()
                } else if self.nanos % 1_000_000 == 0 {
                    format!("{}m", self.nanos / 1_000_000)
                } else {
                    self.canonical()
                }
            }
            ResourceUnit::Bytes => {
                let units = self.nanos / NANOS_PER_UNIT as i128;
                if whole && units.unsigned_abs() >= 1024 && units % 1024 == 0 {
                    canonical(self.nanos, QuantityFormat::BinarySi)
                } else if let Some(original) = &self.original {
                    original.to_string()
                } else {
                    self.canonical()
                }
            }
            ResourceUnit::Count => {
                if whole && self.format == QuantityFormat::DecimalSi {
                    (self.nanos / NANOS_PER_UNIT as i128).to_string()
                } else {
                    self.canonical()
                }
            }
        }
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

impl FromStr for Quantity {
    type Err = QuantityError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_quantity(s)
    }
}

impl TryFrom<&K8sQuantity> for Quantity {
    type Error = QuantityError;
    fn try_from(q: &K8sQuantity) -> Result<Self, Self::Error> {
        parse_quantity(&q.0)
    }
}

/// used / hard for gauges. `None` when there is nothing meaningful to show:
/// a zero or negative hard with nothing used (a deliberate "none allowed"
/// quota such as `services.loadbalancers: 0` is not pressure). Usage above a
/// zero hard is infinite pressure.
pub fn ratio(used: &Quantity, hard: &Quantity) -> Option<f64> {
    if hard.nanos <= 0 {
        return (used.nanos > 0 && hard.nanos == 0).then_some(f64::INFINITY);
    }
    Some(used.nanos as f64 / hard.nanos as f64)
}

/// Exact `used / hard >= percent / 100`, for checks that must not wobble at
/// the threshold because of float rounding.
pub fn pressure_at_least(used: &Quantity, hard: &Quantity, percent: u32) -> bool {
    if hard.nanos <= 0 {
        return used.nanos > 0 && hard.nanos == 0;
    }
    match (
        used.nanos.checked_mul(100),
        hard.nanos.checked_mul(i128::from(percent)),
    ) {
        (Some(lhs), Some(rhs)) => lhs >= rhs,
        // Only reachable near i128::MAX nanos (~10^29 units).
        _ => used.nanos as f64 * 100.0 >= hard.nanos as f64 * f64::from(percent),
    }
}

fn ceil_div(n: i128, d: i128) -> i128 {
    let q = n / d;
    if n % d > 0 { q + 1 } else { q }
}

fn pow10(exp: u32) -> Option<u128> {
    10u128.checked_pow(exp)
}

/// Parses the grammar of apimachinery's `ParseQuantity`:
/// `[+-] digits [. digits] [suffix]`, suffix one of n u m k M G T P E,
/// Ki..Ei, or e/E followed by a signed integer exponent.
///
/// Stricter than the API server in two places that only matter for typed
/// input (the server always returns canonical text): a number needs at least
/// one digit (the server reads `Gi` as 0), and values needing more than 38
/// significant digits are refused rather than rounded.
///
/// ```
/// use tenantry::model::parse_quantity;
///
/// assert_eq!(parse_quantity("1.5Gi").unwrap(), parse_quantity("1536Mi").unwrap());
/// assert_eq!(parse_quantity("1500m").unwrap().canonical(), "1500m");
/// let err = parse_quantity("4 cpus").unwrap_err();
/// assert_eq!(err.position(), Some(1));
/// ```
pub fn parse_quantity(s: &str) -> Result<Quantity, QuantityError> {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return Err(QuantityError::Empty);
    }
    let mut i = 0;
    let mut negative = false;
    if chars[0] == '+' || chars[0] == '-' {
        negative = chars[0] == '-';
        i = 1;
    }
    let int_start = i;
    while i < chars.len() && chars[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = &chars[int_start..i];
    let mut frac_digits: &[char] = &[];
    let had_point = i < chars.len() && chars[i] == '.';
    if had_point {
        i += 1;
        let frac_start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = &chars[frac_start..i];
    }
    if int_digits.is_empty() && frac_digits.is_empty() {
        return Err(match chars.get(i) {
            None => QuantityError::MissingDigits { position: i },
            Some(&found) => QuantityError::UnexpectedChar {
                found,
                position: i,
                expected: "expected a digit".to_string(),
            },
        });
    }

    let (exp10, binary_exp, format) = parse_suffix(&chars, i, had_point)?;

    let magnitude = magnitude_nanos(int_digits, frac_digits, exp10, binary_exp)?;
    let magnitude = i128::try_from(magnitude).map_err(|_| QuantityError::TooLarge)?;
    let nanos = if negative { -magnitude } else { magnitude };
    // The API server shows binary quantities below one unit in decimal form.
    let format = if format == QuantityFormat::BinarySi && magnitude < NANOS_PER_UNIT as i128 {
        QuantityFormat::DecimalSi
    } else {
        format
    };
    Ok(Quantity {
        nanos,
        format,
        original: Some(s.into()),
    })
}

/// Returns (decimal exponent, binary exponent, format) for the suffix that
/// starts at `start`.
fn parse_suffix(
    chars: &[char],
    start: usize,
    had_point: bool,
) -> Result<(i64, u32, QuantityFormat), QuantityError> {
    let suffix: String = chars[start..].iter().collect();
    if suffix.is_empty() {
        return Ok((0, 0, QuantityFormat::DecimalSi));
    }
    if let Some(k) = BINARY_SUFFIXES.iter().position(|b| *b == suffix) {
        return Ok((0, 10 * (k as u32 + 1), QuantityFormat::BinarySi));
    }
    if let Some((_, e)) = DECIMAL_SUFFIXES.iter().find(|(d, _)| *d == suffix) {
        return Ok((i64::from(*e), 0, QuantityFormat::DecimalSi));
    }
    let first = chars[start];
    if first == '.' && had_point {
        return Err(QuantityError::UnexpectedChar {
            found: '.',
            position: start,
            expected: "a number has at most one decimal point".to_string(),
        });
    }
    if (first == 'e' || first == 'E')
        && chars
            .get(start + 1)
            .is_some_and(|c| c.is_ascii_digit() || *c == '+' || *c == '-')
    {
        return parse_exponent(chars, start + 1).map(|e| (e, 0, QuantityFormat::DecimalExponent));
    }

    // Longest prefix of the suffix that could still become a valid suffix;
    // the character after it is the one to blame.
    let tokens = BINARY_SUFFIXES
        .iter()
        .copied()
        .chain(DECIMAL_SUFFIXES.iter().map(|(d, _)| *d))
        .chain(["e"]);
    let mut prefix_len = 0;
    for token in tokens {
        let common = token
            .chars()
            .zip(chars[start..].iter())
            .take_while(|(a, b)| a == *b)
            .count();
        prefix_len = prefix_len.max(common);
    }
    let prefix: String = chars[start..start + prefix_len].iter().collect();
    match chars.get(start + prefix_len) {
        None => Err(QuantityError::UnknownSuffix {
            hint: match prefix.as_str() {
                "K" => "use 'k' (×1000) or 'Ki' (×1024)".to_string(),
                "e" => "an exponent needs digits, such as 1e3".to_string(),
                _ => format!("expected one of {SUFFIX_LIST}"),
            },
            suffix: prefix,
            position: start,
        }),
        Some(&found) => {
            let expected = if prefix.is_empty() {
                format!("expected a digit or a suffix ({SUFFIX_LIST})")
            } else if DECIMAL_SUFFIXES.iter().any(|(d, _)| *d == prefix)
                && BINARY_SUFFIXES.iter().any(|b| b.starts_with(&prefix))
            {
                format!("expected the end of the quantity or 'i' after {prefix:?}")
            } else if BINARY_SUFFIXES.contains(&prefix.as_str())
                || DECIMAL_SUFFIXES.iter().any(|(d, _)| *d == prefix)
            {
                format!("expected the end of the quantity after suffix {prefix:?}")
            } else if prefix == "e" {
                "expected exponent digits, such as 1e3".to_string()
            } else {
                format!("expected 'i' after {prefix:?}")
            };
            Err(QuantityError::UnexpectedChar {
                found,
                position: start + prefix_len,
                expected,
            })
        }
    }
}

/// Reads `[+-]digits` to the end of input. Large exponents are clamped: the
/// magnitude check later turns them into "too large" or a 1n round-up.
fn parse_exponent(chars: &[char], start: usize) -> Result<i64, QuantityError> {
    let mut i = start;
    let mut negative = false;
    if chars[i] == '+' || chars[i] == '-' {
        negative = chars[i] == '-';
        i += 1;
    }
    let digits_start = i;
    let mut value: i64 = 0;
    while i < chars.len() {
        let Some(d) = chars[i].to_digit(10) else {
            return Err(QuantityError::UnexpectedChar {
                found: chars[i],
                position: i,
                expected: if i == digits_start {
                    "expected exponent digits".to_string()
                } else {
                    "expected the end of the quantity after the exponent".to_string()
                },
            });
        };
        value = (value * 10 + i64::from(d)).min(1_000_000);
        i += 1;
    }
    if i == digits_start {
        return Err(QuantityError::MissingDigits { position: i });
    }
    Ok(if negative { -value } else { value })
}

/// |value| in nanos, rounded up (away from zero) to 1n like the API server.
fn magnitude_nanos(
    int_digits: &[char],
    frac_digits: &[char],
    exp10: i64,
    binary_exp: u32,
) -> Result<u128, QuantityError> {
    let mut digits: Vec<u8> = int_digits
        .iter()
        .chain(frac_digits)
        .filter_map(|c| c.to_digit(10).map(|d| d as u8))
        .collect();
    let mut exp = exp10 - frac_digits.len() as i64;
    let leading = digits.iter().take_while(|d| **d == 0).count();
    digits.drain(..leading);
    while digits.last() == Some(&0) {
        digits.pop();
        exp += 1;
    }
    if digits.is_empty() {
        return Ok(0);
    }
    if digits.len() > MAX_POW10 as usize {
        return Err(QuantityError::TooPrecise);
    }
    let mantissa = digits
        .iter()
        .fold(0u128, |acc, d| acc * 10 + u128::from(*d));
    let two_pow = 1u128 << binary_exp;
    // Scale to nanos: value = mantissa × 2^b × 10^(exp + 9).
    let t = exp + 9;
    if t >= 0 {
        let scale = u32::try_from(t)
            .ok()
            .and_then(pow10)
            .ok_or(QuantityError::TooLarge)?;
        return mantissa
            .checked_mul(scale)
            .and_then(|v| v.checked_mul(two_pow))
            .ok_or(QuantityError::TooLarge);
    }
    let s = t.unsigned_abs();
    if s > u64::from(MAX_POW10) {
        if binary_exp == 0 {
            // mantissa < 10^38 < 10^s, so the value is below 1n: rounds up.
            return Ok(1);
        }
        return Err(QuantityError::TooPrecise);
    }
    let den = pow10(s as u32).ok_or(QuantityError::TooPrecise)?;
    let quotient = mantissa / den;
    let mut rem = mantissa % den;
    let mut carried = 0u128;
    // Long multiplication of the remainder by 2^b, one bit at a time, keeps
    // every intermediate below 2·10^38 < u128::MAX.
    for _ in 0..binary_exp {
        carried *= 2;
        rem *= 2;
        if rem >= den {
            carried += 1;
            rem -= den;
        }
    }
    quotient
        .checked_mul(two_pow)
        .and_then(|v| v.checked_add(carried))
        .and_then(|v| v.checked_add(u128::from(rem > 0)))
        .ok_or(QuantityError::TooLarge)
}

fn canonical(nanos: i128, format: QuantityFormat) -> String {
    if nanos == 0 {
        return "0".to_string();
    }
    let sign = if nanos < 0 { "-" } else { "" };
    let mag = nanos.unsigned_abs();
    if format == QuantityFormat::BinarySi
        && mag.is_multiple_of(NANOS_PER_UNIT)
        && mag / NANOS_PER_UNIT >= 1024
    {
        let mut units = mag / NANOS_PER_UNIT;
        let mut k = 0;
        while k < BINARY_SUFFIXES.len() && units.is_multiple_of(1024) {
            units /= 1024;
            k += 1;
        }
        let suffix = if k == 0 { "" } else { BINARY_SUFFIXES[k - 1] };
        return format!("{sign}{units}{suffix}");
    }
    let mut zeros: i32 = 0;
    let mut m = mag;
    while m.is_multiple_of(10) {
        m /= 10;
        zeros += 1;
    }
    // Exponent of the value in units, floored to a multiple of three.
    let mut e3 = (zeros - 9).div_euclid(3) * 3;
    if format != QuantityFormat::DecimalExponent {
        e3 = e3.min(18);
    }
    let mantissa = mag / 10u128.pow((e3 + 9) as u32);
    let suffix = match format {
        QuantityFormat::DecimalExponent => {
            if e3 == 0 {
                String::new()
            } else {
                format!("e{e3}")
            }
        }
        _ => DECIMAL_SUFFIXES
            .iter()
            .find(|(_, e)| *e == e3)
            .map(|(d, _)| (*d).to_string())
            .unwrap_or_default(),
    };
    format!("{sign}{mantissa}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        parse_quantity(s).unwrap()
    }

    fn err(s: &str) -> String {
        parse_quantity(s).unwrap_err().to_string()
    }

    #[test]
    fn a_negative_limit_is_refused_for_every_resource() {
        for (resource, text) in [
            ("pods", "-1"),
            ("requests.memory", "-1Gi"),
            ("cpu", "-500m"),
        ] {
            let q = parse_quantity(text).expect(text);
            let (refused, why) = unit_advice(resource, &q).expect(text);
            assert!(refused, "{resource}={text}");
            assert_eq!(why, format!("{resource} cannot be negative"));
        }
        assert_eq!(unit_advice("pods", &parse_quantity("0").unwrap()), None);
    }

    #[test]
    fn parses_plain_and_decimal_suffixes() {
        assert_eq!(q("0").nanos(), 0);
        assert_eq!(q("1").nanos(), 1_000_000_000);
        assert_eq!(q("1500m").nanos(), 1_500_000_000);
        assert_eq!(q("250n").nanos(), 250);
        assert_eq!(q("3u").nanos(), 3_000);
        assert_eq!(q("2k").nanos(), 2_000_000_000_000);
        assert_eq!(q("1M"), Quantity::from_units(1_000_000));
        assert_eq!(q("1G"), Quantity::from_units(1_000_000_000));
        assert_eq!(q("1T"), Quantity::from_units(1_000_000_000_000));
        assert_eq!(q("1P"), Quantity::from_units(1_000_000_000_000_000));
        assert_eq!(q("1E"), Quantity::from_units(1_000_000_000_000_000_000));
    }

    #[test]
    fn parses_binary_suffixes() {
        assert_eq!(q("1Ki"), Quantity::from_units(1024));
        assert_eq!(q("1Mi"), Quantity::from_units(1 << 20));
        assert_eq!(q("1Gi"), Quantity::from_units(1 << 30));
        assert_eq!(q("1Ti"), Quantity::from_units(1 << 40));
        assert_eq!(q("1Pi"), Quantity::from_units(1 << 50));
        assert_eq!(q("1Ei"), Quantity::from_units(1 << 60));
        assert_eq!(q("1.5Gi"), Quantity::from_units(3 << 29));
        assert_eq!(q("1Gi").format(), QuantityFormat::BinarySi);
    }

    #[test]
    fn parses_exponents_and_signs() {
        assert_eq!(q("1e3"), Quantity::from_units(1000));
        assert_eq!(q("1E3"), Quantity::from_units(1000));
        assert_eq!(q("5e-3"), Quantity::from_millis(5));
        assert_eq!(q("1.25e+2"), Quantity::from_units(125));
        assert_eq!(q("1e3").format(), QuantityFormat::DecimalExponent);
        assert_eq!(q("-1"), Quantity::from_units(-1));
        assert_eq!(q("+2"), Quantity::from_units(2));
        assert_eq!(q(".5"), Quantity::from_millis(500));
        assert_eq!(q("1."), Quantity::from_units(1));
        assert_eq!(q("007"), Quantity::from_units(7));
    }

    #[test]
    fn rounds_up_below_nano_precision_like_the_api_server() {
        assert_eq!(q("0.1n").nanos(), 1);
        assert_eq!(q("1.0000000001").nanos(), 1_000_000_001);
        assert_eq!(q("-0.1n").nanos(), -1);
        assert_eq!(q("1e-100").nanos(), 1);
        // 1e-10 × 1024 units = 102.4n, rounded up.
        assert_eq!(q("0.0000000001Ki").nanos(), 103);
        // 0.001Ki = 1.024 bytes, exactly representable.
        assert_eq!(q("0.001Ki").nanos(), 1_024_000_000);
    }

    #[test]
    fn is_exact_where_floats_are_not() {
        // 2^63 + 1 and a 30-digit value would both lose digits in an f64.
        assert_eq!(
            q("9223372036854775809").nanos(),
            9_223_372_036_854_775_809 * 1_000_000_000
        );
        let big = q("123456789012345678901234567890n");
        assert_eq!(big.nanos(), 123_456_789_012_345_678_901_234_567_890);
        assert!(q("0.1") < q("0.1000000001"));
        assert_eq!(q("0.1").checked_add(&q("0.2")).unwrap(), q("0.3"));
    }

    #[test]
    fn equal_values_compare_equal_across_formats() {
        assert_eq!(q("1Gi"), q("1073741824"));
        assert_eq!(q("1000m"), q("1"));
        assert_eq!(q("1e3"), q("1k"));
        assert!(q("1Gi") > q("1G"));
        assert!(q("999m") < q("1"));
    }

    #[test]
    fn error_points_at_the_space() {
        assert_eq!(
            err("4 cpus"),
            format!(
                "unexpected character ' ' at position 2: expected a digit or a suffix ({SUFFIX_LIST})"
            )
        );
        assert_eq!(parse_quantity("4 cpus").unwrap_err().position(), Some(1));
    }

    #[test]
    fn error_points_at_the_second_point() {
        let e = parse_quantity("1.5.2Gi").unwrap_err();
        assert_eq!(e.position(), Some(3));
        assert_eq!(
            e.to_string(),
            "unexpected character '.' at position 4: a number has at most one decimal point"
        );
    }

    #[test]
    fn errors_for_bad_suffixes() {
        assert!(err("4Gb").starts_with("unexpected character 'b' at position 3"));
        assert!(err("4Gb").contains("or 'i' after \"G\""));
        assert!(err("4GiB").starts_with("unexpected character 'B' at position 4"));
        assert_eq!(
            err("4K"),
            "unknown suffix \"K\" at position 2: use 'k' (×1000) or 'Ki' (×1024)"
        );
        assert!(err("4Kb").starts_with("unexpected character 'b' at position 3: expected 'i'"));
        assert!(err("1e").contains("an exponent needs digits"));
        assert_eq!(err("1e+"), "expected a digit at position 4");
        assert!(err("1e3x").starts_with("unexpected character 'x' at position 4"));
        assert!(err("1e3x").contains("after the exponent"));
        assert!(err("2mi").starts_with("unexpected character 'i' at position 3"));
    }

    #[test]
    fn errors_for_missing_numbers() {
        assert_eq!(parse_quantity(""), Err(QuantityError::Empty));
        assert_eq!(err("-"), "expected a digit at position 2");
        assert_eq!(err("."), "expected a digit at position 2");
        assert!(err("Gi").starts_with("unexpected character 'G' at position 1: expected a digit"));
        assert!(err(" 4").starts_with("unexpected character ' ' at position 1"));
        assert!(err("--1").starts_with("unexpected character '-' at position 2"));
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let e = parse_quantity("5µs").unwrap_err();
        assert_eq!(e.position(), Some(1));
        assert!(
            e.to_string()
                .starts_with("unexpected character 'µ' at position 2")
        );
    }

    #[test]
    fn errors_for_out_of_range_values() {
        assert_eq!(parse_quantity("1e100"), Err(QuantityError::TooLarge));
        assert_eq!(
            parse_quantity("999999999999999999999Ei"),
            Err(QuantityError::TooLarge)
        );
        assert_eq!(
            parse_quantity("1.000000000000000000000000000000000000001"),
            Err(QuantityError::TooPrecise)
        );
        // Trailing zeros are not significant.
        assert!(parse_quantity("1.000000000000000000000000000000000000000").is_ok());
    }

    #[test]
    fn canonical_matches_the_api_server() {
        for (input, expected) in [
            ("1500m", "1500m"),
            ("2000m", "2"),
            ("1000", "1k"),
            ("0.5", "500m"),
            ("1Gi", "1Gi"),
            ("1024Mi", "1Gi"),
            ("1.5Gi", "1536Mi"),
            ("1025Ki", "1025Ki"),
            ("1000Ki", "1000Ki"),
            ("0", "0"),
            ("0Gi", "0"),
            ("-1500m", "-1500m"),
            ("1e3", "1e3"),
            ("1.5e3", "1500"),
            ("100n", "100n"),
            ("0.5Ki", "512"),
            ("12E", "12E"),
            ("1000E", "1000E"),
        ] {
            assert_eq!(q(input).to_string(), expected, "canonical of {input}");
        }
    }

    #[test]
    fn human_format_by_resource() {
        assert_eq!(q("1500m").format_for("cpu"), "1500m");
        assert_eq!(q("2").format_for("requests.cpu"), "2");
        assert_eq!(q("2000m").format_for("limits.cpu"), "2");
        assert_eq!(q("100u").format_for("cpu"), "100u");
        assert_eq!(q("1073741824").format_for("memory"), "1Gi");
        assert_eq!(q("536870912").format_for("requests.memory"), "512Mi");
        assert_eq!(q("1G").format_for("limits.memory"), "1G");
        assert_eq!(q("1500M").format_for("requests.storage"), "1500M");
        assert_eq!(
            q("10Gi").format_for("gold.storageclass.storage.k8s.io/requests.storage"),
            "10Gi"
        );
        assert_eq!(q("2Mi").format_for("hugepages-2Mi"), "2Mi");
        assert_eq!(q("1000").format_for("pods"), "1000");
        assert_eq!(q("10").format_for("count/deployments.apps"), "10");
        // Computed sums have no original text; fall back to canonical form.
        let sum = q("1G").checked_add(&q("1")).unwrap();
        assert_eq!(sum.format_for("memory"), "1000000001");
    }

    #[test]
    fn ratio_and_pressure() {
        assert_eq!(ratio(&q("500m"), &q("2")), Some(0.25));
        assert_eq!(ratio(&q("1Gi"), &q("1Gi")), Some(1.0));
        assert_eq!(ratio(&q("0"), &q("0")), None);
        assert_eq!(ratio(&q("1"), &q("0")), Some(f64::INFINITY));
        assert_eq!(ratio(&q("1"), &q("-1")), None);
        assert!(pressure_at_least(&q("800m"), &q("1"), 80));
        assert!(!pressure_at_least(&q("799999999n"), &q("1"), 80));
        assert!(pressure_at_least(&q("1"), &q("0"), 100));
        assert!(!pressure_at_least(&q("0"), &q("0"), 100));
    }

    #[test]
    fn arithmetic_keeps_left_format() {
        let sum = q("1Gi").checked_add(&q("1Gi")).unwrap();
        assert_eq!(sum.to_string(), "2Gi");
        assert_eq!(sum.original(), None);
        assert_eq!(
            q("1").checked_sub(&q("1500m")).unwrap().to_string(),
            "-500m"
        );
        assert_eq!(q("1").saturating_add(&q("1")), q("2"));
        assert_eq!(q("1500m").millis_ceil(), 1500);
        assert_eq!(q("1500m").units_ceil(), 2);
        assert_eq!(q("1n").millis_ceil(), 1);
    }

    #[test]
    fn converts_from_k8s_openapi() {
        let k = K8sQuantity("250m".to_string());
        assert_eq!(Quantity::try_from(&k).unwrap(), Quantity::from_millis(250));
        assert!(Quantity::try_from(&K8sQuantity("x".to_string())).is_err());
        assert_eq!(
            "1Ki".parse::<Quantity>().unwrap(),
            Quantity::from_bytes_binary(1024)
        );
    }

    #[test]
    fn resource_units() {
        assert_eq!(ResourceUnit::of("cpu"), ResourceUnit::Cpu);
        assert_eq!(ResourceUnit::of("limits.cpu"), ResourceUnit::Cpu);
        assert_eq!(
            ResourceUnit::of("requests.ephemeral-storage"),
            ResourceUnit::Bytes
        );
        assert_eq!(ResourceUnit::of("hugepages-1Gi"), ResourceUnit::Bytes);
        assert_eq!(ResourceUnit::of("services.nodeports"), ResourceUnit::Count);
    }
}
