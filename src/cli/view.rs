//! `citytwin` without a command: the viewer's window (see [`crate::app`]).

use crate::app::{self, ViewerOptions};
use crate::config::Config;
use std::process::ExitCode;

/// Runs the viewer until its window closes (or the screenshot is written); every service it
/// started is stopped and joined before this returns.
pub fn command(config: Config, options: ViewerOptions) -> ExitCode {
    install_gpu_hint();
    let exit = app::run(config, options);
    crate::worker::warn_about_stray_threads();
    if exit.is_success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Turns the renderer's and windowing system's panics about a missing GPU or display into
/// advice.
fn install_gpu_hint() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info.to_string();
        if text.contains("Unable to find a GPU") || text.contains("adapter") {
            eprintln!(
                "error: citytwin found no graphics adapter. On a machine without a GPU, install \
                 Mesa's software Vulkan driver (Debian/Ubuntu: apt-get install mesa-vulkan-drivers) \
                 and run with WGPU_FORCE_FALLBACK_ADAPTER=1."
            );
        } else if text.contains("display")
            || text.contains("DISPLAY")
            || text.contains("XOpenDisplay")
        {
            eprintln!(
                "error: citytwin could not open a window: no display. Run it in a desktop \
                 session, or headless under Xvfb: xvfb-run -a citytwin --screenshot out.png"
            );
        }
        default(info);
    }));
}
