# citytwin's interface in English.
#
# Every text the interface shows comes from here (and from sv.ftl, which has the same keys):
# Project Fluent's format, https://projectfluent.org/fluent/guide/. Numbers reach a message
# already written the language's way; plural forms choose on them ({ $n -> [one] … *[other] … }).
# A test (src/language/catalogue_tests.rs) fails when a key is missing in one language.


## The side panel

panel-hide = Hide
panel-hide-tip = Hide this panel
panel-open = ☰ Panel
about = About
language-switch = Svenska
language-switch-tip = Språk / Language
layers = Layers
layer-count = { $name } ({ $count })
shadows = Shadows
colour-by = Colour by
colour-by-nothing = nothing (neutral)
colour-by-choice =
    { $attribute } · { $kind ->
        [number] number
       *[category] category
    }, { $count }
views = Views
save-picture = Save picture
save-picture-tip = Save the window as a PNG in the current folder (F12)
saved-file = Saved { $path }
inspector = Inspector
inspector-empty = Click or tap a building or a sensor to see its attributes.
controls-help =
    Drag: orbit · Right-drag or Shift-drag: pan · Wheel: zoom · Home: overview
    Touch: one finger orbits, two fingers pan and pinch to zoom
text-size = Text size
text-smaller = A−
text-smaller-tip = Smaller
text-bigger = A+
text-bigger-tip = Bigger
high-contrast = High contrast
layer-buildings = Buildings
layer-ground = Ground
layer-terrain = Terrain
layer-streets = Streets
layer-paths = Pavements and paths
layer-squares = Squares and plazas
layer-water = Water
layer-parks = Parks and green areas
layer-landuse = Land use
layer-railways = Railways
ground-problem = Part of the ground is not drawn: { $problem }
layer-comments = Comments
layer-sun-hours = Sun-hours
view-overview = Overview

## The data: loading, summary, reloading

data-failed = Could not load the data:
try-again = Try again
summary-entities = Entities
summary-buildings = Buildings
summary-triangles = Triangles
summary-triangles-value = { $triangles } in { $tiles } tiles
summary-viewport = By viewport
summary-viewport-value = { $cells } cells within { $radius } m of the view
summary-viewport-tip = The broker holds more buildings than data.stream_above: those near the point looked at are loaded as the camera moves, far ones unloaded
loaded-in = Loaded in
duration-s = { $seconds } s
reload = Reload
reload-tip = Read the data again; if that fails, what is shown stays
reload-failed = Could not reload; showing the data loaded before:
viewport-failed = Some buildings near the view could not be loaded:
viewport-retry = { $error } (asked again in 30 s)
skipped = Skipped: { $count }
skipped-more = … and { $count } more (see `citytwin check`)
loading-stage = Loading: { $stage }…
loading-stage-time = Loading: { $stage }… { $seconds } s
all-attributes = All attributes ({ $count })
tileset-feature-of = In the 3D tileset { $tileset }
tileset-feature-number = Feature { $number }
tileset-feature-no-properties = The tileset gives no properties for this part.

## The inspector: a building or a sensor

sensor-simulated = Simulated values, not measurements
sensor-now = Now
sensor-value = Value
sensor-observed = Observed
sensor-observed-value = { $time } ({ $age })
id = Id
clear-selection = Clear selection
history-title = { $attribute } over the last { $hours } hours
history-loading = Loading history from the broker…
history-none = The broker has no past values of it.
history-axis = { $hours } h
history-point =
    { $value } { $unit }
    { $hours } h ago
history-line = value
history-time-shown = time shown
age-future = in the future
age-now = just now
age-minutes = { $n } min ago
age-hours = { $n } h ago
age-days =
    { $n ->
        [one] { $n } day ago
       *[other] { $n } days ago
    }
building-added = Added by the active scenario
building-height = Height
metres = { $m } m
square-metres = { $m2 } m²
building-height-from = Height from
building-base = Base
building-base-value = { $m } m above ground
building-footprint = Footprint
building-floors = Floors
building-gfa = GFA (BTA)
height-attribute = the data's height attribute
height-attribute-from = the data's height attribute, from { $source }
height-osm-tag = an OpenStreetMap height tag
height-osm-levels = OpenStreetMap building:levels × 3.2 m
height-osm-parts = the tallest OpenStreetMap building:part inside it
height-provider-default = the data provider's default (the source has no height)
height-3dbag = 3DBAG: 70th percentile roof height above ground (AHN lidar)
height-floors = estimated: { $floors } floors × { $storey } m
height-default = a default: the data has no height or number of floors
height-model = the { $format } model: its highest point
height-model-lod = the { $format } model (LoD { $lod }): its highest point above its lowest
sensor-no-data = no data

