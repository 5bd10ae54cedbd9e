//! The refusal-message parser (`model/projection/event.rs`): any text,
//! real messages with hostile pieces spliced in, and generated well-formed
//! messages that must read back as written.

use super::*;

use tenantry::model::projection::{MAX_MESSAGE, RefusalCause, parse_refusal};

/// Pieces of the messages controllers write, to be mixed with hostile text.
const FRAGMENTS: &[&str] = &[
    "Error creating: pods \"web-1\" is forbidden: ",
    "exceeded quota: ",
    "failed quota: ",
    ", requested: ",
    ", used: ",
    ", limited: ",
    ": must specify ",
    " for: ",
    "; ",
    "requests.cpu=500m",
    "pods=1",
    "maximum cpu usage per Container is 1, but limit is 2",
    "minimum memory usage per Pod is ",
    ", but request is ",
    " max limit to request ratio per Container is ",
    ", but provided ratio is ",
    "[",
    "]",
    ",",
    "=",
];

fn message() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => proptest::sample::select(FRAGMENTS).prop_map(String::from),
        3 => hostile_string(),
    ];
    prop_oneof![
        1 => any::<String>(),
        4 => proptest::collection::vec(piece, 0..10).prop_map(|p| p.concat()),
    ]
}

fn word() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9.-]{0,20}"
}

fn quantity() -> impl Strategy<Value = String> {
    prop_oneof!["[0-9]{1,4}", "[0-9]{1,4}m", "[0-9]{1,3}(Ki|Mi|Gi)"]
}

proptest! {
    #![proptest_config(cases(REFUSAL_CASES))]

    /// Never a panic; what is kept of an unread message is bounded; and
    /// what is read into names carries no control or space character.
    #[test]
    fn any_message_parses_or_is_kept_whole_and_bounded(text in message()) {
        match parse_refusal(&text) {
            RefusalCause::Unparsed { message } => {
                prop_assert!(message.len() <= MAX_MESSAGE + '…'.len_utf8());
                if text.len() <= MAX_MESSAGE {
                    prop_assert_eq!(message, text);
                }
            }
            RefusalCause::Quota { quota, shortfalls } => {
                let names = std::iter::once(&quota)
                    .chain(shortfalls.iter().map(|s| &s.resource))
                    .chain(shortfalls.iter().flat_map(|s| s.raw.iter()).filter(|r| !r.is_empty()));
                for name in names {
                    prop_assert!(name.chars().all(|c| c.is_ascii_graphic()), "{name:?}");
                }
            }
            RefusalCause::QuotaMissing { quota, resources } => {
                for name in std::iter::once(&quota).chain(resources.iter()) {
                    prop_assert!(name.chars().all(|c| c.is_ascii_graphic()), "{name:?}");
                }
            }
            RefusalCause::LimitRange { violations } => {
                for v in &violations {
                    for name in [&v.resource, &v.per, &v.allowed] {
                        prop_assert!(name.chars().all(|c| c.is_ascii_graphic()), "{name:?}");
                    }
                }
            }
            RefusalCause::Other => {}
        }
    }

    /// A well-formed quota message reads back as written.
    #[test]
    fn a_quota_message_reads_back(
        quota in word(),
        resources in proptest::collection::btree_map(word(), (quantity(), quantity(), quantity()), 1..4),
    ) {
        let list = |i: usize| -> String {
            resources
                .iter()
                .map(|(r, q)| format!("{r}={}", [&q.0, &q.1, &q.2][i]))
                .collect::<Vec<_>>()
                .join(",")
        };
        let text = format!(
            "Error creating: pods \"x-1\" is forbidden: exceeded quota: {quota}, requested: {}, used: {}, limited: {}",
            list(0), list(1), list(2)
        );
        let RefusalCause::Quota { quota: read, shortfalls } = parse_refusal(&text) else {
            return Err(TestCaseError::fail(format!("not read: {text}")));
        };
        prop_assert_eq!(read, quota);
        prop_assert_eq!(shortfalls.len(), resources.len());
        for (s, (r, q)) in shortfalls.iter().zip(&resources) {
            prop_assert_eq!(&s.resource, r);
            prop_assert_eq!(&s.raw, &[q.0.clone(), q.1.clone(), q.2.clone()]);
            prop_assert_eq!(s.requested.clone(), parse_quantity(&q.0).ok());
        }
    }
}
