//! The only module that talks to GitHub (octocrab, behind the `github` cargo feature):
//! the Actions context, a REST client with retries, and the sticky pull-request comment.

pub mod client;
pub mod context;
pub mod remind;
pub mod sticky;
