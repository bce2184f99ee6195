//! `LOAD_MODE=scale`: the same streaming load against one gateway without Redis, then against
//! two replicas sharing their state in Redis (`--state`), each time in front of a local
//! Connect360 process as the remote upstream. Every visitor holds the event stream on one
//! gateway while a second tab of theirs writes through the other (through the same one when
//! there is only one), `LOAD_AGENT_RATE` messages a second in all: the delivery measured is
//! the send → the message on the visitor's stream, across replicas. Reported side by side:
//! throughput, delivery percentiles, errors, each gateway's CPU time and memory, and Redis's
//! memory and commands a second. It fails on an error, or a message lost or doubled.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use super::{
    percentile, report_deliveries, start_server, stream_visitor, usage, Deliveries, Samples,
    AGENT_KEY, VISITORS_PER_ADDRESS,
};

const TOKEN_SECRET: &str = "load-replicas-share-this-token-secret-0123456789";

/// What one phase measured.
struct Phase {
    name: &'static str,
    delivered: usize,
    p50: Duration,
    p99: Duration,
    errors: usize,
    lost_or_doubled: bool,
    /// Per gateway: CPU seconds over the run, peak resident memory (KiB).
    gateways: Vec<(f64, u64)>,
    /// Redis: peak resident memory (KiB) and commands a second, when there is one.
    redis: Option<(u64, f64)>,
    seconds: f64,
}

