//! What a use case can answer instead of its outcome.

use crate::db::DbError;
use crate::domain::Refusal;

/// Why a use case did not do what it was asked. Except for `Db`, nothing
/// was written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No such matter, user or record.
    #[error("no such record")]
    NotFound,
    /// This person may not do this, or not to this record.
    #[error("not allowed")]
    Forbidden,
    /// The matter is no longer at the version the form was made from.
    #[error("the matter changed after version {seen}")]
    Stale { seen: i32 },
    /// A rule said no.
    #[error("refused: {0:?}")]
    Refused(Refusal),
    /// A record with that name exists already.
    #[error("a record with that name exists already")]
    Duplicate,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for Error {
    fn from(e: diesel::result::Error) -> Self {
        Error::Db(DbError::Query(e))
    }
}

impl From<Refusal> for Error {
    fn from(r: Refusal) -> Self {
        Error::Refused(r)
    }
}

/// A use case's answer.
pub type Result<T, E = Error> = std::result::Result<T, E>;
