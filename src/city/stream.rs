//! Loading a city by viewport, for brokers holding more buildings than fit
//! (`data.stream_above`).
//!
//! The ground is cut into square cells ([`Grid`]); the cells within `data.stream_radius` of the
//! point the camera looks at are fetched nearest first, each with one NGSI-LD geo-query
//! (`georel=intersects`, the cell as a polygon in longitude/latitude, paged like any query),
//! and cells left more than one cell beyond the radius are dropped. A building belongs to the
//! cell holding the centre of its footprint, so one that several cells' queries return is kept
//! once. Each cell is one tile, so the scene stays within `π (r/s + 1.7)²` ≈ 70 draw calls
//! (cells are a third of the radius wide).
//!
//! [`Streamer`] does the network and the decoding on the thread that owns it; the viewer
//! runs it off the main thread and receives [`Update`]s.

use super::tiles::{self, Tile};
use super::{Building, CityModel, LoadError, SkippedItem};
use crate::cancel::Cancel;
use crate::config::{Config, CrsSetting, OriginSetting};
use crate::geometry::extrude::Palette;
use crate::georef::{Georef, LonLat};
use crate::ngsi_ld::client::{Client, ClientError};
use crate::ngsi_ld::geo_query::GeoQuery;
use crate::ngsi_ld::request::EntityQuery;
use crate::source::{BrokerSource, SourceError};
use std::collections::{BTreeMap, HashSet};

/// How far (m) beyond the cells asked for a geo-query reaches, so that a building whose
/// outline lies beside the cell holding the centre of its bounding box is still returned
/// (at most half a cell).
pub const MARGIN: f64 = 50.0;

/// A cell of the grid (east index, north index).
pub type Cell = (i32, i32);

/// The square cells a city is loaded by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grid {
    /// Cell edge (m).
    pub size: f64,
    /// Cells whose nearest point is within this distance (m) of the target are loaded.
    pub radius: f64,
}

impl Grid {
    /// The grid for a load radius: cells a third of the radius wide, and never smaller than
    /// the tiles (`tile_size`).
    pub fn new(radius: f64, tile_size: f64) -> Self {
        Self {
            size: (radius / 3.0).max(tile_size),
            radius,
        }
    }

    /// The cell holding a point `[east, north]` (scene metres).
    pub fn cell_of(&self, p: [f64; 2]) -> Cell {
        (
            (p[0] / self.size).floor() as i32,
            (p[1] / self.size).floor() as i32,
        )
    }

    /// Distance (m) from `p` to the nearest point of a cell (0 inside it).
    pub fn distance(&self, cell: Cell, p: [f64; 2]) -> f64 {
        let lo = [f64::from(cell.0) * self.size, f64::from(cell.1) * self.size];
        let dx = (lo[0] - p[0]).max(p[0] - lo[0] - self.size).max(0.0);
        let dy = (lo[1] - p[1]).max(p[1] - lo[1] - self.size).max(0.0);
        dx.hypot(dy)
    }

    /// The cells to load around `target`, nearest first.
    ///
    /// ```
    /// use citytwin::city::stream::Grid;
    /// let g = Grid::new(900.0, 100.0); // 300 m cells
    /// let cells = g.wanted([10.0, 10.0]);
    /// assert_eq!(cells[0], (0, 0));
    /// assert!(cells.iter().all(|c| g.distance(*c, [10.0, 10.0]) <= 900.0));
    /// ```
    pub fn wanted(&self, target: [f64; 2]) -> Vec<Cell> {
        let n = (self.radius / self.size).ceil() as i32 + 1;
        let (ci, cj) = self.cell_of(target);
        let mut cells: Vec<(f64, Cell)> = Vec::new();
        for i in ci - n..=ci + n {
            for j in cj - n..=cj + n {
                let d = self.distance((i, j), target);
                if d <= self.radius {
                    let c = self.center((i, j));
                    cells.push(((c[0] - target[0]).hypot(c[1] - target[1]), (i, j)));
                }
            }
        }
        cells.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        cells.into_iter().map(|(_, c)| c).collect()
    }

