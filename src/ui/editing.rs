//! Editing in the interface: the tools (select, draw, move), undo and redo, saving,
//! "Save as" and publishing in the Scenarios section; the controls of a selected building
//! (floors, height, turn, delete; "Remove in this scenario" for a baseline one); and, over the
//! view, the outline being drawn with its side lengths, the snap marker and a dragged
//! building's outline.

use super::{UiOutbox, UiState, ViewCamera};
use crate::city::Building;
use crate::geometry::snap::Snap;
use crate::language::{Arg, Language};
use crate::scenario::{Edit, Placed, Target};
use crate::scene::{
    DrawCommand, EditScenario, EditTool, NewScenario, PublishScenario, RedoEdit, SaveScenario,
    Scenarios, SetTool, Tool, UndoEdit,
};
use bevy::prelude::*;
use bevy_egui::egui;

use super::widgets::RED;
const OUTLINE: egui::Color32 = egui::Color32::from_rgb(255, 140, 40);

/// Messages the editing controls send.
#[derive(bevy::ecs::system::SystemParam)]
pub(crate) struct EditOutbox<'w> {
    edit: MessageWriter<'w, EditScenario>,
    undo: MessageWriter<'w, UndoEdit>,
    redo: MessageWriter<'w, RedoEdit>,
    new: MessageWriter<'w, NewScenario>,
    save: MessageWriter<'w, SaveScenario>,
    publish: MessageWriter<'w, PublishScenario>,
    pub(super) tool: MessageWriter<'w, SetTool>,
    draw: MessageWriter<'w, DrawCommand>,
}

