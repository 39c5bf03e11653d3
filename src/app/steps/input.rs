//! What a staff member typed into a step's form, read into types. Reading
//! is the caller's job (the web's form, the demo's script); whether what
//! was read will do is the rules' job, in the rest of this module.

use std::str::FromStr;

use chrono::NaiveDate;

use crate::domain::Channel;

/// A field as read: left blank, typed but not readable as what it should
/// be, or a value. Some rules tell the first two apart (a blank category
/// keeps the matter's own; an unreadable one is refused).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Typed<T> {
    #[default]
    Blank,
    Unreadable,
    Given(T),
}

impl<T: FromStr> Typed<T> {
    /// Reads a field as typed.
    pub fn parse(text: &str) -> Typed<T> {
        let text = text.trim();
        if text.is_empty() {
            return Typed::Blank;
        }
        text.parse().map_or(Typed::Unreadable, Typed::Given)
    }
}

/// A dispatcher's answer to a unit's request for more days.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Refuse,
}

/// A milestone added or updated.
#[derive(Clone, Debug, Default)]
pub struct MilestoneInput {
    /// The milestone to update; a new one when absent (or not this matter's).
    pub id: Option<i64>,
    /// Blank keeps the milestone's title.
    pub title: String,
    /// Absent keeps the milestone's planned date.
    pub planned_on: Option<NaiveDate>,
    /// Blank means not done yet.
    pub done_on: Typed<NaiveDate>,
    /// Blank keeps the milestone's progress.
    pub progress: Typed<i32>,
}

/// Every field a step's form may have. A step reads the ones it needs.
#[derive(Clone, Debug, Default)]
pub struct StepInput {
    /// A note, reason, reply, instruction or outcome.
    pub note: String,
    /// Whether a note is shown to the citizen.
    pub public: bool,
    /// The unit to dispatch to, or a project's lead unit.
    pub unit: Option<i64>,
    /// Accept: blank keeps the channel. Re-route: the channel to move to.
    pub channel: Typed<Channel>,
    /// Accept: blank keeps the category.
    pub category: Typed<i64>,
    /// Merge: the primary's tracking code, as normalized.
    pub primary: Option<String>,
    /// An extension's days.
    pub days: Option<i32>,
    pub decision: Option<Decision>,
    /// Micro-matters, in fen: approved on accepting (absent: as requested),
    /// spent on resolving (0 allowed).
    pub amount: Option<i64>,
    /// A volunteer service's date and length.
    pub served_on: Option<NaiveDate>,
    pub minutes: Option<i32>,
    pub milestone: MilestoneInput,
    /// Photos with a progress note or the resolution (the finished work),
    /// shown to the citizen when the step is public.
    pub photos: Vec<crate::app::photos::NewPhoto>,
}
