//! The 3D view: the main camera and where it looks, the view's place in the window and how
//! window positions map into it, clicks on it, and the named views.

use super::orbit::OrbitState;
use bevy::prelude::*;

/// How far along a ray the terrain is looked for (m).
const TERRAIN_RAY_M: f64 = 50_000.0;

/// Marks the 3D camera that shows the city.
#[derive(Component, Debug)]
pub struct MainCamera;

/// Marks the second 3D camera, which shows the scenario side when a scenario is compared by
/// swipe or side by side (it follows the main camera).
#[derive(Component, Debug)]
pub struct CompareCamera;

/// The orbit camera's state: where it is and where it is heading.
#[derive(Component, Debug, Clone)]
pub struct OrbitCamera {
    /// The state drawn this frame.
    pub current: OrbitState,
    /// The state it moves toward (input changes this).
    pub target: OrbitState,
}

/// Where the 3D view is shown in the window, in logical pixels (set by the UI each frame).
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub struct ViewArea {
    /// Top-left corner.
    pub min: Vec2,
    /// Width and height.
    pub size: Vec2,
}

impl Default for ViewArea {
    fn default() -> Self {
        Self {
            min: Vec2::ZERO,
            size: Vec2::new(1280.0, 800.0),
        }
    }
}

impl ViewArea {
    /// Metres per pixel of the view at one metre from a camera with this projection: what a
    /// thing kept N pixels tall on screen scales with (times its distance).
    pub fn metres_per_pixel_at_one_metre(&self, projection: &Projection) -> f32 {
        let fov = match projection {
            Projection::Perspective(p) => p.fov,
            _ => 0.8,
        };
        2.0 * (fov / 2.0).tan() / self.size.y.max(1.0)
    }

    /// Whether a window position (logical pixels) lies in the view.
    pub fn contains(&self, p: Vec2) -> bool {
        p.cmpge(self.min).all() && p.cmplt(self.min + self.size).all()
    }

    /// The width/height ratio.
    pub fn aspect(&self) -> f32 {
        self.size.x / self.size.y.max(1.0)
    }

    /// A window position (logical pixels) as a position in the camera's image (its pixels),
    /// for `Camera::viewport_to_world`; `None` outside the view.
    pub fn to_target(&self, p: Vec2, image_size: UVec2) -> Option<Vec2> {
        if !self.contains(p) {
            return None;
        }
        let relative = (p - self.min) / self.size.max(Vec2::ONE);
        Some(relative * image_size.as_vec2())
    }
}

/// The image the main camera renders into.
#[derive(Resource, Debug, Clone)]
pub struct ViewImage {
    /// The image.
    pub handle: Handle<Image>,
    /// Its size in pixels.
    pub size: UVec2,
}

/// Asks the camera to go to a named view ("overview" or a configured view).
#[derive(Message, Debug, Clone, PartialEq)]
pub struct GoToView {
    /// The view's name.
    pub name: String,
    /// Jump there at once instead of moving smoothly.
    pub instant: bool,
}

/// Which views exist and where they are in the scene (filled once the city is loaded).
#[derive(Resource, Debug, Default, Clone)]
pub struct Views {
    /// Name and state, "overview" first.
    pub views: Vec<(String, OrbitState)>,
}

/// Where the 3D view is and how window positions map onto the camera's image.
#[derive(bevy::ecs::system::SystemParam)]
pub struct ViewMapping<'w> {
    /// The view's place in the window.
    pub area: Res<'w, ViewArea>,
    /// The camera's image (absent in headless tests, where the camera draws to the window).
    pub image: Option<Res<'w, ViewImage>>,
    /// The terrain, for where a ray meets the ground.
    pub terrain: Option<Res<'w, super::TerrainState>>,
}

