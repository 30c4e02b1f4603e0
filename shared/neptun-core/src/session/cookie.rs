//! Finding the sealed token in request headers exactly like h3 1.15 (`getSession` +
//! `cookie-es` `parse`) does.

use http::HeaderMap;
use http::header::{COOKIE, HeaderName};

/// The longest token read: what a browser keeps of one cookie (4096 bytes, name included),
/// and 10 times the web app's sessions (about 400 bytes).
pub const MAX_TOKEN_BYTES: usize = 4096;
/// The most bytes of `Cookie` (and session) headers a request may carry to be read at all.
pub const MAX_COOKIE_HEADERS_BYTES: usize = 16 * 1024;

/// Whether the request's `Cookie` headers and session header together are longer than
/// [`MAX_COOKIE_HEADERS_BYTES`]: then they are not parsed.
pub fn too_large(headers: &HeaderMap, session_header: Option<&HeaderName>) -> bool {
    let cookies = headers.get_all(COOKIE).iter();
    let session = session_header
        .into_iter()
        .flat_map(|name| headers.get_all(name).iter());
    cookies
        .chain(session)
        .map(|value| value.len())
        .sum::<usize>()
        > MAX_COOKIE_HEADERS_BYTES
}

/// Where the token came from (logged; never the token itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    /// The `x-<cookie-name>-session` header.
    Header,
    /// The session cookie.
    Cookie,
}

impl TokenSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Header => "header",
            Self::Cookie => "cookie",
        }
    }
}

/// The session header h3 derives from the cookie name: `x-<name lowercased>-session`.
/// `None` when the cookie name cannot be part of a header name.
pub fn session_header_name(cookie_name: &str) -> Option<HeaderName> {
    HeaderName::from_bytes(format!("x-{}-session", cookie_name.to_ascii_lowercase()).as_bytes())
        .ok()
}

/// The raw token: the session header if present and non-empty (it takes precedence, even when
/// invalid), else the first `cookie_name` pair across all `Cookie` headers. `None` means no
/// session (absent or empty).
pub fn find_token(
    headers: &HeaderMap,
    cookie_name: &str,
    session_header: Option<&HeaderName>,
) -> Option<(String, TokenSource)> {
    if let Some(name) = session_header {
        // Node joins repeated headers with ", "; h3 falls back to the cookie when the header is
        // empty (a falsy string).
        let values: Vec<String> = headers
            .get_all(name)
            .iter()
            .map(|v| latin1(v.as_bytes()))
            .collect();
        let value = values.join(", ");
        if !value.is_empty() {
            return Some((value, TokenSource::Header));
        }
    }
    // Node joins repeated Cookie headers with "; ", so the first pair across all of them wins.
    let value = headers
        .get_all(COOKIE)
        .iter()
        .find_map(|header| cookie_value(header.as_bytes(), cookie_name.as_bytes()))?;
    let value = decode_value(&value);
    (!value.is_empty()).then_some((value, TokenSource::Cookie))
}

/// The raw value of the first `name=value` pair named `name` in one Cookie header.
/// Bytes, not `&str`: another cookie with non-ASCII bytes must not hide ours.
fn cookie_value(header: &[u8], name: &[u8]) -> Option<String> {
    header.split(|&b| b == b';').find_map(|pair| {
        // A segment without `=` is skipped, like cookie-es does.
        let eq = pair.iter().position(|&b| b == b'=')?;
        let (key, value) = pair.split_at(eq);
        (js_trim(key) == name).then(|| latin1(js_trim(value.get(1..).unwrap_or_default())))
    })
}

/// JavaScript's `String.prototype.trim` on latin1-decoded header bytes (it also trims
/// vertical tab and no-break space, unlike `trim_ascii`).
fn js_trim(bytes: &[u8]) -> &[u8] {
    let is_space = |b: &u8| matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | 0xa0);
    let start = bytes
        .iter()
        .position(|b| !is_space(b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_space(b))
        .map_or(start, |i| i + 1);
    bytes.get(start..end).unwrap_or_default()
}

/// Strip one pair of surrounding double quotes; percent-decode only if there is a `%`, and keep
/// the raw text when decoding fails (what `decodeURIComponent` in a `try` does in cookie-es).
fn decode_value(raw: &str) -> String {
    let unquoted = raw
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(raw);
    if !unquoted.contains('%') {
        return unquoted.to_owned();
    }
    percent_decode_strict(unquoted).unwrap_or_else(|| unquoted.to_owned())
}

