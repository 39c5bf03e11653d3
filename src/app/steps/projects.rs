//! Leader projects and department matters: their milestones, whose
//! progress makes up the project's (`app::matters::project_progress`).

use super::{Context, MilestoneInput, Planned, Typed};
use crate::db::matters::Extra;
use crate::domain::Refusal;
use crate::domain::step::{PROGRESS, milestone_title_ok};

/// Adds a milestone, or updates one of this matter's: whatever is left
/// blank keeps its value. A milestone done is a milestone at 100 %.
pub(super) fn milestone(
    mut p: Planned,
    ctx: &Context,
    input: &MilestoneInput,
) -> Result<Planned, Refusal> {
    let existing = input
        .id
        .and_then(|id| ctx.milestones.iter().find(|ms| ms.id == id));
    let title = match input.title.trim() {
        "" => existing.map(|e| e.title.clone()).unwrap_or_default(),
        typed => typed.to_owned(),
    };
    if !milestone_title_ok(&title) {
        return Err(Refusal::MilestoneTitle);
    }
    let planned_on = input
        .planned_on
        .or(existing.map(|e| e.planned_on))
        .ok_or(Refusal::PlannedOn)?;
    let done_on = match input.done_on {
        Typed::Blank => None,
        Typed::Given(d) => Some(d),
        Typed::Unreadable => return Err(Refusal::DoneOn),
    };
    let progress = match input.progress {
        Typed::Blank => existing.map_or(0, |e| e.progress),
        Typed::Given(p) if PROGRESS.contains(&p) => p,
        _ => return Err(Refusal::Progress),
    };
    let progress = if done_on.is_some() { 100 } else { progress };
    p.note = format!("{title} · {progress}%");
    p.extra = Extra::Milestone {
        id: existing.map(|e| e.id),
        title,
        planned_on,
        done_on,
        progress,
    };
    Ok(p)
}
