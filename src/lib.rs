//! Shishi (实事): livelihood requests tracked from the citizen's submission
//! through triage, dispatch and handling to closure and rating.
//!
//! `main.rs` parses the command line and hands over to [`cli`]; tests use
//! [`startup`] to run the real application on a free port.

rust_i18n::i18n!("locales", fallback = "zh-CN");

pub mod app;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod i18n;
pub mod notify;
pub mod startup;
pub mod views;
pub mod web;