/// The editing part of the Scenarios section. `can_publish`: the city came from a broker.
pub(super) fn edit_section(
    ui: &mut egui::Ui,
    state: &mut UiState,
    scenarios: &Scenarios,
    tool: &EditTool,
    can_publish: bool,
    out: &mut UiOutbox,
) {
    let e = &mut out.edit;
    let l = state.language;
    ui.horizontal_wrapped(|ui| {
        ui.label(l.t("edit"));
        for (t, text, hint) in [
            (Tool::Select, "tool-select", "tool-select-tip"),
            (Tool::Draw, "tool-draw", "tool-draw-tip"),
            (Tool::Move, "tool-move", "tool-move-tip"),
        ] {
            if ui
                .selectable_label(tool.tool == t, l.t(text))
                .on_hover_text(l.t(hint))
                .clicked()
            {
                e.tool.write(SetTool(t));
            }
        }
    });
    if tool.tool == Tool::Draw {
        ui.horizontal(|ui| {
            ui.label(l.t_with("edit-corners", &[("count", tool.corners.len().into())]));
            ui.label(l.t("edit-floors-label"));
            let mut floors = tool.floors;
            if ui
                .add(
                    egui::DragValue::new(&mut floors)
                        .range(1.0..=200.0)
                        .speed(0.2),
                )
                .on_hover_text(l.t("edit-floors-tip"))
                .changed()
            {
                e.draw.write(DrawCommand::Floors(floors.round()));
            }
        });
        ui.horizontal(|ui| {
            if ui
                .add_enabled(
                    tool.corners.len() >= 3,
                    egui::Button::new(l.t("edit-finish")),
                )
                .on_hover_text(l.t("edit-finish-tip"))
                .clicked()
            {
                e.draw.write(DrawCommand::Finish);
            }
            if ui
                .add_enabled(
                    !tool.corners.is_empty(),
                    egui::Button::new(l.t("edit-undo-corner")),
                )
                .on_hover_text(l.t("edit-undo-corner-tip"))
                .clicked()
            {
                e.draw.write(DrawCommand::UndoCorner);
            }
            if ui
                .button(l.t("cancel"))
                .on_hover_text(l.t("edit-cancel-tip"))
                .clicked()
            {
                e.draw.write(DrawCommand::Cancel);
                e.tool.write(SetTool(Tool::Select));
            }
        });
    }
    if let Some(p) = &tool.problem {
        ui.colored_label(RED, p.text(l));
    }
    let entry = scenarios.active_entry();
    ui.horizontal(|ui| {
        let undo = entry.and_then(|e| e.history.next_undo());
        let redo = entry.and_then(|e| e.history.next_redo());
        if ui
            .add_enabled(undo.is_some(), egui::Button::new(l.t("undo")))
            .on_hover_text(l.t_with("undo-tip", &[("edit", edit_name(undo, l).into())]))
            .clicked()
        {
            e.undo.write(UndoEdit);
        }
        if ui
            .add_enabled(redo.is_some(), egui::Button::new(l.t("redo")))
            .on_hover_text(l.t_with("redo-tip", &[("edit", edit_name(redo, l).into())]))
            .clicked()
        {
            e.redo.write(RedoEdit);
        }
        if scenarios.working {
            ui.spinner();
        }
    });
    ui.horizontal(|ui| {
        let unsaved = entry.is_some_and(|e| e.unsaved);
        if ui
            .add_enabled(
                entry.is_some(),
                egui::Button::new(l.t(if unsaved { "save-unsaved" } else { "save" })),
            )
            .on_hover_text(l.t("save-scenario-tip"))
            .clicked()
        {
            e.save.write(SaveScenario { as_name: None });
        }
        if ui
            .add_enabled(entry.is_some(), egui::Button::new(l.t("save-as")))
            .on_hover_text(l.t("save-as-tip"))
            .clicked()
        {
            state.save_as = Some(
                entry
                    .map(|e| l.t_with("copy-name", &[("name", (&e.scenario.name).into())]))
                    .unwrap_or_default(),
            );
        }
        let publish = ui
            .add_enabled(
                can_publish && entry.is_some(),
                egui::Button::new(l.t("publish")),
            )
            .on_hover_text(l.t("publish-tip"))
            .on_disabled_hover_text(l.t("publish-needs-broker"));
        if publish.clicked() {
            e.publish.write(PublishScenario);
        }
        if ui
            .button(l.t("new"))
            .on_hover_text(l.t("new-tip"))
            .clicked()
        {
            e.new.write(NewScenario(l.t("new-scenario-name")));
        }
    });
    if let Some(name) = state.save_as.as_mut() {
        let mut done = None;
        ui.horizontal(|ui| {
            ui.label(l.t("name"));
            let r = ui.add(egui::TextEdit::singleline(name).desired_width(150.0));
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if (ui.button(l.t("save")).clicked() || enter) && !name.trim().is_empty() {
                done = Some(Some(name.trim().to_owned()));
            }
            if ui.button(l.t("cancel")).clicked() {
                done = Some(None);
            }
        });
        if let Some(choice) = done {
            if let Some(name) = choice {
                e.save.write(SaveScenario {
                    as_name: Some(name),
                });
            }
            state.save_as = None;
        }
    }
    if let Some(n) = &scenarios.notice {
        let text = egui::RichText::new(n.text.text(l)).small();
        if n.error {
            ui.colored_label(RED, text);
        } else {
            ui.label(text);
        }
    }
    if let Some(entry) = entry
        && !entry.scenario.remove_ids.is_empty()
    {
        egui::CollapsingHeader::new(l.t_with(
            "removed-by-id",
            &[("count", entry.scenario.remove_ids.len().into())],
        ))
        .id_salt("removed-by-id")
        .show(ui, |ui| {
            for id in &entry.scenario.remove_ids {
                ui.horizontal(|ui| {
                    if super::widgets::small_button(ui, l.t("restore")).clicked() {
                        e.edit
                            .write(EditScenario(Edit::RestoreBaseline { id: id.clone() }));
                    }
                    ui.label(egui::RichText::new(id).small().monospace());
                });
            }
        });
    }
}

