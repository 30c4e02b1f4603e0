//! POST /api/users/{user_id}/chats/{chat_id}/files/{message_id}

neptun_dynamo::lambda_main!(CreateChatFiles);
