//! `POST /api/users/{user_id}/chats/{chat_id}/files/{message_id}`,
//! `GET /api/users/{user_id}/chats/{chat_id}/files` and
//! `GET /api/users/{user_id}/chats/{chat_id}/files/{file_id}/content`.

use http::header::{CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY, X_CONTENT_TYPE_OPTIONS};
use http::{HeaderValue, Method, StatusCode};
use lambda_http::{Body, Request, Response};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::{
    BodyReader, BodySpec, ItemKeys, ListKeys, authorize_session, create_route, finish,
    items_created_response, list_route,
};
use crate::clock;
use crate::context::AppContext;
use crate::error::{ApiError, BodyKind};
use crate::functions::Function;
use crate::links::{self, FileRef, LinkSigner};
use crate::model::{ChatFile, FileRecord, file_type};
use crate::request;
use crate::response::respond;
use crate::routes::{CONTENT_ROUTE, FILES as LIST_ROUTE, MESSAGE_FILES as CREATE_ROUTE};
use crate::routes::{ChatPath, FilePath, MessagePath, PathIds};
use crate::store::{FileStore, Idempotency, Page, Replayable};
use crate::validation::{self, Batch, NewFile};

const CREATE: BodySpec<Batch<NewFile>> = BodySpec {
    function: Function::CreateChatFiles,
    kind: BodyKind::Files,
    parse: BodyReader::Shaped(validation::read_create_files),
};

const CREATED: ItemKeys = ItemKeys {
    single: "chatFile",
    batch: "chatFiles",
};

const LIST: ListKeys = ListKeys {
    items: "chatFiles",
    cursor_list: "files",
};

pub async fn create_files<S: FileStore>(
    context: &AppContext<S>,
    request: Request,
) -> Response<Body> {
    let request = &request;
    let write = move |MessagePath {
                          user: user_id,
                          chat: chat_id,
                          message: message_id,
                      }: MessagePath,
                      batch: Batch<NewFile>,
                      idempotency: Option<Idempotency>| async move {
        // Before the write: a request that cannot get URLs must not store anything.
        let signer = signer(context, request)?;
        let single = batch.is_single();
        let created = context
            .store
            .attach_files(
                user_id,
                chat_id,
                message_id,
                batch.into_items(),
                clock::now_ms(),
                idempotency.as_ref(),
            )
            .await?;
        let created = Replayable {
            value: chat_files(&signer, created.value),
            replayed: created.replayed,
        };
        items_created_response(&CREATED, single, &created)
    };
    finish(create_route(context, request, &CREATE_ROUTE, &CREATE, write).await)
}

pub async fn list_files<S: FileStore>(context: &AppContext<S>, request: Request) -> Response<Body> {
    let request = &request;
    let fetch = move |ChatPath {
                          user: user_id,
                          chat: chat_id,
                      }: ChatPath,
                      page| async move {
        // After the query check (400), before storage: as for a create.
        let signer = signer(context, request)?;
        let page = context.store.list_files(user_id, chat_id, page).await?;
        Ok::<_, ApiError>(Page {
            items: chat_files(&signer, page.items),
            has_more: page.has_more,
        })
    };
    let id_of = |file: &ChatFile| file.id.get();
    finish(list_route(context, request, &LIST_ROUTE, &LIST, fetch, id_of).await)
}

pub async fn get_file_content<S: FileStore>(
    context: &AppContext<S>,
    request: Request,
) -> Response<Body> {
    finish(content(context, &request).await)
}

async fn content<S: FileStore>(
    context: &AppContext<S>,
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    let FilePath { user, chat, file } = authorize_content(context, request)?;
    let file = context.store.get_file(user, chat, file).await?;
    Ok(content_response(file))
}

/// Like [`super::authorize`], with a valid signed URL standing in for the session and the owner
/// check. Without one (or with a bad one) the cookie decides, in the usual order.
fn authorize_content<S>(context: &AppContext<S>, request: &Request) -> Result<FilePath, ApiError> {
    let params = request::match_route(request, &CONTENT_ROUTE)?;
    if request.method() != Method::GET {
        return Err(ApiError::MethodNotAllowed);
    }
    let signature = request::query_param(request, links::SIGNATURE_PARAM);
    let expires = request::query_param(request, links::EXPIRES_PARAM);
    if signature.is_some() || expires.is_some() {
        let verified = links::verify(
            &context
                .session
                .current()
                .verification_keys(links::KEY_PURPOSE),
            params.each_ref().map(|(_, raw)| raw.as_str()),
            expires.as_deref(),
            signature.as_deref(),
            clock::now_ms() / 1000,
        );
        match verified {
            // Signatures cover canonical ids only: these parse.
            Ok(()) => return request::parse_ids(&params).map(FilePath::from_ids),
            Err(reason) => tracing::info!(%reason, "signed file URL rejected"),
        }
    }
    authorize_session(context, request, &params)
}

