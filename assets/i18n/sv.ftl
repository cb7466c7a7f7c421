# citytwins gränssnitt på svenska.
#
# Samma nycklar som en.ftl; Project Fluents format, https://projectfluent.org/fluent/guide/.
# Tal kommer redan skrivna på svenskt vis (1 234,5). Ett test (src/language/catalogue_tests.rs)
# fallerar när en nyckel saknas på ett av språken.


## The side panel

panel-hide = Dölj
panel-hide-tip = Dölj panelen
panel-open = ☰ Panel
about = Om
language-switch = English
language-switch-tip = Språk / Language
layers = Lager
layer-count = { $name } ({ $count })
shadows = Skuggor
colour-by = Färglägg efter
colour-by-nothing = inget (neutralt)
colour-by-choice =
    { $attribute } · { $kind ->
        [number] tal
       *[category] kategori
    }, { $count }
views = Vyer
save-picture = Spara bild
save-picture-tip = Spara fönstret som PNG i den aktuella mappen (F12)
saved-file = Sparade { $path }
inspector = Egenskaper
inspector-empty = Klicka eller tryck på en byggnad eller en sensor för att se dess egenskaper.
controls-help =
    Dra: kretsa · Högerdra eller Skift-dra: panorera · Hjul: zooma · Home: översikt
    Pekskärm: ett finger kretsar, två fingrar panorerar och nyp för att zooma
text-size = Textstorlek
text-smaller = A−
text-smaller-tip = Mindre
text-bigger = A+
text-bigger-tip = Större
high-contrast = Hög kontrast
layer-buildings = Byggnader
layer-ground = Mark
layer-terrain = Terräng
layer-streets = Gator
layer-paths = Trottoarer och gångvägar
layer-squares = Torg och platser
layer-water = Vatten
layer-parks = Parker och grönområden
layer-landuse = Markanvändning
layer-railways = Järnvägar
ground-problem = En del av marken visas inte: { $problem }
layer-comments = Kommentarer
layer-sun-hours = Soltimmar
view-overview = Översikt

## The data: loading, summary, reloading

data-failed = Kunde inte läsa in data:
try-again = Försök igen
summary-entities = Entiteter
summary-buildings = Byggnader
summary-triangles = Trianglar
summary-triangles-value = { $triangles } i { $tiles } rutor
summary-viewport = Efter vy
summary-viewport-value = { $cells } rutor inom { $radius } m från vyn
summary-viewport-tip = Servern har fler byggnader än data.stream_above: de nära punkten du tittar på läses in när kameran rör sig, de långt bort släpps
loaded-in = Inläst på
duration-s = { $seconds } s
reload = Läs in igen
reload-tip = Läs data igen; misslyckas det står det som visas kvar
reload-failed = Kunde inte läsa in igen; visar data som lästes in förut:
viewport-failed = Några byggnader nära vyn kunde inte läsas in:
viewport-retry = { $error } (frågar igen om 30 s)
skipped = Överhoppade: { $count }
skipped-more = … och { $count } till (se `citytwin check`)
loading-stage = Läser in: { $stage }…
loading-stage-time = Läser in: { $stage }… { $seconds } s
all-attributes = Alla attribut ({ $count })
tileset-feature-of = I 3D-tilesetet { $tileset }
tileset-feature-number = Objekt { $number }
tileset-feature-no-properties = Tilesetet har inga egenskaper för den här delen.

## The inspector: a building or a sensor

sensor-simulated = Simulerade värden, inte mätningar
sensor-now = Nu
sensor-value = Värde
sensor-observed = Observerat
sensor-observed-value = { $time } ({ $age })
id = Id
clear-selection = Avmarkera
history-title = { $attribute } de senaste { $hours } timmarna
history-loading = Hämtar historiken från servern…
history-none = Servern har inga tidigare värden för den.
history-axis = { $hours } h
history-point =
    { $value } { $unit }
    för { $hours } h sedan
history-line = värde
history-time-shown = tiden som visas
age-future = i framtiden
age-now = alldeles nyss
age-minutes = för { $n } min sedan
age-hours = för { $n } h sedan
age-days =
    { $n ->
        [one] för { $n } dag sedan
       *[other] för { $n } dagar sedan
    }
