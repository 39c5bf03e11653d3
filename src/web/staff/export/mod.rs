//! Downloads for the office: any filtered inbox view, the dashboard's
//! tables and the fund ledger, as CSV and as .xlsx (`files`), with the
//! columns the page shows and times in China time. The inbox, which can be
//! large, is sent while it is read, a thousand rows at a time (`stream`).
//! Every download waits for a turn: only a few run at once.

mod files;
mod stream;

pub use stream::Downloads;

use files::{
    BOM, Format, Table, attachment, csv_rows, csv_table, write_rows, write_sheet, xlsx_tables,
};
use stream::{Sink, Stop};

use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, web};
use chrono::Utc;

use crate::db::inbox::{self, Filter};
use crate::db::{Pool, catalog, fund, matters};
use crate::domain::access::{Page, Scope, sees_citizen};
use crate::domain::money::yuan;
use crate::domain::phone;
use crate::web::AppState;
use crate::web::auth::{PageAccess, StaffUser};
use crate::web::db;
use crate::web::error::{AppError, ErrorKind};
use crate::web::i18n::Lang;
use crate::web::staff::dashboard;
use crate::web::staff::inbox::InboxQuery;

fn format_of(ext: &str, l: Lang) -> Result<Format, AppError> {
    Format::parse(ext).ok_or(ErrorKind::NotFound.lang(l))
}

/// `/staff/fund.{csv,xlsx}`: the whole ledger.
pub async fn fund_ledger(
    state: web::Data<AppState>,
    user: StaffUser,
    l: Lang,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    user.require(Page::Fund, l)?;
    let format = format_of(&path, l)?;
    let _turn = turn(&state, l).await?;
    let (entries, codes) = db(&state, l, |c| {
        let entries = fund::ledger(c, i64::MAX, 0)?;
        let ids: Vec<i64> = entries.iter().filter_map(|e| e.matter_id).collect();
        Ok((entries, matters::codes_of(c, &ids)?))
    })
    .await?;
    let table = Table {
        name: l.t("staff.fund.ledger"),
        headers: [
            "staff.fund.at",
            "staff.fund.kind",
            "staff.form.amount",
            "staff.inbox.code",
            "staff.fund.actor",
            "staff.form.note",
        ]
        .iter()
        .map(|k| l.t(k))
        .collect(),
        rows: entries
            .iter()
            .map(|e| {
                vec![
                    l.time(&e.at),
                    l.t(e.kind.label_key()),
                    yuan(e.amount_fen),
                    e.matter_id
                        .and_then(|id| codes.iter().find(|(i, _)| *i == id))
                        .map(|(_, c)| c.clone())
                        .unwrap_or_default(),
                    e.actor.clone(),
                    e.note.clone(),
                ]
            })
            .collect(),
    };
    let body = match format {
        Format::Csv => csv_table(&table),
        Format::Xlsx => xlsx_tables(&[table]),
    }
    .map_err(|e| {
        log::error!("export: {e}");
        ErrorKind::Internal.lang(l)
    })?;
    Ok(attachment(format, "fund-ledger", body))
}

