//! `citytwin simulate`: simulated sensors for demos and hackathons, written to a broker
//! through ordinary NGSI-LD requests (see [`crate::simulate`]).

use super::fail;
use crate::config::Config;
use crate::ngsi_ld::client::Client;
use crate::simulate;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// `citytwin simulate`: places simulated sensors (the demo district's, or in `bbox` off the
/// broker's buildings there) and sends `rate` updates per second until Ctrl+C or `duration`
/// seconds.
pub fn command(
    config: &Config,
    rate: f64,
    bbox: Option<[f64; 4]>,
    seed: u64,
    duration: Option<f64>,
) -> ExitCode {
    super::init_logs("warn");
    if !(rate.is_finite() && rate > 0.0 && rate <= 100_000.0) {
        return fail(format!(
            "--rate must be between 0 and 100000 updates per second, not {rate}"
        ));
    }
    let source = match crate::source::broker_source(config, Vec::new()) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .thread_name("citytwin-sim")
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(format!("cannot start the network runtime: {e}")),
    };
    let client = match Client::new(source.client.clone()) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let mut sensors = match bbox {
        None => {
            let demo = match crate::source::read(&crate::source::Source::Demo, &mut |_, _| {}) {
                Ok(p) => p,
                Err(e) => return fail(e),
            };
            crate::demo::sensors_among(&demo.entities, seed)
        }
        Some(b) => {
            // Keep off the broker's buildings in the box.
            let ring = [
                [b[0], b[1]],
                [b[2], b[1]],
                [b[2], b[3]],
                [b[0], b[3]],
                [b[0], b[1]],
            ];
            let query = crate::ngsi_ld::request::EntityQuery {
                types: vec![config.data.building_type.clone()],
                geo: crate::ngsi_ld::geo_query::GeoQuery::intersects_ring(&ring).ok(),
                ..Default::default()
            };
            let buildings = match runtime.block_on(client.query_all(&query, &mut |_, _| {})) {
                Ok(p) => p.entities,
                Err(e) => return fail(e),
            };
            eprintln!(
                "keeping the sensors off {} buildings found in the box",
                buildings.len()
            );
            simulate::place(b, simulate::obstacles_of(&buildings), seed)
        }
    };
    let now = crate::timestamp::now_millis();
    let entities = simulate::initial_entities(&mut sensors, now, seed);
    match runtime.block_on(client.batch_upsert(&entities, 500)) {
        Ok(outcome) => {
            for (id, reason) in &outcome.errors {
                eprintln!("warning: the broker refused {id}: {reason}");
            }
            eprintln!(
                "citytwin simulator: {} sensors with SIMULATED values (not measurements) written \
                 to {}; sending {rate} updates per second{}",
                outcome.success.len(),
                source.label,
                if duration.is_some() {
                    ""
                } else {
                    " until Ctrl+C"
                }
            );
        }
        Err(e) => return fail(e),
    }
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        runtime.spawn(async move {
            let _ = tokio::signal::ctrl_c().await;
            stop.store(true, Ordering::Relaxed);
        });
    }
    if let Some(d) = duration {
        let stop = stop.clone();
        runtime.spawn(async move {
            tokio::time::sleep(std::time::Duration::from_secs_f64(d.max(0.0))).await;
            stop.store(true, Ordering::Relaxed);
        });
    }
    let mut last_report = std::time::Instant::now();
    let stats = runtime.block_on(simulate::run(
        &client,
        &mut sensors,
        rate,
        seed,
        stop,
        |stats, error| {
            if let Some(e) = error {
                eprintln!("warning: an update failed: {e}");
            }
            if last_report.elapsed().as_secs() >= 10 {
                last_report = std::time::Instant::now();
                eprintln!("{} updates sent, {} refused", stats.updates, stats.failures);
            }
        },
    ));
    println!(
        "{}",
        serde_json::json!({"sensors": sensors.len(), "updates": stats.updates, "failures": stats.failures})
    );
    ExitCode::SUCCESS
}
