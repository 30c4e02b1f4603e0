//! The command line of `import`.

use super::{CryptoSecret, DEFAULT_PARALLELISM, Mode, Options};

pub const USAGE: &str = "\
Usage: import [--user <id>]... [--dry-run | --verify] [--parallel <n>]

Copies the web app's chats, messages, chat files, projects' links and shares from its
PostgreSQL database into the table, ids kept. Runs again add every source row not yet
imported, whatever its id, resume a killed run, and update shares changed in the source.

Options:
  --user <id>       only this user's chats (repeatable)
  --dry-run         read and check everything, write nothing, print what would be written
  --verify          check, chat by chat, that every source row is in the table unchanged
  --parallel <n>    BatchWriteItem calls in flight (default 8)
  -h, --help        print this help

Environment:
  DATABASE_URL                 postgres://user:password@host:port/database (never printed),
                               TLS as libpq reads it: ?sslmode=verify-full&sslrootcert=system
                               (or =<CA file>); sslmode disable, prefer (default), require,
                               verify-ca, verify-full
  PGSSLMODE, PGSSLROOTCERT     sslmode and sslrootcert when the URL has none
  CRYPTO_SECRET                the web app's pgcrypto secret of share passwords and emails
                               (never printed)
  TABLE_NAME                   the DynamoDB table
  AWS_ENDPOINT_URL_DYNAMODB    a local endpoint (else real DynamoDB), AWS_REGION, credentials

Exit status: 0 done, 1 failed (run it again to resume), 2 usage,
3 done but rows are not in the table (rejected, or --verify found them missing or different).";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// Everything but the database URL, which comes from the environment.
    Run {
        users: Option<Vec<u64>>,
        mode: Mode,
        parallelism: usize,
    },
    Help,
}

impl Parsed {
    pub fn with_source(self, database_url: String, crypto_secret: CryptoSecret) -> Option<Options> {
        match self {
            Self::Run {
                users,
                mode,
                parallelism,
            } => Some(Options {
                database_url,
                users,
                mode,
                parallelism,
                crypto_secret,
            }),
            Self::Help => None,
        }
    }
}

pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Parsed, String> {
    let mut users: Vec<u64> = Vec::new();
    let mut mode = Mode::Import;
    let mut parallelism = DEFAULT_PARALLELISM;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        let mut set_mode = |wanted: Mode| {
            if mode != Mode::Import && mode != wanted {
                return Err("--dry-run and --verify exclude each other".to_owned());
            }
            mode = wanted;
            Ok(())
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Parsed::Help),
            "--user" => {
                let raw = value("--user")?;
                match raw.parse::<u64>() {
                    Ok(user) if user > 0 => users.push(user),
                    _ => return Err(format!("--user must be a positive integer, got {raw:?}")),
                }
            }
            "--dry-run" => set_mode(Mode::DryRun)?,
            "--verify" => set_mode(Mode::Verify)?,
            "--parallel" => {
                let raw = value("--parallel")?;
                match raw.parse::<usize>() {
                    Ok(n) if (1..=64).contains(&n) => parallelism = n,
                    _ => return Err(format!("--parallel must be 1 to 64, got {raw:?}")),
                }
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    users.sort_unstable();
    users.dedup();
    Ok(Parsed::Run {
        users: (!users.is_empty()).then_some(users),
        mode,
        parallelism,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(args: &[&str]) -> Result<Parsed, String> {
        parse(args.iter().map(|arg| (*arg).to_owned()))
    }

    #[test]
    fn options() {
        assert_eq!(
            parsed(&[]),
            Ok(Parsed::Run {
                users: None,
                mode: Mode::Import,
                parallelism: DEFAULT_PARALLELISM
            })
        );
        assert_eq!(
            parsed(&[
                "--user",
                "7",
                "--user=3",
                "--user",
                "7",
                "--verify",
                "--parallel",
                "2"
            ]),
            Ok(Parsed::Run {
                users: Some(vec![3, 7]),
                mode: Mode::Verify,
                parallelism: 2
            })
        );
        assert!(parsed(&["--dry-run", "--verify"]).is_err());
        assert!(parsed(&["--user", "0"]).is_err());
        assert!(parsed(&["--user"]).is_err());
        assert!(parsed(&["--parallel", "0"]).is_err());
        assert!(parsed(&["extra"]).is_err());
        assert_eq!(parsed(&["-h"]), Ok(Parsed::Help));
    }
}
