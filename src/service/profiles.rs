//! Saved organization, administrator and contact profiles per account (Tencent "My Profile",
//! Alibaba's contacts and company profiles), checked before they are kept, for applications to
//! reuse.

use std::fmt;
use std::sync::Arc;

use crate::backend::{OrderStore, Scope, StoreError};
use crate::policy::ParamCode;
use crate::policy::{OrderInfo, Report, Severity, Violation};
use crate::service::ServiceError;

/// A profile name: at most this many characters.
pub const MAX_PROFILE_NAME_CHARS: usize = 64;
/// Saved profiles per account and region: at most this many.
pub const MAX_PROFILES: usize = 100;

/// The saved profiles of each account, over an [`OrderStore`].
pub struct ProfileBook {
    orders: Arc<dyn OrderStore>,
}

impl fmt::Debug for ProfileBook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProfileBook")
    }
}

fn name_violations(name: &str) -> Vec<Violation> {
    let mut found = Vec::new();
    let len = name.chars().count();
    if name.trim().is_empty() {
        found.push(Violation::error(
            "profile_name",
            ParamCode::ProfileNameMissing,
            "a saved profile needs a name",
        ));
    } else if len > MAX_PROFILE_NAME_CHARS {
        found.push(Violation::error(
            "profile_name",
            ParamCode::ProfileNameTooLong,
            format!("the name is {len} characters; at most {MAX_PROFILE_NAME_CHARS}"),
        ));
    }
    if name.chars().any(char::is_control) {
        found.push(Violation::error(
            "profile_name",
            ParamCode::ProfileNameControlCharacter,
            "the name holds a control character",
        ));
    }
    found
}

/// A store's "not found" as the rule violation a person reads.
fn unknown_profile(e: StoreError, name: &str) -> ServiceError {
    match e {
        StoreError::NotFound { .. } => ServiceError::rule(
            "profile_name",
            ParamCode::ProfileNotFound,
            format!("no saved profile is called {:?}", name.trim()),
        ),
        other => other.into(),
    }
}

impl ProfileBook {
    /// The profiles kept in `orders`.
    pub fn new(orders: Arc<dyn OrderStore>) -> Self {
        ProfileBook { orders }
    }

    /// Checks and saves (or replaces) a profile under `name`. Warnings (a mobile number given
    /// as the organization's phone, say) do not stop it; they are returned.
    pub async fn save(
        &self,
        scope: &Scope,
        name: &str,
        info: &OrderInfo,
    ) -> Result<Vec<Violation>, ServiceError> {
        let mut found = name_violations(name);
        found.extend(info.check());
        if found.iter().any(|v| v.severity == Severity::Error) {
            return Err(ServiceError::Rules(Report {
                violations: found,
                also_covers: Vec::new(),
            }));
        }
        let name = name.trim();
        match self
            .orders
            .save_profile(scope, name, info, MAX_PROFILES as u64)
            .await
        {
            Ok(()) => {}
            Err(StoreError::LimitReached { .. }) => {
                return Err(ServiceError::rule(
                    "profile_name",
                    ParamCode::ProfileTooMany,
                    format!("an account keeps at most {MAX_PROFILES} profiles; delete one first"),
                ));
            }
            Err(e) => return Err(e.into()),
        }
        Ok(found)
    }

    /// A saved profile, to fill an application with.
    pub async fn get(&self, scope: &Scope, name: &str) -> Result<OrderInfo, ServiceError> {
        self.orders
            .get_profile(scope, name.trim())
            .await
            .map_err(|e| unknown_profile(e, name))
    }

    /// The names of the saved profiles, sorted.
    pub async fn names(&self, scope: &Scope) -> Result<Vec<String>, ServiceError> {
        Ok(self.orders.list_profiles(scope).await?)
    }

    /// Deletes a saved profile.
    pub async fn delete(&self, scope: &Scope, name: &str) -> Result<(), ServiceError> {
        self.orders
            .delete_profile(scope, name.trim())
            .await
            .map_err(|e| unknown_profile(e, name))
    }
}
