//! Seals a `neptun-session` token for local development and tests.
//!
//!   NUXT_SESSION_PASSWORD=... cargo run -q -p neptun-devtools --bin seal-cookie -- --user 42 [--ttl 3600] [--cookie]
//!
//! Prints only the token line on stdout (`name=<token>` with `--cookie`); errors go to stderr.

use neptun_core::ids::UserId;
use std::process::ExitCode;

use neptun_core::clock;
use neptun_core::session::SessionConfig;

const USAGE: &str = "\
Usage: seal-cookie --user <id> [--ttl <seconds>] [--cookie]

Seals a session cookie for user <id> with NUXT_SESSION_PASSWORD, the way the web app
(h3 / iron-webcrypto) does, and prints the token on stdout.

Options:
  --user <id>        user id (data.user.id), a positive integer (required)
  --ttl <seconds>    lifetime in seconds (default: no expiration, like the web app)
  --cookie           print `<cookie-name>=<token>` instead of the bare token
  -h, --help         print this help

Environment:
  NUXT_SESSION_PASSWORD   session secret shared with the web app (required, >= 32 characters)
  NEPTUN_SESSION_COOKIE   cookie name (default: neptun-session)";

struct Args {
    user: u64,
    ttl_seconds: Option<u64>,
    cookie: bool,
}

enum Parsed {
    Run(Args),
    Help,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Parsed, String> {
    let mut user = None;
    let mut ttl_seconds = None;
    let mut cookie = false;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        // Accept both `--flag value` and `--flag=value`.
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
        match flag.as_str() {
            "-h" | "--help" => return Ok(Parsed::Help),
            "--user" => {
                let text = value("--user")?;
                match text.parse::<u64>() {
                    Ok(id) if id > 0 => user = Some(id),
                    _ => return Err(format!("--user must be a positive integer, got {text:?}")),
                }
            }
            "--ttl" => {
                let text = value("--ttl")?;
                match text.parse::<u64>() {
                    Ok(seconds) if seconds > 0 => ttl_seconds = Some(seconds),
                    _ => {
                        return Err(format!(
                            "--ttl must be a positive number of seconds, got {text:?}"
                        ));
                    }
                }
            }
            "--cookie" if inline.is_none() => cookie = true,
            _ => return Err(format!("unexpected argument {arg:?}")),
        }
    }
    let user = user.ok_or("--user is required")?;
    Ok(Parsed::Run(Args {
        user,
        ttl_seconds,
        cookie,
    }))
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Parsed::Run(args)) => args,
        Ok(Parsed::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("seal-cookie: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let config = match SessionConfig::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("seal-cookie: {error}");
            return ExitCode::from(2);
        }
    };
    let ttl_ms = args.ttl_seconds.map(|s| s.saturating_mul(1000));
    let token = config.seal_user(UserId(args.user), ttl_ms, clock::now_ms());
    if args.cookie {
        println!("{}={token}", config.cookie_name());
    } else {
        println!("{token}");
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Parsed, String> {
        parse_args(args.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn parses_flags() {
        let Ok(Parsed::Run(args)) = parse(&["--user", "42", "--ttl=3600", "--cookie"]) else {
            panic!("expected a run");
        };
        assert_eq!(
            (args.user, args.ttl_seconds, args.cookie),
            (42, Some(3600), true)
        );
        assert!(matches!(parse(&["--help"]), Ok(Parsed::Help)));
        assert!(matches!(parse(&["--user", "1", "-h"]), Ok(Parsed::Help)));
    }

    #[test]
    fn rejects_bad_arguments() {
        for bad in [
            &[][..],
            &["--user"],
            &["--user", "0"],
            &["--user", "-1"],
            &["--user", "x"],
            &["--user", "1", "--ttl", "0"],
            &["--user", "1", "--cookie=yes"],
            &["--user", "1", "extra"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
