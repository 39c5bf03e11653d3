//! Use cases: what each change to Shishi's data means, written once for
//! every door into it — the web forms, Open311, the command line and the
//! demo. Each function takes typed input and the person acting, decides
//! with `domain`, writes through `db`, and answers with a typed outcome or
//! an [`Error`]. Nothing here knows about HTTP, languages or templates.
//!
//! A use case runs on the connection it is given and does not choose its
//! thread: the web runs it on the blocking pool (and a citizen's new
//! request on SQLite in the writer's next batch), the CLI and the demo
//! call it directly.

pub mod accounts;
pub mod error;
pub mod fund;
pub mod guesses;
pub mod matters;
pub mod notify;
pub mod photos;
pub mod plan;
pub mod rating;
pub mod requests;
pub mod steps;
pub mod volunteers;

pub use accounts::Staff;
pub use error::{Error, Result};
