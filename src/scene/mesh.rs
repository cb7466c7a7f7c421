//! Mesh buffers made on worker threads ([`MeshBuffers`]) turned into Bevy meshes, for every
//! plugin that draws batched geometry (buildings, the ground).

use crate::geometry::extrude::MeshBuffers;
use bevy::asset::RenderAssetUsages;
use bevy::mesh::{
    Indices, MeshVertexAttribute, PrimitiveTopology, VertexAttributeValues, VertexFormat,
};
use bevy::prelude::*;

/// Bevy's vertex colour ([`Mesh::ATTRIBUTE_COLOR`], the same id, so materials see vertex
/// colours) in 8 bits a channel instead of floats: 4 bytes a vertex instead of 16, a third of
/// the buildings' vertex memory saved. The shader reads it as the same `vec4<f32>`.
pub const VERTEX_COLOR_RGBA8: MeshVertexAttribute =
    MeshVertexAttribute::new("Vertex_Color", 5, VertexFormat::Unorm8x4);

/// Turns mesh buffers into a Bevy mesh that lives only on the GPU (picking uses the
/// footprints, not the vertices).
pub fn to_mesh(buffers: MeshBuffers) -> Mesh {
    Mesh::new(
        PrimitiveTopology::TriangleList,
        RenderAssetUsages::RENDER_WORLD,
    )
    .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, buffers.positions)
    .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, buffers.normals)
    .with_inserted_attribute(
        VERTEX_COLOR_RGBA8,
        VertexAttributeValues::Unorm8x4(buffers.colors),
    )
    .with_inserted_indices(Indices::U32(buffers.indices))
}

/// The mesh of `buffers`, or None when they hold no triangle: an empty mesh must not reach
/// the GPU (Bevy's mesh allocator allocates nothing for it, then logs a use-after-free when it
/// copies the mesh's data).
pub fn to_mesh_if_any(buffers: MeshBuffers) -> Option<Mesh> {
    (!buffers.indices.is_empty() && !buffers.positions.is_empty()).then(|| to_mesh(buffers))
}