## The time panel

time-live = Live
time-live-tip = Show the present
time-pause = Pause
time-play-day = Play the last 24 hours
time-play-here = Play from here
time-speed-tip = Playback speed: scene time per second
speed-real-time = real time
speed-per-second =
    { $amount } { $unit ->
        [min] min
       *[h] h
    }/s
time-now = { $time }  now
time-study = { $time }  study
time-replayed = { $time }  { $age }
time-hover = { $time } ({ $age })
status-sun-study = Sun study: the sun and shadows of the date and time above. Sensors have no data for it; Live goes back to the present.
status-history-loading = Loading the sensors' last 24 hours from the broker…
status-replay = Sensors show their values at this time: 5-minute averages from the broker's history ({ $sensors } sensors, { $values } values).
status-latest = Sensors show their latest values ({ $why }).
status-live = Live: sensors show their latest values. Drag the timeline or press ▶ to replay the last 24 hours.
status-paused = Paused.
history-kept = The broker cannot give them now: these are the hours kept on this computer on { $when }

## The sun row

sun = ☀ Sun
sun-tip = The sun follows the clock: pick any date and drag the time of day
sun-study-open = Sun-hours study…
sun-study-open-tip = Hours of sun on the ground this day, baseline and scenario
sun-march-equinox = Mar equinox
sun-june-solstice = Jun solstice
sun-september-equinox = Sep equinox
sun-december-solstice = Dec solstice
sun-season-starts =
    { $date }: the start of { $season ->
        [spring] spring
        [summer] summer
        [autumn] autumn
       *[winter] winter
    } here
sun-bre-date-tip = The date BRE BR 209 asks 2 hours of sun on
sun-today = Today
sun-day-back = A day back
sun-day-on = A day on
sun-date-hint = YYYY-MM-DD
sun-date-tip = The date: type YYYY-MM-DD and press Enter
sun-pause = Pause the sun
sun-play = Play the day from sunrise to sunset
sun-rise = sunrise { $time }
sun-set = sunset { $time }
sun-time-tip = The time of day ({ $time }): drag to move the sun
sun-up =
    sun { $elevation }° up, { $point ->
        [n] N
        [ne] NE
        [e] E
        [se] SE
        [s] S
        [sw] SW
        [w] W
       *[nw] NW
    }
sun-down = the sun is down
sun-zone-tip = The scene's time and time zone (scene.time_zone). The sun: azimuth { $azimuth }°, elevation { $elevation }° (apparent).
sun-zone-tip-no-sun = The scene's time and time zone (scene.time_zone)
sun-midnight-sun = midnight sun: the sun does not set
sun-polar-night = polar night: the sun does not rise

## Measuring

measure = Measure
measure-distance = Distance
measure-height = Height
measure-area = Area
measure-distance-tip = Tap points on the ground or on buildings: each segment and the total
measure-height-tip = Tap a point on a building: its height above the ground
measure-area-tip = Tap the corners of an area on the ground: its area and perimeter
measure-first-point = Tap the first point (corners snap).
measure-building-point = Tap a point on a building.
measure-first-corner = Tap the first corner on the ground.
measure-next-point = Tap the next point.
measure-snapped-corner = The last point snapped to a building corner.
measure-snapped-edge = The last point snapped to a building edge.
measure-keys = Keyboard: Enter picks the middle of the view, Backspace undoes.
copy = Copy
measure-copy-tip = Copy the measurement as text
measure-undo = Undo point
clear = Clear
measure-clear-tip = Clear (Esc)
done = Done
measure-distance-result = Distance: { $total } (horizontal { $horizontal }, height difference { $rise })
measure-segment = { $n }: { $length } (horizontal { $horizontal })
measure-height-result = Height above the ground: { $height }
measure-height-none = Height: no point picked
measure-area-result = Area: { $area }, perimeter { $perimeter }

## Scenarios and KPIs

scenarios = Scenarios
scenario-baseline-choice = Baseline (the city as it is)
scenario-shared = { $name } (shared)
scenario-published = { $name } (published)
scenario-warnings =
    { $count ->
        [one] { $count } warning
       *[other] { $count } warnings
    }
