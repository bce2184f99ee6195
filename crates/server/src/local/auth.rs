//! API keys and permissions of the local Connect360 (`connect360-api.md` §1.3–§1.4).

use crate::error::ApiError;
use connect360_model::wire::ErrorCode;

/// A permission a key's role grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// `connect360:conversation:engage`
    Engage,
    /// `connect360:conversation:read`
    Read,
    /// `connect360:conversation:delete`
    Delete,
}

/// A configured key.
#[derive(Debug, Clone)]
pub struct ApiKey {
    pub secret: String,
    pub permissions: Vec<Permission>,
}

impl ApiKey {
    /// A key whose role has every Connect360 permission.
    pub fn full_access(secret: String) -> Self {
        ApiKey {
            secret,
            permissions: vec![Permission::Engage, Permission::Read, Permission::Delete],
        }
    }

    /// 403 unless the key has one of `any_of`.
    pub fn require(&self, any_of: &[Permission]) -> Result<(), ApiError> {
        if any_of.iter().any(|p| self.permissions.contains(p)) {
            Ok(())
        } else {
            Err(ApiError::new(
                ErrorCode::Forbidden,
                "Unauthorized API key permissions.",
            ))
        }
    }
}
