//! `secrets.encryption-at-rest` (info): always unknown.

use super::{CheckContext, Verdict};

pub(super) fn encryption_at_rest(_: &CheckContext<'_>) -> Verdict {
    Verdict::unknown(
        "encryption at rest is apiserver configuration (--encryption-provider-config), not visible through the API",
    )
}