scenario-file-failed = A scenario file was not read:
compare = Compare
compare-toggle = Toggle
compare-toggle-tip = One at a time; B switches
compare-swipe = Swipe
compare-swipe-tip = Drag the divider: the baseline left of it, the scenario right
compare-side-by-side = Side by side
compare-side-by-side-tip = Two views moving together: the baseline left, the scenario right
showing-scenario = Showing the scenario
showing-baseline = Showing the baseline
show-baseline = Show the baseline
show-scenario = Show the scenario
key-b-tip = Key: B
kpis = KPIs
kpis-tip = Area figures of the scenario
kpis-title = KPIs: { $name }
baseline = Baseline
scenario = Scenario
difference = Difference
kpis-no-site = The scenario names no site: coverage and floor area ratio need one.
kpis-note = Footprint (BYA) is the building's outline in the data, not BYA's exact rules for projections (SS 21054:2020). GFA (BTA) = footprint × floors; floors from the data, else height ÷ storey height. Floor area ratio (exploateringstal) = BTA ÷ site area.
export-csv = Export CSV
kpis-export-tip = Save this table as a CSV file in the current folder
save-failed = Could not save { $name }: { $error }. Start citytwin in a folder you can write to.
kpi-buildings = Buildings
kpi-buildings-added = Buildings added
kpi-buildings-removed = Buildings removed
kpi-footprint-added-m2 = Footprint added (BYA)
kpi-footprint-removed-m2 = Footprint removed (BYA)
kpi-gfa-added-m2 = GFA added (BTA)
kpi-gfa-removed-m2 = GFA removed (BTA)
kpi-gfa-net-m2 = Net GFA (BTA)
kpi-site-area-m2 = Site area
kpi-site-footprint-m2 = Footprint in the site (BYA)
kpi-site-gfa-m2 = GFA in the site (BTA)
kpi-coverage = Site coverage
kpi-far = Floor area ratio (exploateringstal e)
kpi-max-height-m = Tallest building in the site

## The sun-hours study

study-title = Sun-hours study
study-intro = Hours of sun on each 2 m of ground on the clock's date, every 10 minutes from sunrise to sunset, among the buildings as they stand.
study-site = Study the scenario's site
study-site-disabled-tip = Switch on a scenario that has a site
study-around-view = Study { $metres } m around the view
study-draw = Draw a rectangle
study-draw-tip = Click or tap two opposite corners on the ground
study-second-corner = Now the opposite corner (Esc stops).
study-first-corner = Click the first corner on the ground.
study-tracing-baseline = Tracing the baseline… { $percent } %
study-tracing-scenario = Tracing { $name }… { $percent } %
cancel = Cancel
study-area-site = The site of { $name } and { $margin } m around it
study-area-view = { $side } m × { $side } m around the view
study-area-rectangle = The rectangle drawn ({ $width } m × { $height } m)
study-day = { $area }, { $date } ({ $zone }): sunrise { $sunrise }, sunset { $sunset }, { $hours } h of daylight.
study-none = none
study-under-building = under a building
study-outside = outside
hours = { $hours } h
study-here-both = Here: { $baseline } in the baseline, { $scenario } with the scenario.
study-here = Here: { $hours } of sun.
study-click = Click the ground to read its hours of sun.
study-export-tip = Write the grids (lon, lat, sun_hours) as CSV in the current folder
study-remove = Remove the heat map
study-rays = { $rays } rays in { $seconds } s. Save picture keeps the view as PNG.
study-legend-difference = −{ $hours } h lost        0        +{ $hours } h gained
study-legend-hours = 0 h        { $half } h        { $top } h of sun
study-sun-on = Sun on { $date }
study-mean = Mean hours of sun
study-share = Share with ≥ { $hours } h
study-kept = Kept share (BRE asks ≥ 0.8)
study-share-day = Share with ≥ { $hours } h 09–17
study-cells = Cells of open ground
percent = { $percent } %
criterion-bre = BRE BR 209 (2022): at least half of an amenity area should see ≥ 2 h of sun on 21 March, or keep ≥ 0.8 of its former share
criterion-boverket = Boverket, Solklart (2012): play and sitting areas of dwellings should see ≥ 5 h of sun between 09 and 17 at the equinox
criteria =
    ≥ 2 h: { $bre }.
    ≥ 5 h: { $boverket }.

## Editing scenarios

plain-text = { $text }
edit = Edit
tool-select = Select
tool-select-tip = Click or tap buildings to inspect them
tool-draw = Draw building
tool-draw-tip = Tap the corners of a new building on the ground; tap the first corner again (or Finish, or Enter) to close it. Corners snap to buildings; near-right angles are squared.
tool-move = Move
tool-move-tip = Drag the selected new building, or tap where it should go
edit-corners =
    { $count ->
        [one] { $count } corner
       *[other] { $count } corners
    }