building-added = Tillagd av det aktiva scenariot
building-height = Höjd
metres = { $m } m
square-metres = { $m2 } m²
building-height-from = Höjd från
building-base = Bas
building-base-value = { $m } m över marken
building-footprint = Fotavtryck
building-floors = Våningar
building-gfa = BTA
height-attribute = datans höjdattribut
height-attribute-from = datans höjdattribut, från { $source }
height-osm-tag = en höjdtagg i OpenStreetMap
height-osm-levels = OpenStreetMaps building:levels × 3,2 m
height-osm-parts = den högsta building:part i OpenStreetMap inuti den
height-provider-default = dataleverantörens standardvärde (källan saknar höjd)
height-3dbag = 3DBAG: takhöjdens 70:e percentil över marken (AHN-lidar)
height-floors = uppskattad: { $floors } våningar × { $storey } m
height-default = ett standardvärde: datan saknar höjd och antal våningar
height-model = { $format }-modellen: dess högsta punkt
height-model-lod = { $format }-modellen (LoD { $lod }): dess högsta punkt över dess lägsta
sensor-no-data = inga data

## The time panel

time-live = Live
time-live-tip = Visa nuet
time-pause = Pausa
time-play-day = Spela upp de senaste 24 timmarna
time-play-here = Spela upp härifrån
time-speed-tip = Uppspelningshastighet: scentid per sekund
speed-real-time = realtid
speed-per-second =
    { $amount } { $unit ->
        [min] min
       *[h] h
    }/s
time-now = { $time }  nu
time-study = { $time }  studie
time-replayed = { $time }  { $age }
time-hover = { $time } ({ $age })
status-sun-study = Solstudie: solen och skuggorna vid datum och tid ovan. Sensorerna har inga data för den tiden; Live går tillbaka till nuet.
status-history-loading = Hämtar sensorernas senaste 24 timmar från servern…
status-replay = Sensorerna visar sina värden vid den här tiden: 5-minutersmedel ur serverns historik ({ $sensors } sensorer, { $values } värden).
status-latest = Sensorerna visar sina senaste värden ({ $why }).
status-live = Live: sensorerna visar sina senaste värden. Dra i tidslinjen eller tryck ▶ för att spela upp de senaste 24 timmarna.
status-paused = Pausad.
history-kept = Servern kan inte ge dem nu: det här är timmarna som sparades på den här datorn { $when }

## The sun row

sun = ☀ Sol
sun-tip = Solen följer klockan: välj ett datum och dra i tiden på dagen
sun-study-open = Soltimmar…
sun-study-open-tip = Timmar med sol på marken den här dagen, nuläge och scenario
sun-march-equinox = Dagjämning i mars
sun-june-solstice = Solstånd i juni
sun-september-equinox = Dagjämning i sept.
sun-december-solstice = Solstånd i dec.
sun-season-starts =
    { $date }: { $season ->
        [spring] vårens
        [summer] sommarens
        [autumn] höstens
       *[winter] vinterns
    } början här
sun-bre-date-tip = Dagen då BRE BR 209 kräver 2 timmar sol
sun-today = I dag
sun-day-back = En dag bakåt
sun-day-on = En dag framåt
sun-date-hint = ÅÅÅÅ-MM-DD
sun-date-tip = Datum: skriv ÅÅÅÅ-MM-DD och tryck Enter
sun-pause = Pausa solen
sun-play = Spela upp dagen från soluppgång till solnedgång
sun-rise = soluppgång { $time }
sun-set = solnedgång { $time }
sun-time-tip = Tid på dagen ({ $time }): dra för att flytta solen
sun-up =
    solen { $elevation }° upp, { $point ->
        [n] N
        [ne] NO
        [e] O
        [se] SO
        [s] S
        [sw] SV
        [w] V
       *[nw] NV
    }
sun-down = solen har gått ner
sun-zone-tip = Scenens tid och tidszon (scene.time_zone). Solen: azimut { $azimuth }°, höjd { $elevation }° (skenbar).
sun-zone-tip-no-sun = Scenens tid och tidszon (scene.time_zone)
sun-midnight-sun = midnattssol: solen går inte ner
sun-polar-night = polarnatt: solen går inte upp

## Measuring

