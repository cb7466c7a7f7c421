//! The heat map: the study's grid drawn flat on the ground with `shaders/sun_hours.wgsl`, one
//! texel per cell (red = baseline hours, green = scenario hours, NaN = not counted), in the
//! view [`SunStudy`] asks for. Unlit and see-through enough to keep the streets readable.

use crate::language::Localized;
use crate::scene::{LayerMember, Layers, StudyView, SunStudy};
use crate::sunlight::legend::DIFFERENCE_SCALE_H;
use bevy::asset::{RenderAssetUsages, uuid_handle};
use bevy::light::{NotShadowCaster, NotShadowReceiver};
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;
use bevy::render::render_resource::{AsBindGroup, Extent3d, TextureDimension, TextureFormat};
use bevy::shader::{Shader, ShaderRef};

/// The shader, compiled into the binary.
const SHADER: Handle<Shader> = uuid_handle!("5d0f2a86-4c1e-4b53-9b0e-3f6a1c2d7e91");

/// Height of the heat map above the ground (m): above the ground plane, below a kerb.
const LIFT: f32 = 0.12;

/// The heat map's material.
#[derive(Asset, TypePath, AsBindGroup, Debug, Clone)]
pub struct SunHoursMaterial {
    /// x: hours at the top of the scale; y: view (0 baseline, 1 scenario, 2 difference);
    /// z: opacity; w: the difference at the ends of its scale (hours).
    #[uniform(0)]
    pub params: Vec4,
    /// Two float channels per cell: baseline and scenario hours.
    #[texture(1, sample_type = "float", filterable = false)]
    pub hours: Handle<Image>,
    /// Draped on a terrain, drawn nearer by the ground's depth bias (its coarser levels).
    pub depth_bias: f32,
}

impl Material for SunHoursMaterial {
    fn fragment_shader() -> ShaderRef {
        ShaderRef::Handle(SHADER)
    }

    fn alpha_mode(&self) -> AlphaMode {
        AlphaMode::Blend
    }

    fn depth_bias(&self) -> f32 {
        self.depth_bias
    }
}

/// Marks the heat map.
#[derive(Component, Debug)]
pub struct HeatMap;

pub(super) fn build(app: &mut App) {
    // Without a renderer (headless tests) the study runs; nothing is drawn.
    let Some(mut shaders) = app.world_mut().get_resource_mut::<Assets<Shader>>() else {
        return;
    };
    let _ = shaders.insert(
        &SHADER,
        Shader::from_wgsl(
            include_str!("../../shaders/sun_hours.wgsl"),
            "shaders/sun_hours.wgsl",
        ),
    );
    app.add_plugins(MaterialPlugin::<SunHoursMaterial>::default())
        .add_systems(Startup, register_layer)
        .add_systems(Update, draw.in_set(crate::scene::SceneSet::Show));
}

fn register_layer(mut layers: ResMut<Layers>) {
    layers.register("sun-hours", Localized::from_catalogue("layer-sun-hours"));
}

