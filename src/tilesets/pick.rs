//! Picking a tileset's feature: a click or tap hits the nearest tile triangle (nearer than
//! any building), its feature's properties go to the inspector, and the feature is drawn
//! highlighted until something else is selected or its tile leaves the scene.

use super::{TilesetPart, layer_id};
use crate::city::gltf::NO_FEATURE;
use crate::geometry::pick::{Ray, hit_triangle};
use crate::scene::{
    CityState, CompareCamera, EditTool, LayerMember, MainCamera, Scenarios, SelectBuilding,
    SelectTilesetFeature, SelectedTilesetFeature, Settings, TilesetFeature, Tool, ViewClicked,
    ViewMapping,
};
use bevy::asset::RenderAssetUsages;
use bevy::mesh::PrimitiveTopology;
use bevy::prelude::*;

/// The highlight over the selected tileset feature, and the tile entity it was made from.
#[derive(Component, Debug)]
pub struct FeatureHighlight(pub Entity);

/// The ray parameter, the tile part and the triangle hit first by `ray`, among the parts
/// drawn.
fn nearest<'a>(
    ray: &Ray,
    parts: impl Iterator<Item = (&'a TilesetPart, &'a GlobalTransform)>,
) -> Option<(f64, &'a TilesetPart, usize)> {
    let mut best: Option<(f64, &TilesetPart, usize)> = None;
    for (part, transform) in parts {
        let c = transform.translation().as_dvec3().to_array();
        let local = Ray {
            origin: [0, 1, 2].map(|k| ray.origin[k] - c[k]),
            direction: ray.direction,
        };
        // The bounding sphere first: most tiles are missed by far.
        let o = local.origin;
        let d = local.direction;
        let along = -(o[0] * d[0] + o[1] * d[1] + o[2] * d[2]);
        let closest = local.at(along.max(0.0));
        let r = f64::from(part.radius);
        if closest.iter().map(|v| v * v).sum::<f64>() > r * r {
            continue;
        }
        for (i, t) in part.positions.chunks_exact(3).enumerate() {
            let t = [t[0], t[1], t[2]].map(|p| p.map(f64::from));
            if let Some(at) = hit_triangle(&t, &local)
                && best.is_none_or(|(b, _, _)| at < b)
            {
                best = Some((at, part, i));
            }
        }
    }
    best
}

/// What the inspector shows of triangle `triangle` of `part`.
fn feature(part: &TilesetPart, triangle: usize) -> TilesetFeature {
    let vertex = (triangle * 3) as u32;
    let name = part
        .parts
        .iter()
        .find(|(_, r)| r.contains(&vertex))
        .map(|(n, _)| n.clone())
        .unwrap_or_default();
    let id = part
        .features
        .get(triangle)
        .copied()
        .filter(|&f| f != NO_FEATURE);
    TilesetFeature {
        tileset: part.tileset.clone(),
        tile: part.tile,
        feature: id,
        part: name,
        properties: id.map(|f| part.table.properties(f)).unwrap_or_default(),
    }
}

/// A click on the view: the tileset feature under it, if it is nearer than any building.
#[allow(
    clippy::too_many_arguments,
    clippy::type_complexity,
    reason = "a Bevy system"
)]
pub(super) fn pick(
    mut clicks: MessageReader<ViewClicked>,
    camera: Single<(&Camera, &GlobalTransform), With<MainCamera>>,
    compare: Query<(&Camera, &GlobalTransform), (With<CompareCamera>, Without<MainCamera>)>,
    parts: Query<(&TilesetPart, &GlobalTransform, Option<&InheritedVisibility>)>,
    (city, scenarios, tool): (Res<CityState>, Res<Scenarios>, Res<EditTool>),
    view: ViewMapping,
    mut select: MessageWriter<SelectTilesetFeature>,
    mut buildings: MessageWriter<SelectBuilding>,
) {
    let Some(at) = clicks.read().last().map(|c| c.0) else {
        return;
    };
    // Drawing or moving: the click is the tool's; no tileset: nothing to pick.
    if tool.tool != Tool::Select || parts.is_empty() {
        return;
    }
    let ((cam, transform), _) = view.camera_at(at, &scenarios, *camera, compare.single().ok());
    let Some(ray) = view.ray(cam, transform, at) else {
        return;
    };
    let ray = Ray {
        origin: ray.origin.as_dvec3().to_array(),
        direction: ray.direction.as_dvec3().to_array(),
    };
    let shown = parts
        .iter()
        // Without visibility (a headless app) everything counts as shown.
        .filter(|(_, _, v)| v.is_none_or(|v| v.get()))
        .map(|(p, t, _)| (p, t));
    let building = city
        .model
        .as_ref()
        .and_then(|m| m.hit(&ray))
        .map(|(_, t)| t);
    match nearest(&ray, shown) {
        Some((t, part, triangle)) if building.is_none_or(|b| t < b) => {
            select.write(SelectTilesetFeature(Some(feature(part, triangle))));
            buildings.write(SelectBuilding(None));
        }
        _ => {
            select.write(SelectTilesetFeature(None));
        }
    }
}

/// Draws the selected feature over its tile (the same triangles, in the selection colour);
/// removes the highlight when the selection changes or the tile leaves the scene.
pub(super) fn highlight(
    selected: Res<SelectedTilesetFeature>,
    parts: Query<(Entity, &TilesetPart, &Transform)>,
    shown: Query<(Entity, &FeatureHighlight)>,
    settings: Res<Settings>,
    mut material: Local<Option<Handle<StandardMaterial>>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut commands: Commands,
) {
    let gone = shown.iter().any(|(_, h)| !parts.contains(h.0));
    if !selected.is_changed() && !gone {
        return;
    }
    for (e, _) in &shown {
        commands.entity(e).despawn();
    }
    let Some(f) = &selected.0 else {
        return;
    };
    let Some((entity, part, transform)) = parts
        .iter()
        .find(|(_, p, _)| p.tileset == f.tileset && p.tile == f.tile)
    else {
        return;
    };
    let vertices = part
        .parts
        .iter()
        .find(|(n, _)| *n == f.part)
        .map(|(_, r)| r.clone());
    let mut positions = Vec::new();
    for (i, t) in part.positions.chunks_exact(3).enumerate() {
        let of_feature = match f.feature {
            Some(id) => part.features.get(i) == Some(&id),
            None => vertices
                .as_ref()
                .is_some_and(|r| r.contains(&((i * 3) as u32))),
        };
        if of_feature {
            positions.extend_from_slice(t);
        }
    }
    if positions.is_empty() {
        return;
    }
    let material = material
        .get_or_insert_with(|| {
            let color = crate::scene::color(&settings.buildings.selected_color);
            materials.add(StandardMaterial {
                base_color: color,
                emissive: color.to_linear() * 0.35,
                perceptual_roughness: 0.7,
                depth_bias: 50.0,
                ..default()
            })
        })
        .clone();
    let mut mesh = Mesh::new(
        PrimitiveTopology::TriangleList,
        RenderAssetUsages::RENDER_WORLD,
    )
    .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, positions);
    mesh.compute_flat_normals();
    commands.spawn((
        FeatureHighlight(entity),
        LayerMember::of(layer_id(&f.tileset)),
        Mesh3d(meshes.add(mesh)),
        MeshMaterial3d(material),
        *transform,
    ));
}
