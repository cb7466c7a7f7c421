//! Editing a scenario: what each edit does to its buildings and KPIs, undo and redo, saving
//! an edited scenario and reading it back, and publishing it as NGSI-LD entities and reading
//! those back — all against the hand case's baseline.

use super::*;

fn georef() -> Georef {
    let m = baseline();
    Georef::new(m.origin, Some(&m.crs)).unwrap()
}

fn placed(s: &Scenario) -> Evaluation {
    evaluate(s, &baseline(), &settings()).unwrap()
}

fn target_of(s: &Scenario, id: &str) -> Target {
    let e = placed(s);
    let p = e
        .applied
        .added
        .iter()
        .find(|p| p.building.id == id)
        .unwrap();
    Target {
        addition: p.addition,
        id: id.to_owned(),
    }
}

fn added<'a>(e: &'a Evaluation, id: &str) -> &'a crate::city::Building {
    &e.applied
        .added
        .iter()
        .find(|p| p.building.id == id)
        .unwrap()
        .building
}

/// A 20 × 10 m footprint drawn at (100, 100), 4 floors.
fn sketch() -> (Scenario, String) {
    let mut s = Scenario::new("Sketch");
    let corners = vec![
        [100.0, 100.0],
        [120.0, 100.0],
        [120.0, 110.0],
        [100.0, 110.0],
    ];
    let id = s
        .edit(
            &Edit::AddFootprint {
                corners,
                height: 12.8,
                floors: Some(4.0),
            },
            &georef(),
            3.2,
        )
        .unwrap()
        .unwrap();
    (s, id)
}

#[test]
fn a_drawn_footprint_is_a_building_with_its_area_and_floors() {
    let (s, id) = sketch();
    let e = placed(&s);
    assert_eq!(e.applied.added.len(), 1);
    let b = added(&e, &id);
    close(b.footprint.area(), 200.0, 0.01, "footprint");
    close(b.height, 12.8, 1e-9, "height");
    let c = b.footprint.centroid();
    close(c[0], 110.0, 0.001, "centroid east");
    close(c[1], 105.0, 0.001, "centroid north");
    close(e.kpis.footprint_added_m2, 200.0, 0.01, "footprint added");
    close(e.kpis.gfa_added_m2, 800.0, 0.05, "GFA added (4 floors)");
    // Three corners are the least; crossing sides are refused with a reason.
    let mut t = Scenario::new("t");
    let two = Edit::AddFootprint {
        corners: vec![[0.0, 0.0], [1.0, 0.0]],
        height: 3.0,
        floors: None,
    };
    assert!(
        t.edit(&two, &georef(), 3.2)
            .unwrap_err()
            .contains("three corners")
    );
    let bow = Edit::AddFootprint {
        corners: vec![[0.0, 0.0], [10.0, 10.0], [10.0, 0.0], [0.0, 10.0]],
        height: 3.0,
        floors: None,
    };
    assert!(t.edit(&bow, &georef(), 3.2).unwrap_err().contains("cross"));
    assert!(t.additions.is_empty(), "a refused edit changes nothing");
}

