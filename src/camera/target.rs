//! The 3D view's picture and its resolution.
//!
//! The main camera renders into an image that the UI shows in the area beside its panels
//! ([`ViewArea`]). The image's resolution is the area's size times the render scale
//! ([`RenderScale`]): on a graphics card the scale is 1; on a software renderer, where every
//! pixel costs, the view is drawn at a lower scale while the camera moves and sharpened to
//! full resolution as soon as it stops (like CesiumJS's resolution scale, but automatic).

use super::DragState;
use crate::config::ScaleSetting;
use crate::scene::{
    CityState, MainCamera, OrbitCamera, ScreenshotMode, Settings, ViewArea, ViewImage,
};
use bevy::asset::RenderAssetUsages;
use bevy::camera::RenderTarget;
use bevy::prelude::*;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat, TextureUsages};
use bevy::render::renderer::RenderAdapterInfo;
use bevy::window::{PrimaryWindow, RequestRedraw};
use bevy_egui::{EguiTextureHandle, EguiUserTextures};

/// Render scale while the camera moves on a software renderer: about 6 frames per second for
/// the demo district at 1280×800 on two CPU cores, instead of 1.5.
const SOFTWARE_MOVING_SCALE: f32 = 0.4;

/// Frames without motion before the view is redrawn at full resolution.
const STILL_FRAMES_BEFORE_SHARPENING: u32 = 4;

/// The render scale: the fraction of the view's pixels actually rendered.
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub struct RenderScale {
    /// Scale when the camera is still.
    pub still: f32,
    /// Scale while the camera moves.
    pub moving: f32,
    /// Scale in use.
    pub current: f32,
    still_frames: u32,
}

impl RenderScale {
    /// The same scale always.
    pub fn fixed(scale: f32) -> Self {
        Self {
            still: scale,
            moving: scale,
            current: scale,
            still_frames: 0,
        }
    }

    /// Steps the scale for one frame: `moving` while the camera moves, `still` once it has
    /// stopped for a few frames. Returns true when the scale changed.
    pub fn step(&mut self, moving: bool) -> bool {
        let before = self.current;
        if moving {
            self.still_frames = 0;
            self.current = self.moving;
        } else {
            self.still_frames = self.still_frames.saturating_add(1);
            if self.still_frames >= STILL_FRAMES_BEFORE_SHARPENING {
                self.current = self.still;
            }
        }
        self.current != before
    }
}

impl Default for RenderScale {
    fn default() -> Self {
        Self::fixed(1.0)
    }
}

/// The image size for an area of `size` logical pixels at a window scale factor and a
/// render scale.
pub fn image_size(size: Vec2, window_scale: f32, render_scale: f32) -> UVec2 {
    (size * window_scale * render_scale)
        .round()
        .max(Vec2::ONE)
        .as_uvec2()
}

fn target_image(size: UVec2) -> Image {
    let mut image = Image::new_target_texture(size.x, size.y, TextureFormat::Rgba8UnormSrgb, None);
    image.texture_descriptor.dimension = TextureDimension::D2;
    image.texture_descriptor.usage = TextureUsages::TEXTURE_BINDING
        | TextureUsages::COPY_DST
        | TextureUsages::COPY_SRC
        | TextureUsages::RENDER_ATTACHMENT;
    image.asset_usage = RenderAssetUsages::RENDER_WORLD;
    image
}

/// Creates the view image and points the main camera at it.
pub(super) fn setup_target(
    mut commands: Commands,
    images: Option<ResMut<Assets<Image>>>,
    textures: Option<ResMut<EguiUserTextures>>,
    camera: Single<Entity, With<MainCamera>>,
    window: Option<Single<&Window, With<PrimaryWindow>>>,
) {
    let (Some(mut images), Some(mut textures)) = (images, textures) else {
        return; // headless tests: the camera keeps its default target
    };
    let area = window.map_or(Vec2::new(1280.0, 800.0), |w| w.size());
    let size = image_size(area, 1.0, 1.0);
    let handle = images.add(target_image(size));
    textures.add_image(EguiTextureHandle::Strong(handle.clone()));
    commands
        .entity(*camera)
        .insert(RenderTarget::Image(handle.clone().into()));
    commands.insert_resource(ViewImage { handle, size });
}