/// The heat map follows the study's result and view.
fn draw(
    mut commands: Commands,
    study: Res<SunStudy>,
    existing: Query<Entity, With<HeatMap>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut images: ResMut<Assets<Image>>,
    mut materials: ResMut<Assets<SunHoursMaterial>>,
    terrain: Option<Res<crate::scene::TerrainState>>,
    mut shown: Local<Option<(usize, Handle<SunHoursMaterial>)>>,
) {
    let terrain = terrain.as_ref().and_then(|t| t.grid.as_deref());
    let result_id = study
        .result
        .as_ref()
        .map(|r| std::sync::Arc::as_ptr(r) as usize);
    let has_scenario = study.result.as_ref().is_some_and(|r| r.scenario.is_some());
    let view = view_code(study.view, has_scenario);
    // The same result in another view: only the material's view changes.
    if let Some((id, material)) = shown.as_ref()
        && Some(*id) == result_id
    {
        if materials.get(material).is_some_and(|m| m.params.y != view)
            && let Some(mut m) = materials.get_mut(material)
        {
            m.params.y = view;
        }
        return;
    }
    if shown.is_none() && result_id.is_none() {
        return;
    }
    *shown = None;
    for e in &existing {
        commands.entity(e).despawn();
    }
    let Some(result) = &study.result else {
        return;
    };
    let grid = result.baseline.grid;
    let scenario = result.scenario.as_ref().map(|(_, h)| h);
    let mut data = Vec::with_capacity(grid.len() * 8);
    for i in 0..grid.len() {
        let b = result.baseline.total[i];
        let s = scenario.map_or(b, |h| h.total[i]);
        data.extend_from_slice(&b.to_le_bytes());
        data.extend_from_slice(&s.to_le_bytes());
    }
    let image = Image::new(
        Extent3d {
            width: grid.cols as u32,
            height: grid.rows as u32,
            depth_or_array_layers: 1,
        },
        TextureDimension::D2,
        data,
        TextureFormat::Rg32Float,
        RenderAssetUsages::RENDER_WORLD,
    );
    let material = SunHoursMaterial {
        params: Vec4::new(
            top_of_scale(result.day_length_h),
            view,
            0.85,
            DIFFERENCE_SCALE_H,
        ),
        hours: images.add(image),
        depth_bias: if terrain.is_some() { 20_100.0 } else { 0.0 },
    };
    let material = materials.add(material);
    *shown = Some((std::sync::Arc::as_ptr(result) as usize, material.clone()));
    let [w, s, e, n] = grid.bounds().map(|v| v as f32);
    commands.spawn((
        HeatMap,
        LayerMember::of("sun-hours"),
        Mesh3d(meshes.add(quad([w, s, e, n], terrain))),
        MeshMaterial3d(material),
        Transform::default(),
        NotShadowCaster,
        NotShadowReceiver,
    ));
}

/// The shader's code for a view (the scenario's views fall back to the baseline without
/// one).
fn view_code(view: StudyView, has_scenario: bool) -> f32 {
    match (view, has_scenario) {
        (StudyView::Scenario, true) => 1.0,
        (StudyView::Difference, true) => 2.0,
        _ => 0.0,
    }
}

/// The hours at the top of the colour scale: the day's length, rounded up to the hour.
pub fn top_of_scale(day_length_h: f64) -> f32 {
    day_length_h.ceil().max(1.0) as f32
}

/// The rectangle `[west, south, east, north]` (scene metres) facing up, its UVs running east
/// (u) and north (v) from the south-west corner, as the texture's cells do: flat, or on the
/// terrain as a grid of about its node spacing (at most 256 × 256 cells).
fn quad([w, s, e, n]: [f32; 4], terrain: Option<&crate::terrain::HeightGrid>) -> Mesh {
    let cells = |extent: f32| match terrain {
        Some(g) => ((extent / g.spacing.max(1.0) as f32).ceil() as u32).clamp(1, 256),
        None => 1,
    };
    let (cols, rows) = (cells(e - w), cells(n - s));
    let mut positions = Vec::new();
    let mut uvs = Vec::new();
    for r in 0..=rows {
        for c in 0..=cols {
            let (u, v) = (c as f32 / cols as f32, r as f32 / rows as f32);
            let (x, north) = (w + u * (e - w), s + v * (n - s));
            let ground = terrain
                .and_then(|g| g.height_at(f64::from(x), -f64::from(north)))
                .filter(|h| h.is_finite())
                .unwrap_or(0.0);
            positions.push([x, ground + LIFT, -north]);
            uvs.push([u, v]);
        }
    }
    let mut indices = Vec::new();
    let at = |c: u32, r: u32| r * (cols + 1) + c;
    for r in 0..rows {
        for c in 0..cols {
            indices.extend([at(c, r), at(c + 1, r), at(c + 1, r + 1)]);
            indices.extend([at(c, r), at(c + 1, r + 1), at(c, r + 1)]);
        }
    }
    let normals = vec![[0.0, 1.0, 0.0]; positions.len()];
    Mesh::new(
        PrimitiveTopology::TriangleList,
        RenderAssetUsages::RENDER_WORLD,
    )
    .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, positions)
    .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, normals)
    .with_inserted_attribute(Mesh::ATTRIBUTE_UV_0, uvs)
    .with_inserted_indices(Indices::U32(indices))
}
