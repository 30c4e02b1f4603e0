//! A project's chats: `POST`, `GET` and `DELETE /api/users/{user_id}/projects/{project_id}/chats`
//! and `DELETE .../projects/{project_id}/chats/{chat_id}`, what the dashboard calls while a
//! project is open. The projects themselves stay in the web app; a chat names its project.

use crate::ids::ChatId;
use http::Method;
use lambda_http::{Body, Request, Response};

use super::chats::{create, list};
use super::lifecycle::delete_one;
use super::{BodyReader, BodySpec, done_response, finish, write_route};
use crate::context::AppContext;
use crate::error::BodyKind;
use crate::functions::Function;
use crate::model::ChatList;
use crate::routes::{PROJECT_CHAT, PROJECT_CHATS};
use crate::routes::{ProjectChatPath, ProjectPath};
use crate::store::{ChatDeleteStore, ChatStore, Idempotency};
use crate::validation::{self, NewChat};

const CREATE: BodySpec<NewChat> = BodySpec {
    function: Function::CreateProjectChat,
    kind: BodyKind::Chat,
    parse: BodyReader::Tree(validation::parse_create_chat),
};

const DELETE_SEVERAL: BodySpec<Vec<ChatId>> = BodySpec {
    function: Function::DeleteProjectChats,
    kind: BodyKind::ChatIds,
    parse: BodyReader::Tree(validation::parse_project_chat_ids),
};

pub async fn create_project_chat<S: ChatStore>(
    context: &AppContext<S>,
    request: Request,
) -> Response<Body> {
    let created = create(
        context,
        &request,
        &PROJECT_CHATS,
        &CREATE,
        |ProjectPath { user, project }| (user, Some(project)),
    );
    finish(created.await)
}

/// Only the project's chats, with `order_by`, `limit` and `cursor` as on the user's list; a
/// project this API has never seen has none.
pub async fn list_project_chats<S: ChatStore>(
    context: &AppContext<S>,
    request: Request,
) -> Response<Body> {
    let page = list(
        context,
        &request,
        &PROJECT_CHATS,
        |ProjectPath { user, project }| (user, ChatList::Project(project)),
    );
    finish(page.await)
}

/// Deletes the chat if it is in the project, else 404.
pub async fn delete_project_chat<S: ChatDeleteStore>(
    context: &AppContext<S>,
    request: Request,
) -> Response<Body> {
    let route = delete_one(
        context,
        &request,
        &PROJECT_CHAT,
        Function::DeleteProjectChat,
        |ProjectChatPath {
             user,
             project,
             chat,
         }| (user, chat, ChatList::Project(project)),
    );
    finish(route.await)
}

/// Deletes those of the ids that are the user's chats in the project; others are ignored.
pub async fn delete_project_chats<S: ChatDeleteStore>(
    context: &AppContext<S>,
    request: Request,
) -> Response<Body> {
    let write = move |ProjectPath {
                          user: user_id,
                          project,
                      }: ProjectPath,
                      chat_ids,
                      idempotency: Option<Idempotency>| async move {
        let deleted = context
            .store
            .delete_chats(
                user_id,
                chat_ids,
                ChatList::Project(project),
                idempotency.as_ref(),
            )
            .await?;
        Ok(done_response(deleted.replayed))
    };
    let route = write_route(
        context,
        &request,
        Method::DELETE,
        &PROJECT_CHATS,
        &DELETE_SEVERAL,
        write,
    );
    finish(route.await)
}
