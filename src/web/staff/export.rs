//! Downloads for the office: any filtered inbox view, the dashboard's
//! tables and the fund ledger, as CSV (UTF-8 with a byte-order mark, so
//! Excel reads Chinese text right) and as .xlsx, with the columns the page
//! shows and times in China time. The inbox, which can be large, is
//! streamed: rows are read and written a thousand at a time.

use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;

use crate::db::inbox::{self, Cursor, Filter};
use crate::db::{DbError, catalog, fund, matters};
use crate::domain::access::{Page, sees_citizen};
use crate::domain::money::yuan;
use crate::domain::request::mask_phone;
use crate::web::AppState;
use crate::web::auth::{PageAccess, StaffUser};
use crate::web::db;
use crate::web::error::{AppError, ErrorKind};
use crate::web::i18n::Lang;
use crate::web::staff::dashboard;
use crate::web::staff::inbox::InboxQuery;

/// The two download formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    fn parse(ext: &str) -> Option<Format> {
        match ext {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    fn ext(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }
}

/// A table with its headers, small enough to hold at once.
pub struct Table {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

const BOM: &[u8] = "\u{feff}".as_bytes();

/// CSV lines for some rows (no BOM).
fn csv_rows(rows: &[Vec<String>]) -> Result<Vec<u8>, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows {
        w.write_record(row).map_err(|e| e.to_string())?;
    }
    w.into_inner().map_err(|e| e.to_string())
}

fn csv_table(table: &Table) -> Result<Vec<u8>, String> {
    let mut out = BOM.to_vec();
    out.extend(csv_rows(std::slice::from_ref(&table.headers))?);
    out.extend(csv_rows(&table.rows)?);
    Ok(out)
}

fn xlsx_tables(tables: &[Table]) -> Result<Vec<u8>, String> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for table in tables {
        let sheet = book.add_worksheet();
        sheet.set_name(&table.name).map_err(|e| e.to_string())?;
        write_sheet(sheet, &bold, &table.headers, &table.rows)?;
        sheet.set_freeze_panes(1, 0).map_err(|e| e.to_string())?;
    }
    book.save_to_buffer().map_err(|e| e.to_string())
}

/// Writes the headers (in bold) on the first row and the rows after them.
fn write_sheet(
    sheet: &mut rust_xlsxwriter::Worksheet,
    bold: &rust_xlsxwriter::Format,
    headers: &[String],
    rows: &[Vec<String>],
) -> Result<(), String> {
    for (c, h) in headers.iter().enumerate() {
        sheet
            .write_string_with_format(0, col(c), h, bold)
            .map_err(|e| e.to_string())?;
    }
    write_rows(sheet, rows, 0)
}

/// Writes rows below the first `done` data rows (row 0 holds the headers).
fn write_rows(
    sheet: &mut rust_xlsxwriter::Worksheet,
    rows: &[Vec<String>],
    done: u32,
) -> Result<(), String> {
    for (r, row) in rows.iter().enumerate() {
        let r = done + 1 + u32::try_from(r).map_err(|e| e.to_string())?;
        for (c, value) in row.iter().enumerate() {
            sheet
                .write_string(r, col(c), value)
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

fn attachment(format: Format, stem: &str, body: Vec<u8>) -> HttpResponse {
    let stamp = Utc::now()
        .with_timezone(&crate::domain::clock::china())
        .format("%Y%m%d-%H%M");
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, format.content_type()))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"{stem}-{stamp}.{}\"", format.ext()),
        ))
        .body(body)
}

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

