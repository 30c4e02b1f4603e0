//! GET /api/users/{user_id}/chats/{chat_id}/files

neptun_dynamo::lambda_main!(GetChatFiles);