measure = Mät
measure-distance = Avstånd
measure-height = Höjd
measure-area = Yta
measure-distance-tip = Tryck på punkter på marken eller på byggnader: varje sträcka och summan
measure-height-tip = Tryck på en punkt på en byggnad: dess höjd över marken
measure-area-tip = Tryck på hörnen av en yta på marken: dess area och omkrets
measure-first-point = Tryck på den första punkten (hörn fäster).
measure-building-point = Tryck på en punkt på en byggnad.
measure-first-corner = Tryck på det första hörnet på marken.
measure-next-point = Tryck på nästa punkt.
measure-snapped-corner = Den senaste punkten fäste vid ett byggnadshörn.
measure-snapped-edge = Den senaste punkten fäste vid en byggnadskant.
measure-keys = Tangentbord: Enter väljer mitten av vyn, Backsteg ångrar.
copy = Kopiera
measure-copy-tip = Kopiera mätningen som text
measure-undo = Ångra punkt
clear = Rensa
measure-clear-tip = Rensa (Esc)
done = Klar
measure-distance-result = Avstånd: { $total } (vågrätt { $horizontal }, höjdskillnad { $rise })
measure-segment = { $n }: { $length } (vågrätt { $horizontal })
measure-height-result = Höjd över marken: { $height }
measure-height-none = Höjd: ingen punkt vald
measure-area-result = Yta: { $area }, omkrets { $perimeter }

## Scenarios and KPIs

scenarios = Scenarier
scenario-baseline-choice = Nuläge (staden som den är)
scenario-shared = { $name } (delat)
scenario-published = { $name } (publicerat)
scenario-warnings =
    { $count ->
        [one] { $count } varning
       *[other] { $count } varningar
    }
scenario-file-failed = En scenariofil kunde inte läsas:
compare = Jämför
compare-toggle = Växla
compare-toggle-tip = En i taget; B växlar
compare-swipe = Svep
compare-swipe-tip = Dra i avdelaren: nuläget till vänster om den, scenariot till höger
compare-side-by-side = Sida vid sida
compare-side-by-side-tip = Två vyer som rör sig tillsammans: nuläget till vänster, scenariot till höger
showing-scenario = Visar scenariot
showing-baseline = Visar nuläget
show-baseline = Visa nuläget
show-scenario = Visa scenariot
key-b-tip = Tangent: B
kpis = Nyckeltal
kpis-tip = Scenariots areatal
kpis-title = Nyckeltal: { $name }
baseline = Nuläge
scenario = Scenario
difference = Skillnad
kpis-no-site = Scenariot anger ingen tomt: exploateringsgrad och exploateringstal behöver en.
kpis-note = Byggnadsarea (BYA) är byggnadens kontur i datan, inte BYA:s exakta regler för utskjutande delar (SS 21054:2020). BTA = fotavtryck × våningar; våningar ur datan, annars höjd ÷ våningshöjd. Exploateringstal = BTA ÷ tomtarea.
export-csv = Exportera CSV
kpis-export-tip = Spara tabellen som en CSV-fil i den aktuella mappen
save-failed = Kunde inte spara { $name }: { $error }. Starta citytwin i en mapp du kan skriva i.
kpi-buildings = Byggnader
kpi-buildings-added = Tillagda byggnader
kpi-buildings-removed = Borttagna byggnader
kpi-footprint-added-m2 = Tillagd byggnadsarea (BYA)
kpi-footprint-removed-m2 = Borttagen byggnadsarea (BYA)
kpi-gfa-added-m2 = Tillagd BTA
kpi-gfa-removed-m2 = Borttagen BTA
kpi-gfa-net-m2 = BTA netto
kpi-site-area-m2 = Tomtarea
kpi-site-footprint-m2 = Byggnadsarea på tomten (BYA)
kpi-site-gfa-m2 = BTA på tomten
kpi-coverage = Exploateringsgrad
kpi-far = Exploateringstal e
kpi-max-height-m = Högsta byggnaden på tomten

## The sun-hours study

