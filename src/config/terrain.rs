//! `[terrain]`: the ground's relief from a digital elevation model (GeoTIFF).

use super::Invalid;
use serde::{Deserialize, Serialize};

/// `[terrain]`: a DEM under the city.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TerrainConfig {
    /// A GeoTIFF elevation model, relative to the configuration file; "" for flat ground.
    pub file: String,
    /// The DEM's CRS (`EPSG:code`) where the file declares none or a user-defined one; ""
    /// takes the file's.
    pub crs: String,
    /// The credit the data requires, shown with the map.
    pub attribution: String,
}

impl TerrainConfig {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        if !self.crs.is_empty() && !self.crs.contains(':') && !self.crs.starts_with('+') {
            return Err((
                "terrain.crs".into(),
                format!(
                    "\"{}\" is not a CRS: write it as \"EPSG:25830\" (or a PROJ string)",
                    self.crs
                ),
            ));
        }
        Ok(())
    }

    /// The CRS given, if any.
    pub fn crs(&self) -> Option<&str> {
        (!self.crs.is_empty()).then_some(self.crs.as_str())
    }
}
