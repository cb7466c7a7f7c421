//! `--controls FILE.json`: the interface's controls as a screen reader gets them (AccessKit's
//! tree: role, name, place and size in logical pixels), written whenever they change. Tests
//! read it to check touch targets and translations in a real window; anyone can read it to
//! see what a screen reader is told.

use crate::scene::ControlsReport;
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiOutput, PrimaryEguiContext, egui};

/// Asks egui for its AccessKit tree (it builds one only when asked).
pub(super) fn ask_for_the_tree(mut contexts: EguiContexts) -> Result {
    contexts.ctx_mut()?.enable_accesskit();
    Ok(())
}

/// Writes the tree when it changed.
pub(super) fn write(
    report: Res<ControlsReport>,
    mut contexts: EguiContexts,
    outputs: Query<&EguiOutput, With<PrimaryEguiContext>>,
    mut last: Local<String>,
) -> Result {
    let zoom = contexts.ctx_mut()?.zoom_factor();
    let Some(update) = outputs
        .iter()
        .find_map(|o| o.platform_output.accesskit_update.as_ref())
    else {
        return Ok(());
    };
    let text = serde_json::json!({
        "zoom": zoom,
        "controls": controls(update, zoom),
    })
    .to_string();
    if *last != text {
        if let Err(e) = std::fs::write(&report.0, &text) {
            warn!("cannot write {}: {e}", report.0.display());
        }
        *last = text;
    }
    Ok(())
}

/// Each node with a place: its role, name and rectangle in logical pixels.
fn controls(update: &egui::accesskit::TreeUpdate, zoom: f32) -> Vec<serde_json::Value> {
    let zoom = f64::from(zoom);
    update
        .nodes
        .iter()
        .filter_map(|(_, n)| {
            let b = n.bounds()?;
            Some(serde_json::json!({
                "role": format!("{:?}", n.role()),
                "name": n.label().or(n.value()).unwrap_or_default(),
                "x": b.x0 * zoom,
                "y": b.y0 * zoom,
                "width": b.width() * zoom,
                "height": b.height() * zoom,
            }))
        })
        .collect()
}