study-title = Soltimmar
study-intro = Timmar med sol på varje 2 m mark på klockans datum, var tionde minut från soluppgång till solnedgång, bland byggnaderna som de står.
study-site = Studera scenariots tomt
study-site-disabled-tip = Slå på ett scenario som har en tomt
study-around-view = Studera { $metres } m runt vyn
study-draw = Rita en rektangel
study-draw-tip = Klicka eller tryck på två motsatta hörn på marken
study-second-corner = Nu det motsatta hörnet (Esc avbryter).
study-first-corner = Klicka på det första hörnet på marken.
study-tracing-baseline = Beräknar nuläget… { $percent } %
study-tracing-scenario = Beräknar { $name }… { $percent } %
cancel = Avbryt
study-area-site = Tomten för { $name } och { $margin } m runt den
study-area-view = { $side } m × { $side } m runt vyn
study-area-rectangle = Den ritade rektangeln ({ $width } m × { $height } m)
study-day = { $area }, { $date } ({ $zone }): soluppgång { $sunrise }, solnedgång { $sunset }, { $hours } h dagsljus.
study-none = ingen
study-under-building = under en byggnad
study-outside = utanför
hours = { $hours } h
study-here-both = Här: { $baseline } i nuläget, { $scenario } med scenariot.
study-here = Här: { $hours } sol.
study-click = Klicka på marken för att läsa av dess soltimmar.
study-export-tip = Skriv rutnäten (lon, lat, sun_hours) som CSV i den aktuella mappen
study-remove = Ta bort värmekartan
study-rays = { $rays } strålar på { $seconds } s. Spara bild sparar vyn som PNG.
study-legend-difference = −{ $hours } h förlorade        0        +{ $hours } h vunna
study-legend-hours = 0 h        { $half } h        { $top } h sol
study-sun-on = Sol den { $date }
study-mean = Genomsnittliga soltimmar
study-share = Andel med ≥ { $hours } h
study-kept = Bibehållen andel (BRE kräver ≥ 0,8)
study-share-day = Andel med ≥ { $hours } h 09–17
study-cells = Rutor med öppen mark
percent = { $percent } %
criterion-bre = BRE BR 209 (2022): minst hälften av en vistelseyta bör ha ≥ 2 h sol den 21 mars, eller behålla ≥ 0,8 av sin tidigare andel
criterion-boverket = Boverket, Solklart (2012): lek- och uteplatser vid bostäder bör ha ≥ 5 h sol mellan 09 och 17 vid vår- och höstdagjämning
criteria =
    ≥ 2 h: { $bre }.
    ≥ 5 h: { $boverket }.

## Editing scenarios

plain-text = { $text }
edit = Redigera
tool-select = Välj
tool-select-tip = Klicka eller tryck på byggnader för att se dem
tool-draw = Rita byggnad
tool-draw-tip = Tryck på hörnen av en ny byggnad på marken; tryck på det första hörnet igen (eller Klar, eller Enter) för att sluta den. Hörn fäster vid byggnader; nästan räta vinklar blir räta.
tool-move = Flytta
tool-move-tip = Dra den valda nya byggnaden, eller tryck där den ska stå
edit-corners =
    { $count ->
        [one] { $count } hörn
       *[other] { $count } hörn
    }
edit-floors-label = · våningar
edit-floors-tip = Våningar i den ritade byggnaden
edit-finish = Klar
edit-finish-tip = Slut konturen (Enter)
edit-undo-corner = Ångra hörn
edit-undo-corner-tip = Backsteg
edit-cancel-tip = Esc
undo = Ångra
undo-tip = Ångra { $edit } (Ctrl+Z)
redo = Gör om
redo-tip = Gör om { $edit } (Ctrl+Y)
save = Spara
save-unsaved = Spara*
save-scenario-tip = Skriv scenariot som TOML med sin GeoJSON (till sin fil, eller i projektets scenariomapp)
save-as = Spara som…
save-as-tip = Spara en kopia under ett nytt namn: ett nytt scenario
copy-name = { $name } (kopia)
publish = Publicera
publish-tip = Skriv scenariot till servern som staden kom från, så att alla som visar den ser det (nulägets byggnader ändras inte)
publish-needs-broker = Att publicera kräver en server: staden lästes från en fil
new = Nytt
new-tip = Börja ett tomt scenario
new-scenario-name = Nytt scenario
name = Namn
removed-by-id = Borttagna efter id ({ $count })
restore = Återställ
remove-in-scenario = Ta bort i det här scenariot
remove-in-new-scenario = Ta bort i ett nytt scenario
remove-tip = Byggnaden försvinner på scenariots sida; nuläget behåller den
change-building = Ändra den här byggnaden
floors = Våningar
height = Höjd
metre-unit = m
turn = Vrid
move = Flytta
move-tip = Dra byggnaden, eller tryck där den ska stå
delete = Radera
delete-building-tip = Radera byggnaden ur scenariot (Delete)
edit-draw-a-building = rita en byggnad
edit-height = höjd
edit-floors = våningar
edit-move = flytta
edit-turn = vrid
edit-delete = radera
edit-remove-a-building = ta bort en byggnad
edit-restore-a-building = återställ en byggnad
edit-add-a-file = lägg till en fil
edit-rename = byt namn
edit-needs-three-corners = En byggnad behöver minst tre hörn.
edit-select-to-move = Välj en byggnad som scenariot lägger till för att flytta den.
drop-refused = { $file } lades inte till ({ $why }). Släpp en glTF-modell (.glb, .gltf) eller byggnader i GeoJSON, NGSI-LD eller CityJSON.
publish-no-broker = Staden lästes från en fil, så det finns ingen server att publicera till. Starta citytwin med --broker URL (eller demon) för att dela scenarier.
published =
    Publicerat som { $id }: { $buildings ->
        [one] { $buildings } byggnad
       *[other] { $buildings } byggnader
    }{ $deleted ->
        [0] {""}
       *[other] , { $deleted } som inte längre ingår raderade
    }. Andra som visar den här servern listar det nu.
