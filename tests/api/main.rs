//! Integration tests: each starts the real application on a free port with
//! its own database (a temporary SQLite file, or a fresh PostgreSQL database
//! when TEST_DATABASE_URL is set) and talks to it over HTTP.

mod access;
mod channels;
mod citizen;
mod demo;
mod export;
mod fund;
mod helpers;
mod notify;
mod open311;
mod photos;
mod proxy;
mod public;
mod safety;
mod search;
mod staff;
mod validation;
