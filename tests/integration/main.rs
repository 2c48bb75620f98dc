//! One integration-test binary: the real `plan` binary on real files and real git
//! repositories, asserting on what the user sees.

mod bad_corpus;
mod bad_input;
mod check;
mod check_cache;
#[cfg(feature = "github")]
pub mod comment;
mod corpus;
mod diff;
mod due;
mod ergonomics;
mod fmt;
mod fuzz_regressions;
pub mod gate;
mod gate_hardening;
mod hostile_evidence;
mod impact;
mod log;
mod odd_repos;
mod precommit;
mod properties;
mod records_diff;
#[cfg(feature = "github")]
mod remind;
mod rules;
mod security;
mod support;
mod templates;
mod timeline;
mod tuning;