/// Chooses the render scale from the configuration and the renderer.
pub(super) fn choose_scale(
    settings: Res<Settings>,
    adapter: Option<Res<RenderAdapterInfo>>,
    screenshot: Option<Res<ScreenshotMode>>,
    mut scale: ResMut<RenderScale>,
) {
    let software = adapter.is_some_and(|a| format!("{:?}", a.device_type) == "Cpu");
    *scale = match settings.render.scale {
        // A screenshot is one still frame: full resolution.
        _ if screenshot.is_some() => RenderScale::fixed(1.0),
        ScaleSetting::Fixed(s) => RenderScale::fixed(s as f32),
        ScaleSetting::Auto if software => {
            info!(
                "software renderer: the view is drawn at {}% resolution while it moves and \
                 sharpened when it stops (render.scale = 1 keeps full resolution)",
                (SOFTWARE_MOVING_SCALE * 100.0).round()
            );
            // Start at the low scale too, so the first picture comes quickly; it sharpens
            // once the scene is still.
            RenderScale {
                moving: SOFTWARE_MOVING_SCALE,
                current: SOFTWARE_MOVING_SCALE,
                ..RenderScale::fixed(1.0)
            }
        }
        ScaleSetting::Auto => RenderScale::fixed(1.0),
    };
}

/// Keeps the view image at the area's size times the render scale.
pub(super) fn update_target(
    mut scale: ResMut<RenderScale>,
    area: Res<ViewArea>,
    drag: Res<DragState>,
    camera: Single<&OrbitCamera, With<MainCamera>>,
    city: Res<CityState>,
    window: Single<&Window, With<PrimaryWindow>>,
    view: Option<ResMut<ViewImage>>,
    images: Option<ResMut<Assets<Image>>>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    // While the city loads the picture changes too: keep the quick scale until it is all in.
    let moving = camera.current != camera.target || drag.is_dragging() || !city.is_ready();
    if scale.step(moving) && !moving {
        // Sharpen: one more frame at full resolution.
        redraw.write(RequestRedraw);
    }
    let (Some(mut view), Some(mut images)) = (view, images) else {
        return;
    };
    let wanted = image_size(area.size, window.scale_factor(), scale.current);
    if wanted == view.size {
        return;
    }
    if let Some(mut image) = images.get_mut(&view.handle) {
        image.resize(Extent3d {
            width: wanted.x,
            height: wanted.y,
            depth_or_array_layers: 1,
        });
        view.size = wanted;
        redraw.write(RequestRedraw);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_positions_map_into_the_image() {
        let area = ViewArea {
            min: Vec2::new(320.0, 0.0),
            size: Vec2::new(960.0, 800.0),
        };
        let image = UVec2::new(480, 400); // half resolution
        assert_eq!(
            area.to_target(Vec2::new(320.0, 0.0), image),
            Some(Vec2::ZERO)
        );
        assert_eq!(
            area.to_target(Vec2::new(800.0, 400.0), image),
            Some(Vec2::new(240.0, 200.0))
        );
        assert_eq!(
            area.to_target(Vec2::new(100.0, 400.0), image),
            None,
            "over the panel"
        );
        assert_eq!(
            area.to_target(Vec2::new(1280.0, 400.0), image),
            None,
            "past the right edge"
        );
    }

    #[test]
    fn scale_drops_while_moving_and_sharpens_when_still() {
        let mut s = RenderScale {
            moving: 0.5,
            ..RenderScale::fixed(1.0)
        };
        assert!(s.step(true));
        assert_eq!(s.current, 0.5);
        for _ in 1..STILL_FRAMES_BEFORE_SHARPENING {
            assert!(!s.step(false));
            assert_eq!(s.current, 0.5, "not before a few still frames");
        }
        assert!(s.step(false));
        assert_eq!(s.current, 1.0);
        assert_eq!(
            image_size(Vec2::new(960.0, 800.0), 1.0, 0.5),
            UVec2::new(480, 400)
        );
        assert_eq!(
            image_size(Vec2::new(960.0, 800.0), 2.0, 1.0),
            UVec2::new(1920, 1600)
        );
    }
}
