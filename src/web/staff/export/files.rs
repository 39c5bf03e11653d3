//! The two download formats: CSV (UTF-8 with a byte-order mark, so Excel
//! reads Chinese text right) and .xlsx. Every text cell that a spreadsheet
//! could take for a formula is written so that it is shown as text.

use actix_web::HttpResponse;
use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use chrono::Utc;

use crate::domain::clock;

/// The two download formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn parse(ext: &str) -> Option<Format> {
        match ext {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// `attachment; filename="{stem}-20261202-1530.csv"`, in China time.
    pub fn disposition(self, stem: &str) -> String {
        let stamp = Utc::now()
            .with_timezone(&clock::china())
            .format("%Y%m%d-%H%M");
        let ext = match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        };
        format!("attachment; filename=\"{stem}-{stamp}.{ext}\"")
    }
}

/// A table with its headers, small enough to hold at once.
pub struct Table {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

pub const BOM: &[u8] = "\u{feff}".as_bytes();

/// Whether a spreadsheet would take this text for a formula (or the start
/// of one): OWASP's list for CSV injection.
pub fn formula_like(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// A CSV cell that Excel and WPS show as the text it is: one that could be
/// read as a formula gets a leading apostrophe.
fn csv_cell(text: &str) -> std::borrow::Cow<'_, str> {
    if formula_like(text) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// CSV lines for some rows (no BOM).
pub fn csv_rows(rows: &[Vec<String>]) -> Result<Vec<u8>, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows {
        w.write_record(row.iter().map(|c| csv_cell(c).into_owned()))
            .map_err(|e| e.to_string())?;
    }
    w.into_inner().map_err(|e| e.to_string())
}

pub fn csv_table(table: &Table) -> Result<Vec<u8>, String> {
    let mut out = BOM.to_vec();
    out.extend(csv_rows(std::slice::from_ref(&table.headers))?);
    out.extend(csv_rows(&table.rows)?);
    Ok(out)
}

pub fn xlsx_tables(tables: &[Table]) -> Result<Vec<u8>, String> {
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
pub fn write_sheet(
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
/// Every cell is a string, never a formula; one that looks like a formula
/// also carries Excel's quote prefix, so that editing it keeps it text.
pub fn write_rows(
    sheet: &mut rust_xlsxwriter::Worksheet,
    rows: &[Vec<String>],
    done: u32,
) -> Result<(), String> {
    let text = rust_xlsxwriter::Format::new().set_quote_prefix();
    for (r, row) in rows.iter().enumerate() {
        let r = done + 1 + u32::try_from(r).map_err(|e| e.to_string())?;
        for (c, value) in row.iter().enumerate() {
            let written = if formula_like(value) {
                sheet.write_string_with_format(r, col(c), value, &text)
            } else {
                sheet.write_string(r, col(c), value)
            };
            written.map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

/// A whole file as the answer.
pub fn attachment(format: Format, stem: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, format.content_type()))
        .insert_header((CONTENT_DISPOSITION, format.disposition(stem)))
        .body(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_written_as_text() {
        for hostile in [
            "=1+1",
            "+1",
            "-1",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
            "=HYPERLINK(\"http://x\",\"点击\")",
        ] {
            assert!(formula_like(hostile), "{hostile:?}");
            let csv = String::from_utf8(csv_rows(&[vec![hostile.to_owned()]]).expect("csv"))
                .expect("utf-8");
            let file = format!("h\n{csv}");
            let mut read = csv::Reader::from_reader(file.as_bytes());
            let cell = read.records().next().expect("a row").expect("a record")[0].to_owned();
            assert_eq!(cell, format!("'{hostile}"));
        }
        for plain in ["路灯不亮", "2026-12-02", "NH-7KQ3-M9XD", "¥1,234.50", ""] {
            assert!(!formula_like(plain));
            assert_eq!(csv_cell(plain), plain);
        }
    }
}
