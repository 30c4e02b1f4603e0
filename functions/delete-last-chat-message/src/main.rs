//! DELETE /api/users/{user_id}/chats/{chat_id}/messages/last

neptun_dynamo::lambda_main!(DeleteLastChatMessage);