/// Under the inspector: the controls of a building the active scenario adds (floors, height,
/// turn, move, delete), or "Remove in this scenario" for a baseline one.
pub(super) fn building_controls(
    ui: &mut egui::Ui,
    state: &mut UiState,
    b: &Building,
    placed: Option<(&Placed, Target)>,
    scenario_active: bool,
    storey_height: f64,
    out: &mut UiOutbox,
) {
    let e = &mut out.edit;
    let l = state.language;
    let Some((p, target)) = placed else {
        let text = if scenario_active {
            "remove-in-scenario"
        } else {
            "remove-in-new-scenario"
        };
        if ui
            .button(l.t(text))
            .on_hover_text(l.t("remove-tip"))
            .clicked()
        {
            e.edit
                .write(EditScenario(Edit::RemoveBaseline { id: b.id.clone() }));
        }
        return;
    };
    ui.separator();
    ui.strong(l.t("change-building"));
    let footprint_only = !p.is_model && b.shell.is_none();
    let floors_now = p
        .floors
        .unwrap_or_else(|| crate::scenario::floors(b, storey_height));
    // The value being dragged stays local; the edit goes when the drag ends.
    let (mut floors, mut height) = match &state.editing_building {
        Some((id, f, h)) if *id == b.id => (*f, *h),
        _ => (floors_now, b.height),
    };
    ui.horizontal(|ui| {
        ui.label(l.t("floors"));
        let r = ui.add(egui::Slider::new(&mut floors, 1.0..=120.0).step_by(1.0));
        if r.changed() {
            height = floors * storey_height;
            state.editing_building = Some((b.id.clone(), floors, height));
        }
        if done_editing(&r) && floors != floors_now {
            e.edit.write(EditScenario(Edit::SetFloors {
                target: target.clone(),
                floors,
            }));
            state.editing_building = None;
        }
    });
    if footprint_only {
        ui.horizontal(|ui| {
            ui.label(l.t("height"));
            let r = ui.add(
                egui::DragValue::new(&mut height)
                    .range(1.0..=999.0)
                    .speed(0.5)
                    .suffix(format!(" {}", l.t("metre-unit"))),
            );
            if r.changed() {
                state.editing_building = Some((b.id.clone(), floors, height));
            }
            if done_editing(&r) && (height - b.height).abs() > 0.004 {
                e.edit.write(EditScenario(Edit::SetHeight {
                    target: target.clone(),
                    height,
                }));
                state.editing_building = None;
            }
        });
    }
    ui.horizontal_wrapped(|ui| {
        ui.label(l.t("turn"));
        for (text, degrees) in [
            ("⟲ 90°", -90.0),
            ("⟲ 15°", -15.0),
            ("⟲ 1°", -1.0),
            ("1° ⟳", 1.0),
            ("15° ⟳", 15.0),
            ("90° ⟳", 90.0),
        ] {
            if super::widgets::small_button(ui, text).clicked() {
                e.edit.write(EditScenario(Edit::Rotate {
                    target: target.clone(),
                    degrees,
                }));
            }
        }
    });
    ui.horizontal(|ui| {
        if ui
            .button(l.t("move"))
            .on_hover_text(l.t("move-tip"))
            .clicked()
        {
            e.tool.write(SetTool(Tool::Move));
        }
        if ui
            .button(l.t("delete"))
            .on_hover_text(l.t("delete-building-tip"))
            .clicked()
        {
            e.edit.write(EditScenario(Edit::Delete { target }));
        }
    });
}

/// Whether a slider or number field's change is complete: a drag let go, typing finished,
/// or a click or key step (not every frame of a drag or every key typed).
fn done_editing(r: &egui::Response) -> bool {
    r.drag_stopped() || r.lost_focus() || (r.changed() && !r.dragged() && !r.has_focus())
}

/// Over the view: the outline being drawn (corners, sides with their lengths, the side to the
/// pointer), the snap marker, and a dragged building's outline.
pub(super) fn edit_overlay(
    ctx: &egui::Context,
    tool: &EditTool,
    cameras: &[ViewCamera],
    l: Language,
) {
    if tool.corners.is_empty() && tool.hover.is_none() && tool.dragged.is_none() {
        return;
    }
    for v in cameras {
        outline(ctx, tool, v, l);
    }
}