#[test]
fn moving_turning_and_floors_change_only_that_building() {
    let (mut s, id) = sketch();
    let g = georef();
    let t = target_of(&s, &id);
    s.edit(
        &Edit::Move {
            target: t.clone(),
            by: [50.0, -20.0],
        },
        &g,
        3.2,
    )
    .unwrap();
    let e = placed(&s);
    let b = added(&e, &id);
    let c = b.footprint.centroid();
    close(c[0], 160.0, 0.001, "moved east");
    close(c[1], 85.0, 0.001, "moved north");
    close(b.footprint.area(), 200.0, 0.01, "same area");
    // A quarter turn: 10 m wide and 20 m deep, about the same centroid.
    s.edit(
        &Edit::Rotate {
            target: t.clone(),
            degrees: 90.0,
        },
        &g,
        3.2,
    )
    .unwrap();
    let e = placed(&s);
    let b = added(&e, &id);
    let bb = b.footprint.bbox();
    close(bb[2] - bb[0], 10.0, 0.001, "width after a quarter turn");
    close(bb[3] - bb[1], 20.0, 0.001, "depth after a quarter turn");
    let c2 = b.footprint.centroid();
    close(c2[0], c[0], 0.001, "turned about its centroid");
    close(c2[1], c[1], 0.001, "turned about its centroid");
    // Floors set the height; a height sets the floors.
    s.edit(
        &Edit::SetFloors {
            target: t.clone(),
            floors: 10.0,
        },
        &g,
        3.2,
    )
    .unwrap();
    let e = placed(&s);
    close(added(&e, &id).height, 32.0, 1e-9, "10 floors × 3.2 m");
    close(e.kpis.gfa_added_m2, 2000.0, 0.1, "GFA of 10 floors");
    s.edit(
        &Edit::SetHeight {
            target: t.clone(),
            height: 16.0,
        },
        &g,
        3.2,
    )
    .unwrap();
    let e = placed(&s);
    close(e.kpis.gfa_added_m2, 1000.0, 0.1, "16 m read as 5 floors");
    assert!(
        s.edit(
            &Edit::SetHeight {
                target: t.clone(),
                height: -1.0
            },
            &g,
            3.2
        )
        .is_err()
    );
    s.edit(&Edit::Delete { target: t }, &g, 3.2).unwrap();
    assert!(s.additions.is_empty());
    assert_eq!(placed(&s).kpis.buildings_added, 0);
}

#[test]
fn removing_and_restoring_a_baseline_building() {
    let mut s = Scenario::new("r");
    let g = georef();
    s.edit(&Edit::RemoveBaseline { id: "A".into() }, &g, 3.2)
        .unwrap();
    s.edit(&Edit::RemoveBaseline { id: "A".into() }, &g, 3.2)
        .unwrap();
    assert_eq!(s.remove_ids, ["A"], "once");
    let e = placed(&s);
    assert_eq!(e.applied.removed, vec![0]);
    close(e.kpis.footprint_removed_m2, 200.0, 0.01, "A removed");
    s.edit(&Edit::RestoreBaseline { id: "A".into() }, &g, 3.2)
        .unwrap();
    assert!(placed(&s).applied.removed.is_empty());
    assert!(
        s.edit(&Edit::RestoreBaseline { id: "A".into() }, &g, 3.2)
            .is_err()
    );
}

#[test]
fn undo_and_redo_walk_the_states() {
    let (s0, id) = sketch();
    let mut h = History::default();
    let mut s = s0.clone();
    h.record(s.clone(), "move");
    let t = target_of(&s, &id);
    s.edit(
        &Edit::Move {
            target: t,
            by: [10.0, 0.0],
        },
        &georef(),
        3.2,
    )
    .unwrap();
    let moved = s.clone();
    assert_eq!(h.next_undo(), Some("move"));
    let back = h.undo(s).unwrap();
    assert_eq!(back, s0);
    assert_eq!(h.next_redo(), Some("move"));
    let again = h.redo(back).unwrap();
    assert_eq!(again, moved);
    assert!(h.redo(again.clone()).is_none());
    // A new edit ends what could be redone.
    let before = h.undo(again).unwrap();
    h.record(before, "delete");
    assert!(h.next_redo().is_none());
}

#[test]
fn a_dropped_file_goes_where_it_is_dropped() {
    let dir = temp_dir("drop");
    let path = write_case(&dir);
    let proposal = Addition::read_dropped(&path.with_file_name("proposal.geojson")).unwrap();
    let mut s = Scenario::new("d");
    let id = s
        .edit(
            &Edit::AddFile {
                addition: proposal,
                at: Some([-300.0, 200.0]),
            },
            &georef(),
            3.2,
        )
        .unwrap()
        .unwrap();
    let e = placed(&s);
    let c = added(&e, &id).footprint.centroid();
    close(c[0], -300.0, 0.001, "dropped east");
    close(c[1], 200.0, 0.001, "dropped north");
    close(added(&e, &id).footprint.area(), 800.0, 0.01, "same shape");
    assert!(Addition::read_dropped(&dir.join("nothing.geojson")).is_err());
}