/// `/staff/matters.{csv,xlsx}`: the inbox as filtered, every page of it.
pub async fn inbox(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: StaffUser,
    l: Lang,
    path: web::Path<String>,
    query: web::Query<InboxQuery>,
) -> Result<HttpResponse, AppError> {
    user.require(Page::Matters, l)?;
    let format = format_of(&path, l)?;
    let _ = req;
    let mut filter: Filter = query.filter_for(user.role);
    filter.per_page = CHUNK;
    // From the top, whatever page the inbox was showing.
    filter.page = 1;
    filter.cursor = None;
    let show_phone = sees_citizen(user.role);
    let headers = inbox_headers(l, show_phone);
    let scope = user.scope.clone();
    let (units, categories) = db(&state, l, |c| {
        Ok((catalog::all_units(c)?, catalog::all_categories(c)?))
    })
    .await?;
    let to_row = move |m: &matters::Matter, now| {
        let unit = |id: Option<i64>| {
            id.and_then(|id| units.iter().find(|u| u.id == id))
                .map(|u| l.pick(&u.name, &u.name_en).to_owned())
                .unwrap_or_default()
        };
        let mut row = vec![
            m.code.clone(),
            m.title.clone(),
            l.t(m.state.label_key()),
            l.t(m.channel.label_key()),
            categories
                .iter()
                .find(|c| c.id == m.category_id)
                .map(|c| l.pick(&c.name, &c.name_en).to_owned())
                .unwrap_or_default(),
            unit(m.town_id),
            unit(m.unit_id),
            l.time(&m.created_at),
            m.due_at.as_ref().map(|d| l.date(d)).unwrap_or_default(),
            if inbox::is_overdue(m, now) {
                l.t("staff.inbox.overdue_badge")
            } else {
                String::new()
            },
        ];
        if show_phone {
            row.push(
                m.citizen_phone
                    .as_deref()
                    .map(mask_phone)
                    .unwrap_or_default(),
            );
        }
        row
    };
    let pool = state.pool.clone();
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let now = Utc::now();
    match format {
        Format::Csv => {
            // Reads a page, writes it, sends it; the client's pace holds the reader back.
            std::thread::spawn(move || {
                let send = |b: Vec<u8>| tx.blocking_send(Ok(Bytes::from(b))).is_ok();
                let mut first = BOM.to_vec();
                first.extend(csv_rows(std::slice::from_ref(&headers)).unwrap_or_default());
                if !send(first) {
                    return;
                }
                let Ok(mut conn) = pool.get() else { return };
                let mut f = filter;
                for _ in 0..(EXPORT_LIMIT / CHUNK) {
                    let Ok((rows, more)) = inbox::search(&mut conn, &scope, &f, now) else {
                        let _ = tx.blocking_send(Err(std::io::Error::other("export query failed")));
                        return;
                    };
                    let lines: Vec<Vec<String>> = rows.iter().map(|m| to_row(m, now)).collect();
                    if !lines.is_empty() && !send(csv_rows(&lines).unwrap_or_default()) {
                        return;
                    }
                    match rows.last() {
                        Some(last) if more => f.cursor = Some(Cursor::after(f.sort, last)),
                        _ => return,
                    }
                }
            });
        }
        Format::Xlsx => {
            // A workbook in constant-memory mode keeps its rows in a temporary
            // file; the finished file is sent in pieces.
            std::thread::spawn(move || {
                let result = (|| -> Result<(), String> {
                    let mut conn = pool.get().map_err(|e| DbError::Pool(e).to_string())?;
                    let mut book = rust_xlsxwriter::Workbook::new();
                    let bold = rust_xlsxwriter::Format::new().set_bold();
                    let sheet = book
                        .add_worksheet_with_constant_memory()
                        .map_err(|e| e.to_string())?;
                    write_sheet(sheet, &bold, &headers, &[])?;
                    let mut written = 0u32;
                    let mut f = filter;
                    for _ in 0..(EXPORT_LIMIT / CHUNK) {
                        let (rows, more) =
                            inbox::search(&mut conn, &scope, &f, now).map_err(|e| e.to_string())?;
                        let lines: Vec<Vec<String>> = rows.iter().map(|m| to_row(m, now)).collect();
                        write_rows(sheet, &lines, written)?;
                        written += u32::try_from(lines.len()).map_err(|e| e.to_string())?;
                        match rows.last() {
                            Some(last) if more => f.cursor = Some(Cursor::after(f.sort, last)),
                            _ => break,
                        }
                    }
                    let file = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
                    book.save(file.path()).map_err(|e| e.to_string())?;
                    let mut reader = std::fs::File::open(file.path()).map_err(|e| e.to_string())?;
                    let mut buf = vec![0u8; 64 * 1024];
                    loop {
                        let n = std::io::Read::read(&mut reader, &mut buf)
                            .map_err(|e| e.to_string())?;
                        if n == 0 {
                            return Ok(());
                        }
                        if tx
                            .blocking_send(Ok(Bytes::copy_from_slice(&buf[..n])))
                            .is_err()
                        {
                            return Ok(());
                        }
                    }
                })();
                if let Err(e) = result {
                    log::error!("export: {e}");
                    let _ = tx.blocking_send(Err(std::io::Error::other(e)));
                }
            });
        }
    }
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let stamp = Utc::now()
        .with_timezone(&crate::domain::clock::china())
        .format("%Y%m%d-%H%M");
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, format.content_type()))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"matters-{stamp}.{}\"", format.ext()),
        ))
        .streaming(stream))
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
