//! The request's own origin and base path: where its file URLs point when `PUBLIC_BASE_URL`
//! is not set.

use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use crate::request;

/// Characters of a base path that cannot appear in a URL as they are.
const PATH_UNSAFE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// The request's origin and base path, e.g. `https://abc.execute-api.us-east-1.amazonaws.com`
/// or `https://host/Prod`.
pub fn request_base(request: &Request) -> Option<String> {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
    };
    let domain_name = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.domain_name.as_deref(),
        Some(RequestContext::ApiGatewayV1(context)) => context.domain_name.as_deref(),
        _ => None,
    };
    let origin = origin(
        header("x-forwarded-proto"),
        domain_name,
        header(http::header::HOST.as_str()),
    )?;
    let base_path = request::base_path(request);
    Some(format!(
        "{origin}{}",
        utf8_percent_encode(base_path.trim_end_matches('/'), PATH_UNSAFE)
    ))
}

/// `scheme://authority` of a request. `https` unless `x-forwarded-proto` says `http`, or the
/// request has no `x-forwarded-proto` and a loopback `host` (`cargo lambda watch`). The
/// authority is the gateway's `domainName`, else the `host` header; a loopback request uses
/// its `host` (it carries the port).
pub fn origin(
    forwarded_proto: Option<&str>,
    domain_name: Option<&str>,
    host: Option<&str>,
) -> Option<String> {
    let host = host.map(str::trim).filter(|host| is_authority(host));
    let domain_name = domain_name.map(str::trim).filter(|name| is_authority(name));
    // A proxy chain may append: the first entry is what the client used.
    let proto = forwarded_proto.and_then(|value| value.split(',').next().map(str::trim));
    let local = proto.is_none() && host.is_some_and(is_loopback);
    let plain = local || proto.is_some_and(|proto| proto.eq_ignore_ascii_case("http"));
    let authority = if local { host } else { domain_name.or(host) }?;
    let scheme = if plain { "http" } else { "https" };
    Some(format!("{scheme}://{authority}"))
}

/// Host names, IPv4 and bracketed IPv6 literals with an optional port; nothing that could end
/// the authority early (`/`, `@`, `?`, `#`).
fn is_authority(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 300
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._:[]".contains(&b))
}

fn is_loopback(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        Some((name, port)) if !name.ends_with(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        _ => host,
    };
    name == "127.0.0.1" || name.eq_ignore_ascii_case("localhost") || name == "[::1]"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        let aws = "abc.execute-api.us-east-1.amazonaws.com";
        assert_eq!(
            origin(Some("https"), Some(aws), Some(aws)).as_deref(),
            Some("https://abc.execute-api.us-east-1.amazonaws.com")
        );
        // domainName wins over the host header; https without any header.
        assert_eq!(
            origin(None, Some(aws), Some("other.example")).as_deref(),
            Some("https://abc.execute-api.us-east-1.amazonaws.com")
        );
        assert_eq!(
            origin(None, None, Some("api.example.com")).as_deref(),
            Some("https://api.example.com")
        );
        assert_eq!(
            origin(Some("http"), None, Some("api.example.com")).as_deref(),
            Some("http://api.example.com")
        );
        assert_eq!(
            origin(Some("HTTP, https"), Some(aws), None).as_deref(),
            Some("http://abc.execute-api.us-east-1.amazonaws.com")
        );
        // cargo lambda watch: loopback host, no x-forwarded-proto.
        for host in [
            "127.0.0.1:9000",
            "localhost:9000",
            "localhost",
            "[::1]:9000",
        ] {
            assert_eq!(
                origin(None, Some("localhost"), Some(host)),
                Some(format!("http://{host}")),
                "{host}"
            );
        }
        // A loopback host behind a proxy that says https is not local.
        assert_eq!(
            origin(Some("https"), None, Some("localhost:9000")).as_deref(),
            Some("https://localhost:9000")
        );
        // Nothing that could redirect the URL elsewhere.
        assert_eq!(origin(None, None, Some("evil.example/x?")), None);
        assert_eq!(origin(None, None, Some("user@evil.example")), None);
        assert_eq!(origin(None, Some(""), None), None);
        assert_eq!(origin(None, None, None), None);
    }
}