#[test]
fn an_edited_scenario_saved_reads_back_with_equal_kpis() {
    let dir = temp_dir("edit-save");
    let mut s = Scenario::load(&write_case(&dir)).unwrap();
    let g = georef();
    let drawn = s
        .edit(
            &Edit::AddFootprint {
                corners: vec![[300.0, 0.0], [330.0, 0.0], [330.0, 25.0], [300.0, 25.0]],
                height: 9.6,
                floors: Some(3.0),
            },
            &g,
            3.2,
        )
        .unwrap()
        .unwrap();
    let t = target_of(&s, &drawn);
    s.edit(
        &Edit::Rotate {
            target: t,
            degrees: 30.0,
        },
        &g,
        3.2,
    )
    .unwrap();
    s.edit(&Edit::RemoveBaseline { id: "A".into() }, &g, 3.2)
        .unwrap();
    let before = placed(&s).kpis;
    let out = dir.join("saved").join("edited.toml");
    let saved = save(&s, &out).unwrap();
    let back = Scenario::load(&out).unwrap();
    assert_eq!(back.name, s.name);
    let after = placed(&back).kpis;
    same_kpis(&before, &after);
    same_kpis(&placed(&saved).kpis, &after);
}

/// Every figure of the KPI table equal to 0.01 m² (0.01 for ratios).
fn same_kpis(before: &Kpis, after: &Kpis) {
    for (a, b) in before.rows().iter().zip(after.rows()) {
        for (x, y) in [
            (a.baseline, b.baseline),
            (a.scenario, b.scenario),
            (a.difference, b.difference),
        ] {
            match (x, y) {
                (Some(x), Some(y)) => close(y, x, 0.01, a.label),
                (x, y) => assert_eq!(x, y, "{}", a.label),
            }
        }
    }
}

#[test]
fn published_entities_read_back_to_the_same_scenario() {
    let dir = temp_dir("publish");
    let mut s = Scenario::load(&write_case(&dir)).unwrap();
    let (sketched, _) = sketch();
    s.additions.extend(sketched.additions);
    let model = baseline();
    let e = placed(&s);
    let id = publish::scenario_id(&s.name);
    assert_eq!(id, "urn:ngsi-ld:PlanningScenario:hand-case");
    let p = publish::to_entities(&s, &e.applied, &model, &id, "r1").unwrap();
    assert_eq!(publish::revision(&p.scenario), Some("r1"));
    assert_eq!(p.scenario.types, ["PlanningScenario"]);
    assert_eq!(p.buildings.len(), 2);
    for b in &p.buildings {
        assert_eq!(b.types, ["ProposedBuilding"], "never the baseline's type");
        assert!(
            b.id.starts_with("urn:ngsi-ld:ProposedBuilding:hand-case:"),
            "{}",
            b.id
        );
        assert_eq!(
            b.attribute("refScenario").map(|a| a.plain_value().clone()),
            Some(serde_json::json!(id))
        );
    }
    let removed = p
        .scenario
        .attribute("removedBuildings")
        .unwrap()
        .plain_value();
    assert_eq!(removed, &serde_json::json!(["C", "D", "nowhere"]));
    // Through JSON, as a broker would hand them back.
    let through = |e: &crate::ngsi_ld::Entity| {
        let v = crate::ngsi_ld::render::render(e, crate::ngsi_ld::render::Format::Normalized);
        crate::ngsi_ld::parse_entity(&v, crate::ngsi_ld::Representation::Normalized)
            .unwrap()
            .0
    };
    let scenario = through(&p.scenario);
    let buildings: Vec<_> = p.buildings.iter().map(through).collect();
    let refs: Vec<&crate::ngsi_ld::Entity> = buildings.iter().collect();
    let back = publish::from_entities(&scenario, &refs).unwrap();
    assert_eq!(back.name, "Hand case");
    assert_eq!(back.restyle, s.restyle);
    let (k0, k1) = (e.kpis, placed(&back).kpis);
    assert_eq!(
        (k1.buildings_added, k1.buildings_removed),
        (k0.buildings_added, k0.buildings_removed)
    );
    close(k1.gfa_net_m2, k0.gfa_net_m2, 0.05, "net GFA");
    close(
        k1.far_scenario.unwrap(),
        k0.far_scenario.unwrap(),
        0.001,
        "FAR",
    );
}

