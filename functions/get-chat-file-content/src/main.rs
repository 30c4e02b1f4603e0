//! GET /api/users/{user_id}/chats/{chat_id}/files/{file_id}/content

neptun_dynamo::lambda_main!(GetChatFileContent);