/// CPU seconds (user + system) a process has used, from /proc.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name (which may hold spaces) start after its ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line: 11 and 12 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// Commands Redis has processed since it started.
async fn redis_commands(url: &str) -> u64 {
    let Ok(client) = redis::Client::open(url) else {
        return 0;
    };
    let Ok(mut connection) = client.get_multiplexed_async_connection().await else {
        return 0;
    };
    let info: String = redis::cmd("INFO")
        .arg("stats")
        .query_async(&mut connection)
        .await
        .unwrap_or_default();
    info.lines()
        .find_map(|l| l.strip_prefix("total_commands_processed:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

async fn start_redis(dir: &std::path::Path) -> (tokio::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let child = tokio::process::Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ])
        .arg("--dir")
        .arg(dir)
        .args(["--appendonly", "yes", "--appendfsync", "everysec"])
        .args(["--maxclients", "10000"])
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("redis-server (Debian's package; scripts/setup.sh installs it)");
    let url = format!("redis://127.0.0.1:{port}/0");
    for _ in 0..100 {
        if redis_commands(&url).await > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (child, url)
}

async fn phase(
    name: &'static str,
    binary: &PathBuf,
    replicas: usize,
    visitors: u64,
    seconds: u64,
    agent_rate: u64,
) -> Phase {
    let dir = tempfile::tempdir().unwrap();
    let upstream_dir = dir.path().join("upstream");
    let (_upstream, upstream) = start_server(binary, &upstream_dir, &["--no-demo-bot"], &[]).await;
    let redis = match replicas {
        1 => None,
        _ => Some(start_redis(dir.path()).await),
    };
    let mut gateways = Vec::new();
    for n in 0..replicas {
        let mut args = vec!["--upstream", upstream.as_str()];
        if let Some((_, url)) = &redis {
            args.extend(["--state", url.as_str()]);
        }
        let env = [
            ("PLATO_API_KEY", AGENT_KEY),
            ("CONNECT360_TOKEN_SECRET", TOKEN_SECRET),
        ];
        let gateway_dir = dir.path().join(format!("gateway-{n}"));
        gateways.push(start_server(binary, &gateway_dir, &args, &env).await);
    }
    let bases: Vec<String> = gateways.iter().map(|(_, base)| base.clone()).collect();
    let pids: Vec<u32> = gateways.iter().filter_map(|(c, _)| c.id()).collect();
    let redis_pid = redis.as_ref().and_then(|(child, _)| child.id());
    println!(
        "\n{name}: {visitors} streaming visitors over {replicas} gateway(s) for {seconds} s, \
         {agent_rate} messages a second"
    );

    let cpu_before: Vec<f64> = pids.iter().map(|&p| cpu_seconds(p)).collect();
    let commands_before = match &redis {
        Some((_, url)) => redis_commands(url).await,
        None => 0,
    };
    let samples = Arc::new(Mutex::new(Samples::default()));
    let deliveries = Arc::new(Mutex::new(Deliveries::default()));
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    // Peak memory, sampled every 2 s.
    let peaks = Arc::new(Mutex::new((vec![0u64; pids.len()], 0u64)));
    let sampler = {
        let (peaks, pids) = (peaks.clone(), pids.clone());
        tokio::spawn(async move {
            loop {
                let mut peaks = peaks.lock().await;
                for (i, &pid) in pids.iter().enumerate() {
                    peaks.0[i] = peaks.0[i].max(usage(pid).0);
                }
                if let Some(pid) = redis_pid {
                    peaks.1 = peaks.1.max(usage(pid).0);
                }
                drop(peaks);
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        })
    };
    tokio::spawn(super::agents(
        bases[0].clone(),
        agent_rate,
        until - Duration::from_secs(5),
        samples.clone(),
        deliveries.clone(),
    ));
    let tasks: Vec<_> = (0..visitors)
        .map(|i| {
            let address =
                std::net::Ipv4Addr::new(127, 0, 2, 1 + ((i / VISITORS_PER_ADDRESS) % 250) as u8);
            let client = reqwest::Client::builder()
                .local_address(std::net::IpAddr::V4(address))
                .pool_idle_timeout(Duration::from_secs(5))
                .build()
                .unwrap();
            let stream_on = bases[i as usize % bases.len()].clone();
            let writes_through = bases[(i as usize + 1) % bases.len()].clone();
            tokio::spawn(stream_visitor(
                stream_on,
                client,
                until,
                i,
                visitors,
                samples.clone(),
                deliveries.clone(),
                Some(writes_through),
            ))
        })
        .collect();
    for task in tasks {
        let _ = task.await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    sampler.abort();
    let cpu: Vec<f64> = pids
        .iter()
        .zip(&cpu_before)
        .map(|(&p, before)| cpu_seconds(p) - before)
        .collect();
    let redis_figures = match &redis {
        Some((_, url)) => {
            let commands = redis_commands(url).await.saturating_sub(commands_before);
            Some((peaks.lock().await.1, commands as f64 / elapsed))
        }
        None => None,
    };
    let lost_or_doubled = report_deliveries(&deliveries, visitors, elapsed).await;
    let mut latencies = deliveries.lock().await.latencies.clone();
    latencies.sort();
    let samples = samples.lock().await;
    for error in samples.errors.iter().take(10) {
        println!("  error: {error}");
    }
    let peaks = peaks.lock().await;
    Phase {
        name,
        delivered: latencies.len(),
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
        errors: samples.errors.len(),
        lost_or_doubled,
        gateways: cpu.into_iter().zip(peaks.0.iter().copied()).collect(),
        redis: redis_figures,
        seconds: elapsed,
    }
}

/// Runs both phases and prints them side by side; whether either failed.
pub async fn compare(binary: &PathBuf, visitors: u64, seconds: u64, agent_rate: u64) -> bool {
    let single = phase(
        "one gateway, no Redis",
        binary,
        1,
        visitors,
        seconds,
        agent_rate,
    )
    .await;
    let shared = phase(
        "two replicas + Redis",
        binary,
        2,
        visitors,
        seconds,
        agent_rate,
    )
    .await;
    println!("\n| | {} | {} |", single.name, shared.name);
    println!("|---|---:|---:|");
    let row = |what: &str, f: &dyn Fn(&Phase) -> String| {
        println!("| {what} | {} | {} |", f(&single), f(&shared));
    };
    row("messages delivered", &|p| p.delivered.to_string());
    row("throughput (deliveries/s)", &|p| {
        format!("{:.1}", p.delivered as f64 / p.seconds)
    });
    row("delivery p50 / p99 (ms)", &|p| {
        format!(
            "{:.1} / {:.1}",
            p.p50.as_secs_f64() * 1000.0,
            p.p99.as_secs_f64() * 1000.0
        )
    });
    row("errors", &|p| p.errors.to_string());
    row("lost or doubled", &|p| p.lost_or_doubled.to_string());
    row("gateway CPU s (each)", &|p| {
        let each: Vec<String> = p.gateways.iter().map(|g| format!("{:.1}", g.0)).collect();
        each.join(" + ")
    });
    row("gateway peak RSS MiB (each)", &|p| {
        let each: Vec<String> = p
            .gateways
            .iter()
            .map(|g| format!("{:.0}", g.1 as f64 / 1024.0))
            .collect();
        each.join(" + ")
    });
    row("Redis peak RSS MiB", &|p| {
        p.redis
            .map_or("-".into(), |r| format!("{:.0}", r.0 as f64 / 1024.0))
    });
    row("Redis commands/s", &|p| {
        p.redis.map_or("-".into(), |r| format!("{:.0}", r.1))
    });
    [single, shared]
        .iter()
        .any(|p| p.errors > 0 || p.lost_or_doubled)
}
