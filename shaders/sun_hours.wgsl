// The sun-hours heat map: one texel per ground cell, red = baseline hours, green = scenario
// hours (NaN where a building stands or outside the area studied: drawn clear).
//
// params.x: the hours at the top of the scale (the day's length, rounded up)
// params.y: the view: 0 baseline, 1 scenario, 2 difference (scenario − baseline)
// params.z: opacity
// params.w: the difference at the ends of its scale (hours)
//
// The colour ramps match `citytwin::sun_study::legend` (keep them in step).

#import bevy_pbr::forward_io::VertexOutput

@group(#{MATERIAL_BIND_GROUP}) @binding(0) var<uniform> params: vec4<f32>;
@group(#{MATERIAL_BIND_GROUP}) @binding(1) var hours: texture_2d<f32>;

// Hours: dark indigo (none) through purple, red and orange to pale yellow (all day).
fn ramp(t: f32) -> vec3<f32> {
    let stops = array<vec3<f32>, 5>(
        vec3<f32>(0.05, 0.03, 0.22),
        vec3<f32>(0.36, 0.07, 0.45),
        vec3<f32>(0.75, 0.22, 0.33),
        vec3<f32>(0.98, 0.56, 0.05),
        vec3<f32>(0.99, 0.96, 0.62),
    );
    let x = clamp(t, 0.0, 1.0) * 4.0;
    let i = min(u32(floor(x)), 3u);
    return mix(stops[i], stops[i + 1u], x - f32(i));
}

// Difference: red for hours lost, white for none, blue for hours gained.
fn diverging(d: f32) -> vec3<f32> {
    let t = clamp(d, -1.0, 1.0);
    let white = vec3<f32>(0.97, 0.97, 0.97);
    if t < 0.0 {
        return mix(white, vec3<f32>(0.80, 0.09, 0.11), -t);
    }
    return mix(white, vec3<f32>(0.13, 0.40, 0.80), t);
}

fn is_nan(x: f32) -> bool {
    return !(x == x);
}

@fragment
fn fragment(in: VertexOutput) -> @location(0) vec4<f32> {
    let size = vec2<f32>(textureDimensions(hours));
    let cell = vec2<i32>(clamp(floor(in.uv * size), vec2<f32>(0.0), size - 1.0));
    let h = textureLoad(hours, cell, 0);
    let view = i32(params.y + 0.5);
    var value = h.r;
    if view == 1 {
        value = h.g;
    }
    if view == 2 {
        if is_nan(h.r) || is_nan(h.g) {
            discard;
        }
        return vec4<f32>(diverging((h.g - h.r) / max(params.w, 0.01)), params.z);
    }
    if is_nan(value) {
        discard;
    }
    return vec4<f32>(ramp(value / max(params.x, 0.01)), params.z);
}
