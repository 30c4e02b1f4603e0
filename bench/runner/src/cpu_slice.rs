//! Lambda's share of a CPU at a memory size, as a cgroup v1 CPU quota: a process started in the
//! group (before it runs any code of its own, so its Init is throttled too) gets `quota` µs of
//! CPU per `period` µs, as a function at that memory size does on Lambda.

use std::fs::File;
use std::io::Write as _;
use std::os::unix::process::CommandExt as _;
use std::path::PathBuf;
use std::process::Command;

/// Lambda gives a function one full vCPU at this memory size, and CPU in proportion below it.
pub const FULL_VCPU_MB: f64 = 1769.0;
/// The memory sizes measured: Lambda's smallest (ours) and a common larger one.
pub const MEMORY_SIZES_MB: [u32; 2] = [128, 1024];

const CGROUP_CPU: &str = "/sys/fs/cgroup/cpu";
// 20 ms rather than the kernel's 100: a request waits at most one short period once its quota
// is used, so the figures hold still; the quota at 128 MB (1.4 ms) stays above the kernel's
// minimum of 1 ms, which a period of 10 ms would not.
const PERIOD_US: u64 = 20_000;

/// One CPU quota group, removed again on drop.
pub struct CpuGroup {
    pub memory_mb: u32,
    dir: PathBuf,
    /// What the kernel reports back for the quota and period, µs.
    pub quota_us: u64,
    pub period_us: u64,
}

impl CpuGroup {
    /// The group of `memory_mb`'s CPU share, or why the machine does not allow it.
    pub fn create(memory_mb: u32) -> Result<Self, String> {
        let dir = PathBuf::from(CGROUP_CPU)
            .join(format!("neptun-bench-{}-{memory_mb}mb", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|error| format!("{}: {error}", dir.display()))?;
        let mut group = Self {
            memory_mb,
            dir,
            quota_us: 0,
            period_us: 0,
        };
        let quota = (f64::from(memory_mb) / FULL_VCPU_MB * PERIOD_US as f64).round() as u64;
        group.write("cpu.cfs_period_us", PERIOD_US)?;
        group.write("cpu.cfs_quota_us", quota)?;
        group.quota_us = group.read("cpu.cfs_quota_us")?;
        group.period_us = group.read("cpu.cfs_period_us")?;
        Ok(group)
    }

    fn write(&self, file: &str, value: u64) -> Result<(), String> {
        let path = self.dir.join(file);
        std::fs::write(&path, value.to_string())
            .map_err(|error| format!("{}: {error}", path.display()))
    }

    fn read(&self, file: &str) -> Result<u64, String> {
        let path = self.dir.join(file);
        std::fs::read_to_string(&path)
            .map_err(|error| format!("{}: {error}", path.display()))?
            .trim()
            .parse()
            .map_err(|error| format!("{}: {error}", path.display()))
    }

    pub fn share(&self) -> f64 {
        self.quota_us as f64 / self.period_us.max(1) as f64
    }

    /// Makes `command`'s process join the group between fork and exec.
    pub fn contain(&self, command: &mut Command) -> Result<(), String> {
        let path = self.dir.join("cgroup.procs");
        let procs = File::options()
            .write(true)
            .open(&path)
            .map_err(|error| format!("{}: {error}", path.display()))?;
        // SAFETY: the closure runs in the forked child before exec; it only makes one write
        // system call on a file opened before the fork ("0": the writing process itself), and
        // allocates nothing.
        unsafe {
            command.pre_exec(move || (&procs).write_all(b"0"));
        }
        Ok(())
    }
}

impl Drop for CpuGroup {
    fn drop(&mut self) {
        // Empty once its processes have exited; a group left behind only holds a quota.
        std::fs::remove_dir(&self.dir).ok();
    }
}