publish-failed = Kunde inte publicera: { $error }. Inget ändrades i nuläget; försök igen.
scenario-saved = Sparade { $path } (öppna det igen med --scenario { $path })

## The live feed and the status line

live-mode-off = inte live
live-mode-connecting = ansluter
live-mode-mqtt = live (MQTT-aviseringar)
live-mode-http = live (HTTP-aviseringar)
live-mode-polling = live (frågar regelbundet)
live-mode-offline = offline
live-status = Sensorer { $mode }: { $detail }{ $changes }
live-changes = · { $count } ändringar, senast för { $seconds } s sedan
live-waiting = väntar på staden
live-from-file = datan kommer från en fil, som inte ändras
live-connecting = ansluter till servern
live-no-layer-shown = inget sensorlager visas, så inget följs
live-no-layers = inga sensorlager är inställda
live-subscribed =
    prenumererar på { $types ->
        [one] { $types } sensortyp
       *[other] { $types } sensortyper
    }{ $back ->
        [yes] ; tillbaka efter ett avbrott, synkroniserad
       *[no] {""}
    }
live-polling-meanwhile = { $why }; frågar servern var { $seconds }:e sekund så länge
live-polling =
    frågar servern var { $seconds }:e sekund ({ $why }){ $back ->
        [yes] ; tillbaka efter ett avbrott, synkroniserad
       *[no] {""}
    }
live-offline = { $why }; visar de senast kända värdena, försöker igen var { $seconds }:e sekund
live-lost-mqtt = tappade MQTT-servern { $why }
live-undeliverable = servern kan inte leverera aviseringar ({ $reason })
history-from-file = datan kommer från en fil, som saknar historik
history-no-past = inga tidigare värden: { $why }
sensor-no-reading = ingen mätning på { $minutes } min

## About and the city's badge

about-title = Om citytwin
about-version = citytwin { $version }
about-intro = En öppen 3D-visare för digitala tvillingar av städer, för NGSI-LD-servrar: för planeringsworkshoppar, publika kiosker och hackathon.
about-data = Data
about-local-broker = Serveras av citytwins lokala NGSI-LD-server på { $url }/ngsi-ld/v1 (andra program på den här datorn kan fråga den medan citytwin körs).
about-origin = Scenens origo { $lon }, { $lat }; projicerad med { $crs }
about-osm-link = openstreetmap.org/copyright
loading = Läser in…
about-software = Programvara
about-built-with = Byggd med Bevy, egui, PROJ (med dess EPSG-databas inbyggd) och georust/geo. Licensierad under Apache License 2.0.
badge-offline = Offline sedan { $when }: staden visas som den var då
badge-cached = Visar staden sparad { $when }; hämtar det senaste…

## The kiosk

