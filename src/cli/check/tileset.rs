//! `check --tileset PATH`: a 3D Tiles tileset read (a folder, a `tileset.json`, or an HTTP(S)
//! URL) and reported ([`crate::tiles3d::TilesetReport`]).

use crate::tiles3d::{Tileset, TilesetReport};
use std::path::Path;

/// The tileset at `at`: a folder holding `tileset.json`, the file itself, or its URL. Local
/// content files are told apart by their first bytes, remote ones by their names.
/// A tileset on the broker's server (`broker`) is read with its credentials.
pub fn report(
    at: &str,
    broker: Option<crate::ngsi_ld::client::ClientConfig>,
) -> Result<TilesetReport, String> {
    if at.starts_with("http://") || at.starts_with("https://") {
        let bytes = crate::tileset_feed::Http::new(broker)?.get(at)?;
        let tileset = Tileset::parse(&bytes).map_err(|e| format!("tileset {at}: {e}"))?;
        return Ok(tileset.report(|_| None));
    }
    let path = Path::new(at);
    let file = if path.is_dir() {
        path.join("tileset.json")
    } else {
        path.to_owned()
    };
    let bytes = std::fs::read(&file).map_err(|e| format!("tileset {}: {e}", file.display()))?;
    let tileset = Tileset::parse(&bytes).map_err(|e| format!("tileset {}: {e}", file.display()))?;
    let base = file.parent().unwrap_or(Path::new("."));
    Ok(tileset.report(|uri| head(&base.join(uri))))
}

/// A file's first four bytes.
fn head(path: &Path) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut first = [0u8; 4];
    std::fs::File::open(path)
        .ok()?
        .read_exact(&mut first)
        .ok()?;
    Some(first.to_vec())
}