/// The outline, its side lengths and the markers as one camera shows them.
fn outline(ctx: &egui::Context, tool: &EditTool, view: &ViewCamera, l: Language) {
    let screen = |p: [f64; 2]| {
        view.to_window(Vec3::new(p[0] as f32, 0.0, -p[1] as f32))
            .map(|v| egui::pos2(v.x, v.y))
    };
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Middle,
        egui::Id::new("edit-overlay"),
    ));
    let stroke = egui::Stroke::new(2.5, OUTLINE);
    let label = |a: [f64; 2], b: [f64; 2]| {
        let (Some(pa), Some(pb)) = (screen(a), screen(b)) else {
            return;
        };
        let metres = (a[0] - b[0]).hypot(a[1] - b[1]);
        let decimals = if metres < 100.0 { 1 } else { 0 };
        let text = l.t_with("metres", &[("m", Arg::number(metres, decimals))]);
        let at = pa + (pb - pa) / 2.0;
        let rect = painter.text(
            at,
            egui::Align2::CENTER_CENTER,
            &text,
            egui::FontId::proportional(13.0),
            egui::Color32::WHITE,
        );
        painter.rect_filled(rect.expand(3.0), 3.0, egui::Color32::from_black_alpha(170));
        painter.text(
            at,
            egui::Align2::CENTER_CENTER,
            text,
            egui::FontId::proportional(13.0),
            egui::Color32::WHITE,
        );
    };
    let mut path: Vec<[f64; 2]> = tool.corners.clone();
    if let Some((h, _)) = tool.hover {
        path.push(h);
    }
    for w in path.windows(2) {
        if let (Some(a), Some(b)) = (screen(w[0]), screen(w[1])) {
            painter.line_segment([a, b], stroke);
        }
    }
    if path.len() >= 3
        && let (Some(a), Some(b)) = (screen(path[path.len() - 1]), screen(path[0]))
    {
        painter.line_segment([a, b], egui::Stroke::new(1.5, OUTLINE.gamma_multiply(0.5)));
    }
    for w in path.windows(2) {
        label(w[0], w[1]);
    }
    for (k, c) in tool.corners.iter().enumerate() {
        if let Some(p) = screen(*c) {
            let r = if k == 0 { 7.0 } else { 5.0 };
            painter.circle(p, r, OUTLINE, egui::Stroke::new(1.5, egui::Color32::WHITE));
        }
    }
    if let Some((h, snap)) = tool.hover
        && let Some(p) = screen(h)
    {
        let white = egui::Stroke::new(2.0, egui::Color32::WHITE);
        match snap {
            Snap::Corner => {
                painter.rect_stroke(
                    egui::Rect::from_center_size(p, egui::vec2(14.0, 14.0)),
                    0.0,
                    white,
                    egui::StrokeKind::Middle,
                );
            }
            Snap::Edge => {
                let d = 8.0;
                painter.add(egui::Shape::closed_line(
                    vec![
                        p + egui::vec2(0.0, -d),
                        p + egui::vec2(d, 0.0),
                        p + egui::vec2(0.0, d),
                        p + egui::vec2(-d, 0.0),
                    ],
                    white,
                ));
            }
            Snap::RightAngle => {
                painter.text(
                    p + egui::vec2(10.0, -10.0),
                    egui::Align2::LEFT_BOTTOM,
                    "90°",
                    egui::FontId::proportional(13.0),
                    egui::Color32::WHITE,
                );
                painter.circle_stroke(p, 5.0, white);
            }
            Snap::Free => {
                painter.circle_stroke(p, 4.0, white);
            }
        }
    }
    if let Some(outline) = &tool.dragged {
        let points: Vec<egui::Pos2> = outline.iter().filter_map(|p| screen(*p)).collect();
        if points.len() == outline.len() && points.len() >= 3 {
            painter.add(egui::Shape::closed_line(points, stroke));
        }
    }
}

/// An edit's name for the undo and redo buttons: the message `edit-…` of its label.
fn edit_name(label: Option<&str>, l: Language) -> String {
    label.map_or_else(String::new, |label| {
        l.t(&format!("edit-{}", label.replace(' ', "-")))
    })
}
