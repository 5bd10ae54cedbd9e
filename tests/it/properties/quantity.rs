//! Quantities: the parser never panics, points inside, round-trips and
//! refuses negatives.

use super::*;

const DECIMAL_SUFFIXES: &[&str] = &["", "n", "u", "m", "k", "M", "G", "T", "P", "E"];
const BINARY_SUFFIXES: &[&str] = &["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

/// A valid Kubernetes quantity, small enough to be held exactly: optional
/// sign, digits, optional fraction, then nothing, a suffix or an exponent.
fn valid_quantity() -> impl Strategy<Value = String> {
    let sign = proptest::sample::select(&["", "+", "-"][..]);
    let int = "[0-9]{1,10}";
    let frac = proptest::option::of("[0-9]{0,9}");
    let tail = prop_oneof![
        proptest::sample::select(DECIMAL_SUFFIXES).prop_map(String::from),
        proptest::sample::select(BINARY_SUFFIXES).prop_map(String::from),
        (
            proptest::sample::select(&["e", "E"][..]),
            proptest::sample::select(&["", "+", "-"][..]),
            0u8..=18
        )
            .prop_map(|(e, s, n)| format!("{e}{s}{n}")),
    ];
    (sign, int, frac, tail).prop_map(|(sign, int, frac, tail)| match frac {
        Some(frac) => format!("{sign}{int}.{frac}{tail}"),
        None => format!("{sign}{int}{tail}"),
    })
}

/// Text that looks like a quantity often enough to reach every branch.
fn quantity_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[0-9]{1,4}",
        2 => proptest::sample::select(&[
            ".", "+", "-", "e", "E", "i", "K", "k", "m", "M", "G", "Gi", "Ki", "n", "u", "P",
            "Ei", "e-", "e+", " ", "µ", "٣", "1e1000000", "99999999999999999999",
        ][..])
        .prop_map(String::from),
        1 => any::<char>().prop_map(String::from),
    ];
    prop_oneof![
        3 => proptest::collection::vec(piece, 0..8).prop_map(|p| p.concat()),
        1 => any::<String>(),
        1 => hostile_string(),
    ]
}

const RESOURCES: &[&str] = &[
    "cpu",
    "requests.cpu",
    "limits.memory",
    "memory",
    "requests.storage",
    "hugepages-2Mi",
    "pods",
    "services",
    "count/deployments.apps",
    "nvidia.com/gpu",
];

proptest! {
    #![proptest_config(cases(QUANTITY_CASES))]

    /// Any text: no panic; a refusal says what is wrong and, when it points
    /// at a character, points inside the text at the character it names.
    #[test]
    fn quantity_parser_never_panics_and_errors_point_inside(text in quantity_like()) {
        match parse_quantity(&text) {
            Ok(q) => {
                // Whatever was read formats and reads back as itself.
                let again = parse_quantity(&q.canonical());
                prop_assert_eq!(again.as_ref().ok(), Some(&q), "{:?} → {:?}", text, q.canonical());
            }
            Err(err) => {
                prop_assert!(!err.to_string().trim().is_empty());
                let chars: Vec<char> = text.chars().collect();
                if let Some(p) = err.position() {
                    prop_assert!(p <= chars.len(), "{:?}: position {} past the end", text, p);
                    let message = err.to_string();
                    prop_assert!(message.contains(&format!("position {}", p + 1)), "{}", message);
                }
                if let tenantry::model::quantity::QuantityError::UnexpectedChar { found, position, .. } = err {
                    prop_assert_eq!(chars.get(position), Some(&found));
                }
            }
        }
    }

    /// Every generated valid quantity parses, and parse → format → parse
    /// gives the same value (and the same text the second time), in the
    /// canonical form and in the form shown for each kind of resource.
    #[test]
    fn valid_quantities_parse_and_roundtrip(text in valid_quantity(), resource in proptest::sample::select(RESOURCES)) {
        let q = parse_quantity(&text);
        prop_assert!(q.is_ok(), "{:?} refused: {:?}", text, q);
        let q = q.unwrap_or_default();
        let canonical = q.canonical();
        let back = parse_quantity(&canonical);
        prop_assert_eq!(back.as_ref().ok(), Some(&q), "{:?} → {:?}", text, canonical);
        prop_assert_eq!(back.map(|b| b.canonical()).ok(), Some(canonical.clone()));
        let shown = q.format_for(resource);
        prop_assert_eq!(parse_quantity(&shown).ok(), Some(q.clone()), "{:?} shown for {} as {:?}", text, resource, shown);
        prop_assert_eq!(canonical.parse::<Quantity>().ok(), Some(q));
    }

    /// A negative value is refused for every resource, and the message
    /// names the resource.
    #[test]
    fn negative_quantities_are_refused(text in valid_quantity(), resource in proptest::sample::select(RESOURCES)) {
        let magnitude = text.trim_start_matches(['+', '-']);
        let negative = format!("-{magnitude}");
        let q = parse_quantity(&negative);
        prop_assert!(q.is_ok(), "{:?} refused: {:?}", negative, q);
        let q = q.unwrap_or_default();
        prop_assume!(!q.is_zero());
        prop_assert!(q.is_negative());
        match unit_advice(resource, &q) {
            Some((true, why)) => prop_assert!(why.contains(resource), "{}", why),
            other => prop_assert!(false, "{:?} for {}: {:?}", negative, resource, other),
        }
    }
}
