//! One integration-test binary: the real `plan` binary on real files and real git
//! repositories, asserting on what the user sees.

mod bad_input;
mod check;
#[cfg(feature = "github")]
mod comment;
mod corpus;
mod diff;
mod gate;
mod hostile_evidence;
mod impact;
mod log;
mod properties;
mod records_diff;
mod rules;
mod support;
mod templates;