/// `decodeURIComponent`: every `%` must start a `%XX` escape and the result must be UTF-8.
fn percent_decode_strict(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let well_formed = bytes.iter().enumerate().all(|(i, &b)| {
        b != b'%'
            || bytes
                .get(i + 1..i + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    });
    if !well_formed {
        return None;
    }
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

/// Header bytes as Node reads them (latin1), so that odd bytes give a failing token rather
/// than a different code path.
fn latin1(bytes: &[u8]) -> String {
    // ASCII (every token) is its own latin1: copied, not decoded a character at a time.
    match std::str::from_utf8(bytes) {
        Ok(text) if bytes.is_ascii() => text.to_owned(),
        _ => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    const NAME: &str = "neptun-session";

    fn headers(pairs: &[(&str, &[u8])]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap_or(COOKIE),
                HeaderValue::from_bytes(value).unwrap_or(HeaderValue::from_static("")),
            );
        }
        map
    }

    fn find(pairs: &[(&str, &[u8])]) -> Option<(String, TokenSource)> {
        let header = session_header_name(NAME);
        find_token(&headers(pairs), NAME, header.as_ref())
    }

    fn cookie(value: &str) -> Option<String> {
        find(&[("cookie", value.as_bytes())]).map(|(token, _)| token)
    }

    #[test]
    fn header_name_is_derived_from_cookie_name() {
        assert_eq!(
            session_header_name("neptun-session").map(|h| h.to_string()),
            Some("x-neptun-session-session".to_owned())
        );
        assert_eq!(
            session_header_name("Nuxt-Session").map(|h| h.to_string()),
            Some("x-nuxt-session-session".to_owned())
        );
        assert_eq!(session_header_name("a b"), None);
    }

    #[test]
    fn plain_and_joined_cookies() {
        assert_eq!(cookie("neptun-session=T"), Some("T".into()));
        assert_eq!(cookie("a=b; neptun-session=T; c=d"), Some("T".into()));
        assert_eq!(cookie("a=b;neptun-session=T;c=d"), Some("T".into()));
        assert_eq!(cookie("a=b ;  neptun-session = T  ; c=d"), Some("T".into()));
        assert_eq!(cookie("neptun-session=T;"), Some("T".into()));
    }

    #[test]
    fn first_pair_wins() {
        assert_eq!(
            cookie("neptun-session=A; neptun-session=B"),
            Some("A".into())
        );
        // An empty first pair hides a later one: no session, like h3.
        assert_eq!(cookie("neptun-session=; neptun-session=B"), None);
    }

    #[test]
    fn across_several_cookie_headers() {
        let found = find(&[("cookie", b"a=b"), ("cookie", b"neptun-session=T")]);
        assert_eq!(found, Some(("T".into(), TokenSource::Cookie)));
        let found = find(&[
            ("cookie", b"neptun-session=A"),
            ("cookie", b"neptun-session=B"),
        ]);
        assert_eq!(found.map(|f| f.0), Some("A".into()));
    }

    #[test]
    fn names_match_exactly() {
        assert_eq!(
            cookie("xneptun-session=X; neptun-session-x=Y; Neptun-Session=Z; neptun-session=T"),
            Some("T".into())
        );
        assert_eq!(cookie("nuxt-session=T"), None);
    }

    #[test]
    fn segments_without_equals_are_skipped() {
        assert_eq!(cookie("flag; neptun-session=T"), Some("T".into()));
        assert_eq!(cookie("neptun-session; neptun-session=T"), Some("T".into()));
    }

    #[test]
    fn value_keeps_later_equals_signs() {
        assert_eq!(cookie("neptun-session=a=b"), Some("a=b".into()));
    }

    #[test]
    fn quotes_are_stripped_once() {
        assert_eq!(cookie("neptun-session=\"T\""), Some("T".into()));
        assert_eq!(cookie("neptun-session=\"\"T\"\""), Some("\"T\"".into()));
        assert_eq!(cookie("neptun-session=\"\""), None);
        // Unbalanced quotes are left alone (the token then fails to unseal).
        assert_eq!(cookie("neptun-session=\"T"), Some("\"T".into()));
    }

    #[test]
    fn percent_decoding_only_with_percent() {
        assert_eq!(cookie("neptun-session=a%2Ab"), Some("a*b".into()));
        assert_eq!(cookie("neptun-session=a+b"), Some("a+b".into()));
        // Invalid escapes or non-UTF-8 results keep the raw text.
        assert_eq!(cookie("neptun-session=a%zz%2A"), Some("a%zz%2A".into()));
        assert_eq!(cookie("neptun-session=a%2"), Some("a%2".into()));
        assert_eq!(cookie("neptun-session=a%ff"), Some("a%ff".into()));
        assert_eq!(cookie("neptun-session=%C3%A9"), Some("é".into()));
    }

    #[test]
    fn empty_or_missing_is_no_session() {
        assert_eq!(cookie("neptun-session="), None);
        assert_eq!(cookie("neptun-session=   "), None);
        assert_eq!(cookie("a=b"), None);
        assert_eq!(cookie(""), None);
        assert_eq!(find(&[]), None);
    }

    #[test]
    fn non_ascii_in_other_cookies_does_not_hide_ours() {
        let found = find(&[("cookie", b"x=\xe9\xff; neptun-session=T")]);
        assert_eq!(found.map(|f| f.0), Some("T".into()));
    }

    #[test]
    fn header_takes_precedence() {
        let found = find(&[
            ("x-neptun-session-session", b"H"),
            ("cookie", b"neptun-session=C"),
        ]);
        assert_eq!(found, Some(("H".into(), TokenSource::Header)));
        // An empty header falls back to the cookie.
        let found = find(&[
            ("x-neptun-session-session", b""),
            ("cookie", b"neptun-session=C"),
        ]);
        assert_eq!(found, Some(("C".into(), TokenSource::Cookie)));
        // The header value is taken as is (no quote stripping or percent-decoding).
        let found = find(&[("x-neptun-session-session", b"\"a%2A\"")]);
        assert_eq!(found.map(|f| f.0), Some("\"a%2A\"".into()));
    }

    #[test]
    fn repeated_headers_are_joined_like_node() {
        let found = find(&[
            ("x-neptun-session-session", b"A"),
            ("x-neptun-session-session", b"B"),
        ]);
        assert_eq!(found.map(|f| f.0), Some("A, B".into()));
    }

    #[test]
    fn trims_like_javascript() {
        assert_eq!(js_trim(b"\x0b\xa0 a b\t\xa0"), b"a b");
        assert_eq!(js_trim(b" \xa0 "), b"");
        let found = find(&[("cookie", b"\xa0neptun-session\xa0=\xa0T\xa0")]);
        assert_eq!(found.map(|f| f.0), Some("T".into()));
    }

    #[test]
    fn header_ignored_when_disabled() {
        let map = headers(&[("x-neptun-session-session", b"H")]);
        assert_eq!(find_token(&map, NAME, None), None);
    }
}