    /// Whether a loaded cell stays: within the radius plus one cell (so that moving back and
    /// forth across a cell's edge does not load and drop it over and over).
    pub fn keeps(&self, cell: Cell, target: [f64; 2]) -> bool {
        self.distance(cell, target) <= self.radius + self.size
    }

    /// The centre of a cell `[east, north]`.
    pub fn center(&self, cell: Cell) -> [f64; 2] {
        [
            (f64::from(cell.0) + 0.5) * self.size,
            (f64::from(cell.1) + 0.5) * self.size,
        ]
    }

    /// A cell's corners (scene metres), counter-clockwise, closed.
    pub fn ring(&self, cell: Cell) -> [[f64; 2]; 5] {
        let (x0, y0) = (f64::from(cell.0) * self.size, f64::from(cell.1) * self.size);
        let (x1, y1) = (x0 + self.size, y0 + self.size);
        [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    }
}

/// What changed after the streamer moved: the whole set of buildings now loaded (a new
/// [`CityModel`]), the tiles of the cells loaded since the last update, the cells dropped, and
/// for every cell the indices of its buildings in the new model.
#[derive(Debug)]
pub struct Update {
    /// The buildings loaded now (and the sensors, unchanged).
    pub model: CityModel,
    /// Tiles of the newly loaded cells (building indices into the new model).
    pub added: Vec<Tile>,
    /// Cells dropped.
    pub removed: Vec<Cell>,
    /// Each loaded cell's buildings (indices into the new model).
    pub members: Vec<(Cell, Vec<usize>)>,
}

/// Runs a request on `runtime` until it answers or `cancel` is set.
fn wait<T>(
    runtime: &tokio::runtime::Runtime,
    cancel: &Cancel,
    request: impl std::future::Future<Output = Result<T, ClientError>>,
) -> Result<T, SourceError> {
    runtime
        .block_on(cancel.unless_cancelled(request))
        .ok_or(SourceError::Cancelled)?
        .map_err(SourceError::from)
}

/// Loads a broker's buildings cell by cell around a moving target.
pub struct Streamer {
    config: Config,
    client: Client,
    runtime: tokio::runtime::Runtime,
    cancel: Cancel,
    georef: Georef,
    grid: Grid,
    building_type: String,
    cells: BTreeMap<Cell, Vec<Building>>,
    skipped: Vec<SkippedItem>,
    skipped_ids: HashSet<String>,
    /// The model without buildings: origin, sensors, labels.
    base: CityModel,
    added: Vec<Cell>,
    removed: Vec<Cell>,
}

impl Streamer {
    /// Asks the broker how many buildings it holds; when more than `data.stream_above`,
    /// returns a streamer with the sensors loaded (all of them) and no buildings yet.
    /// `None`: the broker holds few enough to load at once.
    /// Every request gives up with [`SourceError::Cancelled`] once `cancel` is set.
    pub fn open(
        source: &BrokerSource,
        config: &Config,
        cancel: &Cancel,
        progress: &mut dyn FnMut(usize, Option<usize>),
    ) -> Result<Option<Self>, LoadError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| SourceError::Broker(format!("cannot start the network runtime: {e}")))?;
        let client = Client::new(source.client.clone()).map_err(SourceError::from)?;
        let building_type = config.data.building_type.clone();
        let buildings = EntityQuery {
            types: vec![building_type.clone()],
            ..EntityQuery::default()
        };
        let count = wait(&runtime, cancel, client.count(&buildings))?;
        let stream_above = config.data.stream_above;
        match count {
            Some(n) if n <= stream_above => return Ok(None),
            None if stream_above > 0 => return Ok(None),
            _ => {}
        }
        // The origin: the configured one, else the first building the broker returns.
        let origin = match config.scene.origin {
            OriginSetting::At([lon, lat]) => LonLat::new(lon, lat),
            OriginSetting::Auto => {
                let first = wait(
                    &runtime,
                    cancel,
                    client.query_page(&EntityQuery {
                        limit: Some(1),
                        ..buildings.clone()
                    }),
                )?;
                let entities: Vec<&crate::ngsi_ld::Entity> = first.entities.iter().collect();
                super::decode::median_location(&entities).ok_or_else(|| {
                    LoadError::Data(format!(
                        "the broker's first {building_type} has no location; set scene.origin \
                         to where the city is"
                    ))
                })?
            }
        };
        let crs = config.scene.crs.named();
        let georef = Georef::new(origin, crs)?;
        let mut config = config.clone();
        config.scene.origin = OriginSetting::At([origin.lon, origin.lat]);
        config.scene.crs = CrsSetting::Named(georef.projected_crs().to_owned());
        // The sensors: few next to the buildings, all loaded.
        let sensor_types: Vec<String> = config
            .entity_types()
            .into_iter()
            .filter(|t| *t != building_type)
            .collect();
        let sensors = if sensor_types.is_empty() {
            Vec::new()
        } else {
            let q = EntityQuery {
                types: sensor_types,
                ..EntityQuery::default()
            };
            wait(&runtime, cancel, client.query_all(&q, progress))?.entities
        };
        let mut base = super::from_entities(sensors, &config, &mut |_| {})?;
        base.source_label = format!(
            "{} (by viewport: {} buildings within {} m)",
            source.label,
            count.map_or("the".to_owned(), |n| format!("of {n}")),
            config.data.stream_radius
        );
        base.attribution = source.attribution.clone();
        // The camera may roam the whole accepted area.
        let reach = config.scene.max_distance_km * 1000.0;
        base.bounds = [-reach, -reach, reach, reach];
        Ok(Some(Self {
            grid: Grid::new(config.data.stream_radius, config.buildings.tile_size),
            building_type,
            client,
            runtime,
            cancel: cancel.clone(),
            georef,
            config,
            cells: BTreeMap::new(),
            skipped: Vec::new(),
            skipped_ids: HashSet::new(),
            base,
            added: Vec::new(),
            removed: Vec::new(),
        }))
    }

    /// The grid.
    pub fn grid(&self) -> Grid {
        self.grid
    }

    /// The cells loaded.
    pub fn loaded(&self) -> impl Iterator<Item = &Cell> {
        self.cells.keys()
    }

    /// The nearest cell around `target` not loaded yet.
    pub fn next_missing(&self, target: [f64; 2]) -> Option<Cell> {
        self.grid
            .wanted(target)
            .into_iter()
            .find(|c| !self.cells.contains_key(c))
    }

    /// Drops the cells too far from `target`; returns how many.
    pub fn drop_far(&mut self, target: [f64; 2]) -> usize {
        let far: Vec<Cell> = self
            .cells
            .keys()
            .copied()
            .filter(|c| !self.grid.keeps(*c, target))
            .collect();
        for c in &far {
            self.cells.remove(c);
            self.added.retain(|a| a != c);
            self.removed.push(*c);
        }
        far.len()
    }

    /// Fetches and decodes one cell's buildings; returns how many it holds.
    pub fn load(&mut self, cell: Cell) -> Result<usize, LoadError> {
        self.load_cells(&[cell], &mut |_, _| {})
    }

    /// Fetches and decodes the buildings of several cells with one geo-query (their bounding
    /// box, widened by [`MARGIN`] so that a building whose outline lies beside the cell holding
    /// its centre is returned too); returns how many they hold. `progress(received, total)`
    /// follows the pages. (The viewer asks for one cell at a time: a large answer is paged
    /// with offsets, which costs brokers more than several small answers.)
    pub fn load_cells(
        &mut self,
        cells: &[Cell],
        progress: &mut dyn FnMut(usize, Option<usize>),
    ) -> Result<usize, LoadError> {
        let Some(first) = cells.first() else {
            return Ok(0);
        };
        let [mut w, mut s, mut e, mut n] = {
            let r = self.grid.ring(*first);
            [r[0][0], r[0][1], r[2][0], r[2][1]]
        };
        for c in cells {
            let r = self.grid.ring(*c);
            (w, s, e, n) = (
                w.min(r[0][0]),
                s.min(r[0][1]),
                e.max(r[2][0]),
                n.max(r[2][1]),
            );
        }
        let m = MARGIN.min(self.grid.size / 2.0);
        let corners = [
            [w - m, s - m],
            [e + m, s - m],
            [e + m, n + m],
            [w - m, n + m],
        ];
        let ring: Vec<[f64; 2]> = corners
            .iter()
            .map(|p| {
                self.georef
                    .scene_to_lonlat([p[0], 0.0, -p[1]])
                    .map(|(ll, _)| [ll.lon, ll.lat])
            })
            .collect::<Result<_, _>>()?;
        let geo = GeoQuery::intersects_ring(&ring)
            .map_err(|e| LoadError::Data(format!("cannot ask for an area: {e}")))?;
        let q = EntityQuery {
            types: vec![self.building_type.clone()],
            geo: Some(geo),
            ..EntityQuery::default()
        };
        let parsed = wait(
            &self.runtime,
            &self.cancel,
            self.client.query_all(&q, progress),
        )?;
        let mut model = super::from_entities(parsed.entities, &self.config, &mut |_| {})?;
        // On a terrain, each cell's buildings stand on it (the grid is read once, kept).
        super::standing::stand_on_configured(&mut model, &self.config);
        self.base.terrain = model.terrain.clone();
        let mut by_cell: BTreeMap<Cell, Vec<Building>> =
            cells.iter().map(|c| (*c, Vec::new())).collect();
        let mut n = 0;
        for b in model.buildings {
            // Each building once: in the cell holding its centre, if that was asked for.
            if let Some(list) = by_cell.get_mut(&self.grid.cell_of(b.footprint.center())) {
                list.push(b);
                n += 1;
            }
        }
        // Skipped items are reported once, even when several queries return them.
        for s in parsed.skipped.into_iter().chain(model.skipped) {
            if self.skipped_ids.insert(s.id.clone()) {
                self.skipped.push(s);
            }
        }
        tracing::debug!("{} cells: {n} buildings", cells.len());
        for (cell, list) in by_cell {
            self.cells.insert(cell, list);
            self.removed.retain(|r| *r != cell);
            if !self.added.contains(&cell) {
                self.added.push(cell);
            }
        }
        Ok(n)
    }

    /// The buildings loaded now as one model, with the tiles of the cells loaded since the
    /// last update (meshed with `palette`), and the cells dropped since.
    pub fn update(&mut self, palette: &Palette) -> Update {
        let mut buildings = Vec::with_capacity(self.cells.values().map(Vec::len).sum());
        let mut members = Vec::with_capacity(self.cells.len());
        let mut added = Vec::new();
        for (cell, list) in &self.cells {
            let first = buildings.len();
            buildings.extend(list.iter().cloned());
            let indices: Vec<usize> = (first..buildings.len()).collect();
            if self.added.contains(cell) {
                let (mut tiles, _) = tiles::build_tiles(
                    list,
                    self.grid.size,
                    self.config.buildings.simple_beyond,
                    palette,
                );
                if let Some(mut tile) = tiles.pop() {
                    tile.buildings = indices.clone();
                    added.push(tile);
                }
            }
            members.push((*cell, indices));
        }
        let mut model = CityModel {
            source_label: self.base.source_label.clone(),
            attribution: self.base.attribution.clone(),
            entities_read: buildings.len() + self.base.entities_read,
            entities_by_type: self.base.entities_by_type.clone(),
            buildings,
            skipped: self.skipped.clone(),
            origin: self.base.origin,
            crs: self.base.crs.clone(),
            bounds: self.base.bounds,
            timings: self.base.timings,
            view_points: self.base.view_points.clone(),
            terrain: self.base.terrain.clone(),
            sensors: self.base.sensors.clone(),
            slow: self.base.slow.clone(),
        };
        model.skipped.extend(self.base.skipped.iter().cloned());
        *model
            .entities_by_type
            .entry(self.building_type.clone())
            .or_default() = model.buildings.len();
        self.added.clear();
        Update {
            model,
            added,
            removed: std::mem::take(&mut self.removed),
            members,
        }
    }
}
