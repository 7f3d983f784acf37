// ACM: the property types of its kinds.

use serde::{Deserialize, Serialize};

use crate::model::KindProperties;

/// This service's kinds, `Variant = "name"` each (the variant also names its properties type),
/// in snapshot order: the model generates `ResourceKind` and `Properties` from every service's
/// list, calling it as `<service>::kinds!`.
macro_rules! kinds {
    ($chain:ident, $target:ident; { $($done:tt)* } $($rest:ident)*) => {
        $chain!($target; {
            $($done)*
            /// An ACM certificate.
            AcmCertificate = "acm-certificate",
        } $($rest)*);
    };
}
pub(crate) use kinds;

/// An ACM certificate. Its private key is never read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcmCertificate {
    /// The domain it was issued for.
    pub domain: String,
    /// Every name it covers (the domain included), sorted.
    pub alternative_names: Vec<String>,
    /// `ISSUED`, `PENDING_VALIDATION`, `EXPIRED`, `REVOKED`, ...
    pub status: String,
    /// `AMAZON_ISSUED`, `IMPORTED` or `PRIVATE`.
    pub certificate_type: Option<String>,
    /// `RSA_2048`, `EC_prime256v1`, ...
    pub key_algorithm: Option<String>,
    /// When it expires, RFC 3339 UTC (expected to differ between environments and scans).
    pub not_after: Option<String>,
    /// `ELIGIBLE` when ACM can renew it by itself.
    pub renewal_eligibility: Option<String>,
    /// How its domains are validated (`DNS`, `EMAIL`), for ACM-issued ones.
    pub validation_method: Option<String>,
    /// The ARNs of what uses it (load balancers, distributions), sorted.
    pub in_use_by: Vec<String>,
}

impl KindProperties for AcmCertificate {
    fn canonicalize(&mut self) {
        self.alternative_names.sort();
        self.alternative_names.dedup();
        self.in_use_by.sort();
    }
}
