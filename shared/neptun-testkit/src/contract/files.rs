//! Files: attached to their message only, and the content of one file.

use neptun_core::clock::now_ms;
use neptun_core::ids::{FileId, MessageId};
use neptun_core::model::Role;

use super::{all_pages, appended, created_chat, everything, fresh_user, new_file, outcome};
use neptun_core::store::ApiStore;

pub async fn files_need_their_message<S: ApiStore>(store: &S) {
    let user = fresh_user();
    let chat = created_chat(store, user, "files").await;
    let other_chat = created_chat(store, user, "other").await;
    let messages = appended(
        store,
        user,
        chat.id,
        &[(Role::User, "q"), (Role::Assistant, "a")],
    )
    .await;
    let foreign = appended(store, user, other_chat.id, &[(Role::User, "elsewhere")]).await;
    let files = store
        .attach_files(
            user,
            chat.id,
            messages[1].id,
            vec![new_file("a.py", "print(1)"), new_file("", "x = 2")],
            now_ms(),
            None,
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"))
        .value;
    assert_eq!(files.len(), 2);
    assert!(files[0].id < files[1].id);
    assert!(
        files
            .iter()
            .all(|f| f.message_id == messages[1].id && f.chat_id == chat.id)
    );
    assert_eq!(
        (files[1].title.as_str(), files[1].text.as_str()),
        ("", "x = 2")
    );
    let listed = store
        .list_files(user, chat.id, everything())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(listed.items, files);
    let paged = all_pages(
        1,
        |page| store.list_files(user, chat.id, page),
        |f| f.id.get(),
    )
    .await;
    assert_eq!(paged, files);
    for (what, message_id) in [
        ("an unknown message", MessageId(messages[1].id.get() + 7)),
        ("another chat's message", foreign[0].id),
    ] {
        let attach = store
            .attach_files(
                user,
                chat.id,
                message_id,
                vec![new_file("b", "")],
                now_ms(),
                None,
            )
            .await;
        assert_eq!(outcome(&attach), "MessageNotFound", "{what}");
    }
    let nothing = store
        .list_files(user, other_chat.id, everything())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(nothing.items.is_empty());
}

pub async fn file_content_by_id<S: ApiStore>(store: &S) {
    let user = fresh_user();
    let chat = created_chat(store, user, "content").await;
    let messages = appended(store, user, chat.id, &[(Role::Assistant, "code")]).await;
    let files = store
        .attach_files(
            user,
            chat.id,
            messages[0].id,
            (0..20)
                .map(|n| new_file(&format!("f{n}.py"), &format!("print({n})")))
                .collect(),
            now_ms(),
            None,
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"))
        .value;
    for file in [&files[0], &files[17], &files[19]] {
        let got = store
            .get_file(user, chat.id, file.id)
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(&got, file);
    }
    let last = files[19].id;
    assert_eq!(
        outcome(&store.get_file(user, chat.id, FileId(last.get() + 1)).await),
        "FileNotFound"
    );
    assert_eq!(
        outcome(&store.get_file(fresh_user(), chat.id, last).await),
        "FileNotFound"
    );
}
