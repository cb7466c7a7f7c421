//! `citytwin comments export`: the comments a broker holds, as GeoJSON or CSV for the
//! planners' report: the visible ones, or with `--all` the hidden ones too, marked.

use super::fail;
use crate::comment::{self, Comment, ENTITY_TYPE};
use crate::config::Config;
use crate::ngsi_ld::client::Client;
use crate::ngsi_ld::request::EntityQuery;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// The export's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExportFormat {
    /// A GeoJSON FeatureCollection (RFC 7946).
    #[default]
    GeoJson,
    /// CSV with a header line (RFC 4180).
    Csv,
}

/// `citytwin comments export`: reads every `IssueReporting` entity of the configured broker
/// and writes them to `out` (standard output when `None`), oldest first. An entity that is not
/// a readable comment is skipped and counted on standard error.
pub fn export_command(
    config: &Config,
    format: ExportFormat,
    all: bool,
    out: Option<PathBuf>,
) -> ExitCode {
    super::init_logs("warn");
    let source = match crate::source::broker_source(config, vec![ENTITY_TYPE.to_owned()]) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(format!("cannot start the network runtime: {e}")),
    };
    let client = match Client::new(source.client.clone()) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let query = EntityQuery {
        types: vec![ENTITY_TYPE.to_owned()],
        ..EntityQuery::default()
    };
    let page = match runtime.block_on(client.query_all(&query, &mut |_, _| {})) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let mut comments: Vec<Comment> = Vec::new();
    let mut skipped = 0;
    for e in &page.entities {
        match Comment::from_entity(e) {
            Ok(c) if all || !c.hidden => comments.push(c),
            Ok(_) => {}
            Err(why) => {
                skipped += 1;
                eprintln!("skipped {}: {why}", e.id);
            }
        }
    }
    comments.sort_by(|a, b| a.created.cmp(&b.created).then(a.id.cmp(&b.id)));
    let text = match format {
        ExportFormat::GeoJson => {
            let mut s = serde_json::to_string_pretty(&comment::export::geojson(&comments, all))
                .unwrap_or_default();
            s.push('\n');
            s
        }
        ExportFormat::Csv => comment::export::csv(&comments, all),
    };
    let written = match &out {
        Some(path) => std::fs::write(path, text.as_bytes()),
        None => std::io::stdout().lock().write_all(text.as_bytes()),
    };
    if let Err(e) = written {
        return fail(format!("cannot write the export: {e}"));
    }
    let hidden = comments.iter().filter(|c| c.hidden).count();
    eprintln!(
        "{} comments exported{}{}{}",
        comments.len(),
        if all {
            format!(" ({hidden} hidden, marked)")
        } else {
            String::new()
        },
        if skipped > 0 {
            format!("; {skipped} entities skipped")
        } else {
            String::new()
        },
        out.map(|p| format!(" to {}", p.display()))
            .unwrap_or_default()
    );
    ExitCode::SUCCESS
}
