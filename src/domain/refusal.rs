//! Why a rule said no to a step or a form: one value per reason, each with
//! the message key that explains it to the person who asked. Nothing is
//! written when a refusal is given.

/// A reason a step, a rating or a staff form was not taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Refusal {
    /// This person may not take this step on this matter now.
    NotAllowed,
    /// The step needs a note (a reason, a reply, an instruction).
    NoteRequired,
    /// The note is too long or holds control characters.
    NoteInvalid,
    /// No such channel, or the one it is in already.
    Channel,
    /// No such active category.
    Category,
    /// No matter with that code to merge into (or itself, or one ended).
    Primary,
    /// No such handling unit.
    Unit,
    /// A milestone needs a title of 1 to 100 characters.
    MilestoneTitle,
    PlannedOn,
    DoneOn,
    /// Progress is a whole percentage, 0 to 100.
    Progress,
    /// That milestone is not this matter's.
    Milestone,
    /// An extension is 1 to 90 days.
    Days,
    /// An extension is approved or refused, nothing else.
    Decision,
    /// An amount in yuan, more than nothing and at most a billion.
    Amount,
    /// Spent must be between nothing and the approved amount.
    Spent,
    /// The fund cannot cover the approval.
    FundShort,
    /// A service date in the last year, not in the future.
    ServedOn,
    /// A quarter of an hour to a day.
    Hours,
    /// No such community.
    Community,
    /// A recipient or post needs a name of 1 to 60 characters.
    ClaimName,
    /// Not one of the choices offered.
    Choice,
    /// This rating cannot be given to this matter now.
    Rating,
    /// Not the last four digits of the phone given with the request.
    PhoneDigits,
}

impl Refusal {
    /// The message key of the explanation.
    pub fn key(self) -> &'static str {
        match self {
            Refusal::NotAllowed => "error.forbidden_text",
            Refusal::NoteRequired => "staff.error.note_required",
            Refusal::NoteInvalid => "staff.error.note_invalid",
            Refusal::Channel => "staff.error.channel",
            Refusal::Category => "staff.error.category",
            Refusal::Primary => "staff.error.primary",
            Refusal::Unit => "staff.error.unit",
            Refusal::MilestoneTitle => "staff.error.milestone_title",
            Refusal::PlannedOn => "staff.error.planned_on",
            Refusal::DoneOn => "staff.error.done_on",
            Refusal::Progress => "staff.error.progress",
            Refusal::Milestone => "staff.error.milestone",
            Refusal::Days => "staff.error.days",
            Refusal::Decision => "staff.error.decision",
            Refusal::Amount => "staff.error.amount",
            Refusal::Spent => "staff.error.spent",
            Refusal::FundShort => "staff.error.fund_short",
            Refusal::ServedOn => "staff.error.served_on",
            Refusal::Hours => "staff.error.hours",
            Refusal::Community => "staff.volunteer.error_community",
            Refusal::ClaimName => "staff.volunteer.error_name",
            Refusal::Choice => "form.error.choice",
            Refusal::Rating => "track.rate_error",
            Refusal::PhoneDigits => "track.rate_digits_error",
        }
    }
}