#[test]
fn a_dropped_gltf_model_stands_where_dropped_and_moves_turns_and_counts_floors() {
    let path = crate::city::gltf::tests::den_haag();
    let mut addition = Addition::read_dropped(&path).unwrap();
    // This tile is in millimetres with Z up (glTF's own convention is metres, Y up).
    if let Addition::Model(m) = &mut addition {
        m.placement.units = crate::config::LengthUnit::Millimetre;
        m.placement.up = crate::config::UpAxis::Z;
    }
    let g = georef();
    let mut s = Scenario::new("model");
    let id = s
        .edit(
            &Edit::AddFile {
                addition,
                at: Some([100.0, -50.0]),
            },
            &g,
            3.2,
        )
        .unwrap()
        .unwrap();
    assert_eq!(id, "model:DenHaag_01.gltf");
    let anchor = |s: &Scenario| {
        let Addition::Model(m) = &s.additions[0] else {
            panic!("not a model")
        };
        let p = g
            .lonlat_to_scene(
                crate::georef::LonLat::new(m.placement.longitude, m.placement.latitude),
                0.0,
            )
            .unwrap();
        ([p[0], -p[2]], m.placement.heading, m.floors)
    };
    let (at, heading, _) = anchor(&s);
    close(at[0], 100.0, 0.001, "anchor east");
    close(at[1], -50.0, 0.001, "anchor north");
    let e = placed(&s);
    assert_eq!(e.applied.added.len(), 1, "{:?}", e.warnings);
    close(
        e.kpis.gfa_added_m2,
        0.0,
        1e-9,
        "a model without floors adds no GFA",
    );
    let t = target_of(&s, &id);
    s.edit(
        &Edit::Move {
            target: t.clone(),
            by: [10.0, 5.0],
        },
        &g,
        3.2,
    )
    .unwrap();
    s.edit(
        &Edit::Rotate {
            target: t.clone(),
            degrees: 200.0,
        },
        &g,
        3.2,
    )
    .unwrap();
    s.edit(
        &Edit::SetFloors {
            target: t.clone(),
            floors: 3.0,
        },
        &g,
        3.2,
    )
    .unwrap();
    let (moved, turned, floors) = anchor(&s);
    close(moved[0], 110.0, 0.001, "moved east");
    close(moved[1], -45.0, 0.001, "moved north");
    close(turned, heading - 160.0, 1e-9, "200° clockwise is 160° back");
    assert_eq!(floors, Some(3.0));
    let e = placed(&s);
    let outline = e.applied.added[0].building.footprint.area();
    close(
        e.kpis.gfa_added_m2,
        outline * 3.0,
        0.01,
        "3 floors of its outline",
    );
    assert!(
        s.edit(
            &Edit::SetHeight {
                target: t.clone(),
                height: 10.0
            },
            &g,
            3.2
        )
        .is_err()
    );
    s.edit(&Edit::Delete { target: t }, &g, 3.2).unwrap();
    assert!(s.additions.is_empty());
}