/// `/staff/dashboard.{csv,xlsx}`: the rates per channel and per unit.
pub async fn dashboard_tables(
    state: web::Data<AppState>,
    user: StaffUser,
    l: Lang,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    user.require(Page::Dashboard, l)?;
    let format = format_of(&path, l)?;
    let _turn = turn(&state, l).await?;
    let m = dashboard::current(&state, l).await?;
    let units = db(&state, l, |c| Ok(catalog::all_units(c)?)).await?;
    let headers: Vec<String> = [
        "dashboard.group",
        "dashboard.count",
        "dashboard.response",
        "dashboard.response_parts",
        "dashboard.resolution",
        "dashboard.resolution_parts",
        "dashboard.satisfaction",
        "dashboard.satisfaction_parts",
        "staff.inbox.overdue_badge",
    ]
    .iter()
    .map(|k| l.t(k))
    .collect();
    let row = |r: crate::views::staff::RateRow| {
        vec![
            r.label,
            r.total.to_string(),
            r.response,
            r.response_parts,
            r.resolution,
            r.resolution_parts,
            r.satisfaction,
            r.satisfaction_parts,
            r.overdue.to_string(),
        ]
    };
    let mut channel_rows = vec![row(dashboard::rate_row(
        l.t("dashboard.overall"),
        &m.overall,
    ))];
    channel_rows.extend(dashboard::per_channel(l, &m).into_iter().map(row));
    let unit_rows: Vec<Vec<String>> = dashboard::ranked_units(l, &m, &units)
        .into_iter()
        .map(|(name, t)| row(dashboard::rate_row(name, &t)))
        .collect();
    let channels = Table {
        name: l.t("dashboard.per_channel"),
        headers: headers.clone(),
        rows: channel_rows,
    };
    let units_table = Table {
        name: l.t("dashboard.per_unit"),
        headers,
        rows: unit_rows,
    };
    let body = match format {
        Format::Csv => {
            // One file: the channel table, a blank line, the unit ranking.
            let mut out = csv_table(&channels);
            if let Ok(out) = &mut out {
                out.extend_from_slice(b"\r\n");
                if let Ok(more) =
                    csv_rows(std::slice::from_ref(&units_table.headers)).and_then(|mut h| {
                        h.extend(csv_rows(&units_table.rows)?);
                        Ok(h)
                    })
                {
                    out.extend(more);
                }
            }
            out
        }
        Format::Xlsx => xlsx_tables(&[channels, units_table]),
    }
    .map_err(|e| {
        log::error!("export: {e}");
        ErrorKind::Internal.lang(l)
    })?;
    Ok(attachment(format, "dashboard", body))
}

/// The most rows one inbox export holds.
const EXPORT_LIMIT: i64 = 1_000_000;
const CHUNK: i64 = inbox::MAX_CHUNK;

async fn turn(state: &web::Data<AppState>, l: Lang) -> Result<stream::Turn, AppError> {
    state
        .downloads
        .turn()
        .await
        .ok_or(ErrorKind::Unavailable.lang(l))
}

/// An inbox row as the page shows it.
struct RowMaker {
    l: Lang,
    units: Vec<catalog::Unit>,
    categories: Vec<catalog::Category>,
    show_phone: bool,
    now: chrono::DateTime<Utc>,
}

impl RowMaker {
    fn row(&self, m: &matters::Matter) -> Vec<String> {
        let l = self.l;
        let unit = |id: Option<i64>| {
            id.and_then(|id| self.units.iter().find(|u| u.id == id))
                .map(|u| l.pick(&u.name, &u.name_en).to_owned())
                .unwrap_or_default()
        };
        let mut row = vec![
            m.code.clone(),
            m.title.clone(),
            l.t(m.state.label_key()),
            l.t(m.channel.label_key()),
            self.categories
                .iter()
                .find(|c| c.id == m.category_id)
                .map(|c| l.pick(&c.name, &c.name_en).to_owned())
                .unwrap_or_default(),
            unit(m.town_id),
            unit(m.unit_id),
            l.time(&m.created_at),
            m.due_at.as_ref().map(|d| l.date(d)).unwrap_or_default(),
            if inbox::is_overdue(m, self.now) {
                l.t("staff.inbox.overdue_badge")
            } else {
                String::new()
            },
        ];
        if self.show_phone {
            row.push(
                m.citizen_phone
                    .as_deref()
                    .map(phone::mask)
                    .unwrap_or_default(),
            );
        }
        row
    }
}

/// Everything an inbox download reads.
struct InboxExport {
    pool: Pool,
    scope: Scope,
    filter: Filter,
    rows: RowMaker,
    headers: Vec<String>,
}

