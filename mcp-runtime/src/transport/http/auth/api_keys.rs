//! API keys, found by digest in constant time.

use sha2::{Digest, Sha256};
use subtle::{ConditionallySelectable, ConstantTimeEq};

use super::options::ApiKey;
use crate::principal::{AuthMethod, Principal};

/// The configured keys.
pub(super) struct ApiKeys(Vec<ApiKey>);

impl ApiKeys {
    pub(super) fn new(keys: Vec<ApiKey>) -> Self {
        ApiKeys(keys)
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The principal of the key `presented`, if it is one. The key's SHA-256 is compared with
    /// every configured digest, always all of them and always 32 bytes each, so neither the
    /// time nor a length tells an attacker how close a guess came or which entry matched.
    pub(super) fn principal(&self, presented: &str) -> Option<Principal> {
        let digest: [u8; 32] = Sha256::digest(presented).into();
        let mut found = subtle::Choice::from(0);
        let mut index = 0u32;
        for (i, key) in self.0.iter().enumerate() {
            let matches = key.digest.ct_eq(&digest);
            index.conditional_assign(&(i as u32), matches);
            found |= matches;
        }
        if !bool::from(found) {
            return None;
        }
        let key = &self.0[index as usize];
        let method = AuthMethod::ApiKey {
            name: key.name.clone(),
        };
        Some(Principal::new(key.name.clone(), method).with_scopes(key.scopes.iter().cloned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_key_is_found() {
        let keys = ApiKeys::new(vec![
            ApiKey::new("probe", "k_abcdefghijklmnop", ["tickets:read"]).unwrap(),
            ApiKey::new("ops", "k_qrstuvwxyz012345", ["tickets"]).unwrap(),
        ]);
        let ops = keys.principal("k_qrstuvwxyz012345").expect("known");
        assert_eq!(ops.subject(), "ops");
        assert!(ops.has_scope("tickets:write"));
        assert_eq!(
            keys.principal("k_abcdefghijklmnop").unwrap().subject(),
            "probe"
        );
        for wrong in [
            "",
            "k_abcdefghijklmno",
            "k_abcdefghijklmnopq",
            "K_ABCDEFGHIJKLMNOP",
        ] {
            assert!(keys.principal(wrong).is_none(), "{wrong:?} accepted");
        }
    }
}