kiosk-touch-to-explore = ☝ Tryck på skärmen för att utforska
kiosk-hint-one-finger = Ett finger: vrid och luta
kiosk-hint-two-fingers = Två fingrar: flytta
kiosk-hint-pinch = Nyp: zooma
kiosk-hint-twist = Vrid två fingrar: vänd
kiosk-hint-tap = Tryck på en byggnad eller sensor: läs om den
kiosk-explore = Utforska staden
kiosk-still-there = Är du kvar?
kiosk-countdown = Allt går tillbaka till början om { $seconds } s.
kiosk-still-here = Jag är kvar
kiosk-leave = Lämna kiosken
kiosk-wrong-pin = Fel PIN-kod.
ok = OK

## Comments

comments-count = Kommentarer ({ $count })
comment-write = ✏ Skriv en kommentar
comment-write-tip = Tryck på en plats i 3D-vyn och säg vad du tycker. Anonymt.
comments-waiting = { $count } väntar på servern
comments-all = Alla
comment-category-count = { $name } { $count }
comments-none = Inga kommentarer än.
comments-all-scenarios = Alla scenarier
comments-no-scenario = Inget scenario
comment-head = { $category } · { $when }
comment-hidden-mark = · dold
comment-show-in-view = Visa den i vyn
comment-show-again = Visa igen
comment-hide = Dölj
comment-hidden = Dold
comment-window = Din kommentar
comment-step-spot = 1. Tryck på platsen i 3D-vyn: marken eller en byggnad.
comment-step-spot-chosen = 1. Plats vald ✔ ({ $lat }, { $lon }{ $height }). Tryck igen för att flytta den.
comment-height = , { $metres } m upp
comment-step-category = 2. Vad gäller det?
comment-step-text = 3. Din kommentar:
comment-hint = Skriv här. Skriv inte namn eller andra personuppgifter.
comment-counter = { $count } / { $max }
comment-about-scenario = Om scenariot ”{ $name }”
comment-sending = Skickar…
comment-send = Skicka
close = Stäng
keyboard = ⌨ Tangentbord
keyboard-tip = Skärmtangentbord
comment-anonymous = Anonymt: inget namn, konto eller enhet sparas, och tiden bara på minuten. Alla som använder kartan kan läsa den.
comment-thanks = Tack! Din kommentar finns på kartan.
key-shift = Skift
key-space = Mellanslag
key-new-line = Ny rad
comment-empty = Skriv något först.
comment-too-long = Texten har { $chars } tecken; högst { $max } får plats. Korta den med { $over } tecken.
comment-no-category = Välj vad det gäller: idé, problem, fråga eller beröm.
comment-off-scene = Den platsen ligger utanför kartan. Tryck på marken eller på en byggnad.
comment-no-spot = Tryck först på platsen i 3D-vyn som kommentaren gäller.
comment-too-soon = En kommentar i taget: vänta { $seconds } sekunder och försök igen.
comment-no-broker = Staden lästes från en fil, så det finns ingen server att spara kommentarer i. Starta citytwin med --broker URL (eller demon).
comment-refused-403 = servern tillåter inte att kommentarer skrivs här
comment-refused-413 = texten är för stor för servern
comment-refused-other = servern tog inte emot den
comment-refused = Kommentaren sparades inte: { $why } ({ $status }). Din text finns kvar; be personalen om hjälp.
comment-waiting = Servern svarar inte just nu. Kommentaren är sparad på den här datorn och skickas när servern svarar igen.

## Loading stages (stage- and the stage's words joined by dashes)

stage-starting = startar
stage-reading = läser
stage-receiving-entities = tar emot entiteter
stage-receiving-sensors = tar emot sensorer
stage-georeferencing-buildings = georefererar byggnader
stage-meshing = bygger modeller
stage-adding-tiles-to-the-scene = lägger till rutor i scenen
stage-loading-the-buildings-around-the-view = läser in byggnaderna runt vyn
stage-starting-the-local-broker = startar den lokala servern

## What went wrong, for the person

study-stopped = studien stannade oväntat
study-city-loading = staden läses fortfarande in: kör studien när den visas
study-time-out-of-range = klockans tid är utanför det möjliga
study-no-site = det aktiva scenariot har ingen tomt: välj ett med tomt, eller studera vyn
study-too-large = ytan är för stor för rutor på 2 m
study-cannot-start = kan inte starta studien: { $error }
study-rectangle-too-small = rektangeln är för liten: rita en som är minst 4 m bred
cannot-write = kan inte skriva { $file }: { $error }
picture-failed = kan inte spara { $file }: { $error }
