//! supportplan: a product's Production Support Plan as TOML in git, made to do work.
//!
//! The pipeline (see DESIGN.md): `workspace`/`git` find and read plan files → `plan` loads
//! and validates them → `check` runs the static rules → `report` holds the results →
//! `render` formats them. Nothing here prints, exits or reads the environment.

pub mod check;
pub mod comment;
pub mod config;
pub mod diff;
pub mod due;
pub mod error;
pub mod evidence;
pub mod fmt;
pub mod gate;
pub mod git;
#[cfg(feature = "github")]
pub mod github;
pub mod par;
pub mod plan;
pub mod release;
pub mod render;
pub mod report;
pub mod schema;
pub mod snapshot;
pub mod templates;
pub mod workspace;
