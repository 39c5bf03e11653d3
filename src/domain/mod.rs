//! Pure rules of the product: channels, lifecycle states and transitions,
//! who may take each transition, units, categories with their deadlines,
//! tracking codes and the validation of a citizen's request.
//!
//! Architecture invariant: nothing in here imports actix or diesel, and
//! nothing here does I/O. Everything else asks this module what is allowed.

pub mod access;
pub mod category;
pub mod channel;
pub mod clock;
pub(crate) mod code;
pub mod event;
pub mod lifecycle;
pub mod money;
pub mod phone;
#[cfg(test)]
mod properties;
pub mod rating;
pub mod refusal;
pub mod request;
pub mod roles;
pub mod search;
pub mod step;
pub mod tracking;
pub mod unit;

pub use category::Deadlines;
pub use channel::{Channel, Source};
pub use code::UnknownCode;
pub use event::EventKind;
pub use lifecycle::{State, Transition, TransitionError};
pub use rating::Rating;
pub use refusal::Refusal;
pub use roles::{Actor, Role};
pub use unit::UnitKind;
