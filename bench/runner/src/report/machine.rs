//! The machine a run measured on, as the report's first table shows it.

use std::path::Path;

/// The folder of root certificates the SDK's HTTPS client reads at start-up
/// (rustls-native-certs through openssl-probe, on Debian-like systems).
const SYSTEM_CERTIFICATE_DIR: &str = "/etc/ssl/certs";

pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub memory: String,
    pub kernel: String,
    pub virtualization: String,
    pub rustc: String,
    /// `node --version`, the Node peer's runtime.
    pub node: String,
    /// The Node peer's direct dependencies and their locked versions.
    pub node_packages: Vec<(String, String)>,
    pub date: String,
    /// Entries of [`SYSTEM_CERTIFICATE_DIR`], when it exists.
    pub system_certificate_files: Option<usize>,
    /// The roots compiled into the functions (`neptun_dynamo::tls::AMAZON_ROOTS`).
    pub amazon_roots: usize,
}

impl Machine {
    pub fn detect(node_lock: &Path) -> Self {
        let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
        let cpu = read("/proc/cpuinfo")
            .lines()
            .find_map(|line| line.strip_prefix("model name"))
            .map(|rest| rest.trim_start_matches([' ', '\t', ':']).trim().to_owned())
            .unwrap_or_else(|| "unknown".into());
        let memory = read("/proc/meminfo")
            .lines()
            .find_map(|line| line.strip_prefix("MemTotal:"))
            .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or_else(
                || "unknown".into(),
                |kb| format!("{:.1} GiB", kb / 1024.0 / 1024.0),
            );
        let cmdline = read("/proc/cmdline");
        let virtualization = if cmdline.contains("firecracker") {
            "Firecracker microVM (the VMM that Lambda itself runs functions in)".to_owned()
        } else {
            let detected = command("systemd-detect-virt", &[]);
            if detected.is_empty() {
                "unknown".to_owned()
            } else {
                detected
            }
        };
        Self {
            cpu,
            cores: std::thread::available_parallelism().map_or(0, usize::from),
            memory,
            kernel: format!(
                "{} {}",
                read("/proc/sys/kernel/ostype").trim(),
                read("/proc/sys/kernel/osrelease").trim()
            ),
            virtualization,
            rustc: command("rustc", &["-V"]),
            node: Some(command("node", &["--version"]))
                .filter(|version| !version.is_empty())
                .unwrap_or_else(|| "not found".to_owned()),
            node_packages: locked_dependencies(node_lock),
            date: Self::date(),
            system_certificate_files: std::fs::read_dir(SYSTEM_CERTIFICATE_DIR)
                .ok()
                .map(Iterator::count),
            amazon_roots: neptun_dynamo::tls::AMAZON_ROOTS.len(),
        }
    }

    /// Now, as the report writes dates.
    pub fn date() -> String {
        command("date", &["-u", "+%Y-%m-%d %H:%M UTC"])
    }

    pub fn certificate_dir() -> &'static str {
        SYSTEM_CERTIFICATE_DIR
    }
}

/// The standard output of a command, trimmed; empty when it cannot run.
fn command(program: &str, args: &[&str]) -> String {
    std::process::Command::new(program)
        .args(args)
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// The direct dependencies of an npm lock file (version 2 or 3) with their locked versions.
fn locked_dependencies(lock: &Path) -> Vec<(String, String)> {
    let Some(lock) = std::fs::read_to_string(lock)
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
    else {
        return Vec::new();
    };
    let packages = &lock["packages"];
    packages[""]["dependencies"]
        .as_object()
        .map(|direct| {
            direct
                .keys()
                .map(|name| {
                    let version = packages[format!("node_modules/{name}")]["version"]
                        .as_str()
                        .unwrap_or("?");
                    (name.clone(), version.to_owned())
                })
                .collect()
        })
        .unwrap_or_default()
}