impl ViewMapping<'_> {
    /// A window position (logical pixels) as a position on the main camera's render target,
    /// for `Camera::viewport_to_world`; `None` when it lies outside the 3D view (over a panel).
    pub fn target(&self, p: Vec2) -> Option<Vec2> {
        match &self.image {
            Some(image) => self.area.to_target(p, image.size),
            None => self.area.contains(p).then_some(p),
        }
    }

    /// The window position (logical pixels) where a point of the scene appears, if it is in
    /// front of the camera and inside the 3D view.
    pub fn world_to_window(
        &self,
        camera: &Camera,
        transform: &GlobalTransform,
        world: Vec3,
    ) -> Option<Vec2> {
        world_to_window(&self.area, self.image.as_deref(), camera, transform, world)
    }

    /// The camera that shows window position `at` and whether that side shows the active
    /// scenario: side by side, the right half is the compare camera's.
    pub fn camera_at<'a>(
        &self,
        at: Vec2,
        scenarios: &super::Scenarios,
        main: (&'a Camera, &'a GlobalTransform),
        compare: Option<(&'a Camera, &'a GlobalTransform)>,
    ) -> ((&'a Camera, &'a GlobalTransform), bool) {
        let x = (at.x - self.area.min.x) / self.area.size.x.max(1.0);
        let on_scenario = scenarios.scenario_at(x);
        match (scenarios.compare, compare) {
            (super::Compare::SideBySide, Some(c)) if on_scenario => (c, true),
            _ => (main, on_scenario),
        }
    }

    /// The ray through a window position, if it lies in the 3D view.
    pub fn ray(&self, camera: &Camera, transform: &GlobalTransform, p: Vec2) -> Option<Ray3d> {
        camera.viewport_to_world(transform, self.target(p)?).ok()
    }

    /// The ground point (scene metres `[east, north]`) under a window position, if the view
    /// shows ground there.
    pub fn ground_at(
        &self,
        camera: &Camera,
        transform: &GlobalTransform,
        p: Vec2,
    ) -> Option<[f64; 2]> {
        let g = self.ground_point(camera, transform, p)?;
        Some([f64::from(g.x), -f64::from(g.z)])
    }

    /// The point of the ground (the terrain where there is one, else the plane at 0 m) under
    /// a window position, if the view shows ground there.
    pub fn ground_point(
        &self,
        camera: &Camera,
        transform: &GlobalTransform,
        p: Vec2,
    ) -> Option<Vec3> {
        let ray = self.ray(camera, transform, p)?;
        let (o, d) = (ray.origin, *ray.direction);
        let grid = self.terrain.as_ref().and_then(|t| t.grid.as_deref());
        if let Some(t) = grid.and_then(|g| {
            g.ray_hit(
                o.as_dvec3().to_array(),
                d.as_dvec3().to_array(),
                TERRAIN_RAY_M,
            )
        }) {
            return Some(o + d * t as f32);
        }
        super::orbit::ground_hit(o, d)
    }
}

/// A click or tap on the 3D view (not a drag, not over the UI), at a window position in
/// logical pixels. Layers that can be picked read it.
#[derive(Message, Debug, Clone, Copy, PartialEq)]
pub struct ViewClicked(pub Vec2);

/// The window position (logical pixels) where a point of the scene appears, for the 3D view
/// at `area` drawn from `image` (or straight to the window without one); `None` when it is
/// behind the camera or outside the view.
pub fn world_to_window(
    area: &ViewArea,
    image: Option<&ViewImage>,
    camera: &Camera,
    transform: &GlobalTransform,
    world: Vec3,
) -> Option<Vec2> {
    let p = camera.world_to_viewport(transform, world).ok()?;
    let window = match image {
        Some(image) => area.min + p / image.size.as_vec2().max(Vec2::ONE) * area.size,
        None => p,
    };
    area.contains(window).then_some(window)
}

pub(super) fn build(app: &mut App) {
    app.init_resource::<ViewArea>()
        .init_resource::<Views>()
        .add_message::<GoToView>()
        .add_message::<ViewClicked>();
}

/// How a camera looks, as the choice of tiles (terrain, map tiles, 3D Tiles) needs it, in
/// scene metres and `f64`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CameraLook {
    /// The eye.
    pub eye: [f64; 3],
    /// Where it looks (a unit vector).
    pub forward: [f64; 3],
    /// Half the view's diagonal angle (radians).
    pub half_angle: f64,
    /// The view's height in pixels over its vertical angle (radians).
    pub pixels_per_radian: f64,
}

impl CameraLook {
    /// The look of a camera with its transform and projection (an orthographic one counts as
    /// a 0.8 rad view of aspect 1.6).
    pub fn of(transform: &GlobalTransform, projection: &Projection, camera: &Camera) -> Self {
        let (fov, aspect) = match projection {
            Projection::Perspective(p) => (p.fov, p.aspect_ratio),
            _ => (0.8, 1.6),
        };
        let height_px = camera
            .logical_viewport_size()
            .map_or(1000.0, |s| s.y)
            .max(100.0);
        let half_tan = f64::from((fov / 2.0).tan());
        let [e, f] = [transform.translation(), *transform.forward()]
            .map(|v| [f64::from(v.x), f64::from(v.y), f64::from(v.z)]);
        Self {
            eye: e,
            forward: f,
            half_angle: (half_tan * (1.0 + f64::from(aspect).powi(2)).sqrt()).atan(),
            pixels_per_radian: f64::from(height_px / fov.max(0.01)),
        }
    }
}