edit-floors-label = · floors
edit-floors-tip = Floors of the building drawn
edit-finish = Finish
edit-finish-tip = Close the outline (Enter)
edit-undo-corner = Undo corner
edit-undo-corner-tip = Backspace
edit-cancel-tip = Escape
undo = Undo
undo-tip = Undo { $edit } (Ctrl+Z)
redo = Redo
redo-tip = Redo { $edit } (Ctrl+Y)
save = Save
save-unsaved = Save*
save-scenario-tip = Write the scenario as TOML with its GeoJSON (to its file, or into the project's scenarios folder)
save-as = Save as…
save-as-tip = Save a copy under a new name: a new scenario
copy-name = { $name } (copy)
publish = Publish
publish-tip = Write the scenario to the broker the city came from, for every viewer of it to see (the baseline's buildings are not changed)
publish-needs-broker = Publishing needs a broker: this city was read from a file
new = New
new-tip = Start an empty scenario
new-scenario-name = New scenario
name = Name
removed-by-id = Removed by id ({ $count })
restore = Restore
remove-in-scenario = Remove in this scenario
remove-in-new-scenario = Remove in a new scenario
remove-tip = The building vanishes from the scenario side; the baseline keeps it
change-building = Change this building
floors = Floors
height = Height
metre-unit = m
turn = Turn
move = Move
move-tip = Drag the building, or tap where it should go
delete = Delete
delete-building-tip = Delete this building from the scenario (Delete)
edit-draw-a-building = draw a building
edit-height = height
edit-floors = floors
edit-move = move
edit-turn = turn
edit-delete = delete
edit-remove-a-building = remove a building
edit-restore-a-building = restore a building
edit-add-a-file = add a file
edit-rename = rename
edit-needs-three-corners = A building needs at least three corners.
edit-select-to-move = Select a building this scenario adds to move it.
drop-refused = { $file } was not added ({ $why }). Drop a glTF model (.glb, .gltf) or buildings in GeoJSON, NGSI-LD or CityJSON.
publish-no-broker = This city was read from a file, so there is no broker to publish to. Start citytwin with --broker URL (or the demo) to share scenarios.
published =
    Published as { $id }: { $buildings ->
        [one] { $buildings } building
       *[other] { $buildings } buildings
    }{ $deleted ->
        [0] {""}
       *[other] , { $deleted } no longer in it deleted
    }. Other viewers of this broker list it now.
publish-failed = Could not publish: { $error }. Nothing was changed in the baseline; try again.
scenario-saved = Saved { $path } (open it again with --scenario { $path })

## The live feed and the status line

live-mode-off = not live
live-mode-connecting = connecting
live-mode-mqtt = live (MQTT notifications)
live-mode-http = live (HTTP notifications)
live-mode-polling = live (polling)
live-mode-offline = offline
live-status = Sensors { $mode }: { $detail }{ $changes }
live-changes = · { $count } changes, last { $seconds } s ago
live-waiting = waiting for the city
live-from-file = the data come from a file, which does not change
live-connecting = connecting to the broker
live-no-layer-shown = no sensor layer is shown, so none is followed
live-no-layers = no sensor layers are configured
live-subscribed =
    subscribed to { $types ->
        [one] { $types } sensor type
       *[other] { $types } sensor types
    }{ $back ->
        [yes] ; back after an outage, resynchronised
       *[no] {""}
    }
live-polling-meanwhile = { $why }; asking the broker every { $seconds } s meanwhile
live-polling =
    asking the broker every { $seconds } s ({ $why }){ $back ->
        [yes] ; back after an outage, resynchronised
       *[no] {""}
    }
live-offline = { $why }; showing the last known values, retrying every { $seconds } s
live-lost-mqtt = lost the MQTT broker { $why }
live-undeliverable = the broker cannot deliver notifications ({ $reason })
history-from-file = the data come from a file, which has no history
history-no-past = no past values: { $why }
sensor-no-reading = no reading for { $minutes } min

## About and the city's badge

about-title = About citytwin
about-version = citytwin { $version }
about-intro = An open-source 3D city digital twin viewer for NGSI-LD context brokers, for planning workshops, public kiosks and hackathons.
about-data = Data
about-local-broker = Served by citytwin's local NGSI-LD broker at { $url }/ngsi-ld/v1 (other programs on this computer can query it while citytwin runs).
about-origin = Scene origin { $lon }, { $lat }; projected with { $crs }
about-osm-link = openstreetmap.org/copyright
loading = Loading…
about-software = Software
about-built-with = Built with Bevy, egui, PROJ (its EPSG database is embedded) and georust/geo. Licensed under the Apache License 2.0.
badge-offline = Offline since { $when }: showing the city as it was then
badge-cached = Showing the city saved { $when }; reading the latest…

## The kiosk

kiosk-touch-to-explore = ☝ Touch the screen to explore
kiosk-hint-one-finger = One finger: turn and tilt
kiosk-hint-two-fingers = Two fingers: move
kiosk-hint-pinch = Pinch: zoom
kiosk-hint-twist = Twist two fingers: turn
kiosk-hint-tap = Tap a building or a sensor: read about it
kiosk-explore = Explore the city
kiosk-still-there = Are you still there?
kiosk-countdown = Everything goes back to the start in { $seconds } s.
kiosk-still-here = I'm still here
kiosk-leave = Leave the kiosk
kiosk-wrong-pin = Wrong PIN.
ok = OK

## Comments

comments-count = Comments ({ $count })
comment-write = ✏ Write a comment
comment-write-tip = Tap a spot in the 3D view and say what you think. Anonymous.
comments-waiting = { $count } waiting for the broker
comments-all = All
comment-category-count = { $name } { $count }
comments-none = No comments yet.
comments-all-scenarios = All scenarios
comments-no-scenario = No scenario
comment-head = { $category } · { $when }
comment-hidden-mark = · hidden
comment-show-in-view = Show it in the view
comment-show-again = Show again
comment-hide = Hide
comment-hidden = Hidden
comment-window = Your comment
comment-step-spot = 1. Tap the spot in the 3D view: the ground or a building.
comment-step-spot-chosen = 1. Spot chosen ✔ ({ $lat }, { $lon }{ $height }). Tap again to move it.
comment-height = , { $metres } m up
comment-step-category = 2. What is it?
comment-step-text = 3. Your comment:
comment-hint = Write here. Do not write names or other personal details.
comment-counter = { $count } / { $max }
comment-about-scenario = About the scenario “{ $name }”
comment-sending = Sending…
comment-send = Send
close = Close
keyboard = ⌨ Keyboard
keyboard-tip = On-screen keyboard
comment-anonymous = Anonymous: no name, account or device is stored, and the time only to the minute. Everyone using this map can read it.
comment-thanks = Thank you! Your comment is on the map.
key-shift = Shift
key-space = Space
key-new-line = New line
comment-empty = Write something first.
comment-too-long = The text has { $chars } characters; at most { $max } fit. Shorten it by { $over }.
comment-no-category = Choose what it is: an idea, a problem, a question or praise.
comment-off-scene = That spot is outside the map. Tap the ground or a building.
comment-no-spot = First tap the spot in the 3D view that the comment is about.
comment-too-soon = One comment at a time: wait { $seconds } seconds and try again.
comment-no-broker = This city was read from a file, so there is no broker to keep comments. Start citytwin with --broker URL (or the demo).
comment-refused-403 = the broker does not allow comments to be written here
comment-refused-413 = the text is too large for the broker
comment-refused-other = the broker did not accept it
comment-refused = The comment was not saved: { $why } ({ $status }). Your text is kept; ask the staff or the organisers for help.
comment-waiting = The broker is not answering now. The comment is kept on this computer and will be sent when the broker answers again.

## Loading stages (stage- and the stage's words joined by dashes)

stage-starting = starting
stage-reading = reading
stage-receiving-entities = receiving entities
stage-receiving-sensors = receiving sensors
stage-georeferencing-buildings = georeferencing buildings
stage-meshing = meshing
stage-adding-tiles-to-the-scene = adding tiles to the scene
stage-loading-the-buildings-around-the-view = loading the buildings around the view
stage-starting-the-local-broker = starting the local broker

## What went wrong, for the person

study-stopped = the study stopped unexpectedly
study-city-loading = the city is still loading: run the study once it is shown
study-time-out-of-range = the clock's time is out of range
study-no-site = the active scenario has no site: choose one with a site, or study the view
study-too-large = the area is too large for 2 m cells
study-cannot-start = cannot start the study: { $error }
study-rectangle-too-small = the rectangle is too small: draw one at least 4 m across
cannot-write = cannot write { $file }: { $error }
picture-failed = cannot save { $file }: { $error }