impl InboxExport {
    /// Reads the filtered inbox a page at a time, from the top, handing
    /// each page's rows to `take`.
    fn pages(
        &self,
        mut take: impl FnMut(Vec<Vec<String>>) -> Result<(), Stop>,
    ) -> Result<(), Stop> {
        let mut conn = self.pool.get()?;
        let mut f = self.filter.clone();
        for _ in 0..(EXPORT_LIMIT / CHUNK) {
            let page = inbox::search(&mut conn, &self.scope, &f, self.rows.now)?;
            take(page.rows.iter().map(|m| self.rows.row(m)).collect())?;
            match page.last {
                Some(last) if page.more => f.cursor = Some(last),
                _ => return Ok(()),
            }
        }
        Ok(())
    }

    fn csv(&self, sink: &Sink) -> Result<(), Stop> {
        let mut first = BOM.to_vec();
        first.extend(csv_rows(std::slice::from_ref(&self.headers))?);
        sink.send(first)?;
        self.pages(|lines| match lines.is_empty() {
            true => Ok(()),
            false => sink.send(csv_rows(&lines)?),
        })
    }

    /// A workbook in constant-memory mode keeps its rows in a temporary
    /// file; the finished file is sent in pieces.
    fn xlsx(&self, sink: &Sink) -> Result<(), Stop> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let bold = rust_xlsxwriter::Format::new().set_bold();
        let sheet = book.add_worksheet_with_constant_memory()?;
        write_sheet(sheet, &bold, &self.headers, &[])?;
        let mut written = 0u32;
        self.pages(|lines| {
            write_rows(sheet, &lines, written)?;
            written += u32::try_from(lines.len())?;
            Ok(())
        })?;
        let file = tempfile::NamedTempFile::new()?;
        book.save(file.path())?;
        let mut reader = std::fs::File::open(file.path())?;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = std::io::Read::read(&mut reader, &mut buf)?;
            if n == 0 {
                return Ok(());
            }
            sink.send(buf[..n].to_vec())?;
        }
    }
}

/// `/staff/matters.{csv,xlsx}`: the inbox as filtered, every page of it.
pub async fn inbox(
    state: web::Data<AppState>,
    user: StaffUser,
    l: Lang,
    path: web::Path<String>,
    query: web::Query<InboxQuery>,
) -> Result<HttpResponse, AppError> {
    user.require(Page::Matters, l)?;
    let format = format_of(&path, l)?;
    let mut filter: Filter = query.filter_for(user.role);
    filter.per_page = CHUNK;
    // From the top, whatever page the inbox was showing.
    filter.page = 1;
    filter.cursor = None;
    let show_phone = sees_citizen(user.role);
    let turn = turn(&state, l).await?;
    let (units, categories) = db(&state, l, |c| {
        Ok((catalog::all_units(c)?, catalog::all_categories(c)?))
    })
    .await?;
    let export = InboxExport {
        pool: state.pool.clone(),
        scope: user.scope.clone(),
        filter,
        rows: RowMaker {
            l,
            units,
            categories,
            show_phone,
            now: Utc::now(),
        },
        headers: inbox_headers(l, show_phone),
    };
    let body = stream::spawn(turn, move |sink| match format {
        Format::Csv => export.csv(sink),
        Format::Xlsx => export.xlsx(sink),
    })
    .map_err(|e| {
        log::error!("a download could not start: {e}");
        ErrorKind::Internal.lang(l)
    })?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, format.content_type()))
        .insert_header((CONTENT_DISPOSITION, format.disposition("matters")))
        .streaming(body))
}

fn inbox_headers(l: Lang, show_phone: bool) -> Vec<String> {
    let mut keys = vec![
        "staff.inbox.code",
        "staff.inbox.title_col",
        "staff.inbox.state",
        "staff.inbox.channel",
        "staff.inbox.category",
        "staff.inbox.town",
        "staff.inbox.unit",
        "staff.inbox.received",
        "staff.inbox.due",
        "staff.inbox.overdue_badge",
    ];
    if show_phone {
        keys.push("staff.inbox.phone");
    }
    keys.iter().map(|k| l.t(k)).collect()
}