/// The signer for this request's file URLs.
fn signer<S>(context: &AppContext<S>, request: &Request) -> Result<LinkSigner, ApiError> {
    context
        .links
        .signer(
            request,
            context.session.current().signing_mac(links::KEY_PURPOSE),
            clock::now_ms() / 1000,
        )
        .ok_or(ApiError::NoFileUrlOrigin)
}

/// The API representation of stored files, each with its signed URL.
fn chat_files(signer: &LinkSigner, records: Vec<FileRecord>) -> Vec<ChatFile> {
    records
        .into_iter()
        .map(|record| {
            let url = signer.url(FileRef {
                user_id: record.user_id,
                chat_id: record.chat_id,
                file_id: record.id,
            });
            ChatFile::new(record, url)
        })
        .collect()
}

/// The raw text, typed by its extension. Served inline from the API's origin, so the
/// content can never run as a page there: `nosniff` plus a sandboxing CSP (an `.html` or
/// `.svg` file is shown, its scripts do not run).
fn content_response(file: FileRecord) -> Response<Body> {
    let content_type = format!("{}; charset=utf-8", file_type(&file.extension));
    let disposition = HeaderValue::from_str(&content_disposition(&file.file_name()))
        .unwrap_or(HeaderValue::from_static("inline"));
    let mut response = respond(StatusCode::OK, &content_type, Body::Text(file.text));
    let headers = response.headers_mut();
    headers.insert(CONTENT_DISPOSITION, disposition);
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    response
}

/// Longest file name sent back, in characters (a file system's usual limit).
const MAX_FILENAME_CHARS: usize = 255;

/// Everything but RFC 5987 `attr-char`.
const NOT_ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `inline; filename="<name>"` with `"` and `\` escaped and non-ASCII replaced by `_`, plus
/// `filename*=UTF-8''<percent-encoded>` (RFC 6266 / 5987) when the name is not ASCII.
/// Control characters, line breaks and bidi overrides are dropped first: they could split
/// the header or disguise the name.
pub(crate) fn content_disposition(name: &str) -> String {
    let clean: String = name
        .chars()
        .filter(|c| !is_hidden(*c))
        .take(MAX_FILENAME_CHARS)
        .collect();
    let clean = match clean.trim() {
        "" => "file",
        trimmed => trimmed,
    };
    let mut value = String::from("inline; filename=\"");
    for c in clean.chars() {
        match c {
            '"' | '\\' => {
                value.push('\\');
                value.push(c);
            }
            c if c.is_ascii() => value.push(c),
            _ => value.push('_'),
        }
    }
    value.push('"');
    if !clean.is_ascii() {
        value.push_str("; filename*=UTF-8''");
        value.extend(utf8_percent_encode(clean, NOT_ATTR_CHAR));
    }
    value
}

fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200E}' | '\u{200F}' | '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_are_quoted() {
        assert_eq!(
            content_disposition("example.py"),
            r#"inline; filename="example.py""#
        );
    }

    #[test]
    fn quotes_and_backslashes_are_escaped() {
        assert_eq!(
            content_disposition(r#"a"b\c.txt"#),
            r#"inline; filename="a\"b\\c.txt""#
        );
    }

    #[test]
    fn controls_and_line_breaks_are_dropped() {
        let value = content_disposition("evil\r\nSet-Cookie: x=1\t\u{0}\u{7f}.txt");
        assert_eq!(value, r#"inline; filename="evilSet-Cookie: x=1.txt""#);
        assert!(HeaderValue::from_str(&value).is_ok());
        assert_eq!(
            content_disposition("\u{202E}gpj.exe"),
            r#"inline; filename="gpj.exe""#
        );
        assert_eq!(content_disposition("\r\n"), r#"inline; filename="file""#);
    }

    #[test]
    fn non_ascii_names_get_an_extended_parameter() {
        let value = content_disposition("grüße \"1\".py");
        assert_eq!(
            value,
            "inline; filename=\"gr__e \\\"1\\\".py\"; filename*=UTF-8''gr%C3%BC%C3%9Fe%20%221%22.py"
        );
        assert!(HeaderValue::from_str(&value).is_ok());
    }

    #[test]
    fn long_names_are_cut() {
        let value = content_disposition(&"é".repeat(1000));
        assert!(value.len() < 255 * 7 + 64);
        assert!(HeaderValue::from_str(&value).is_ok());
    }
}
