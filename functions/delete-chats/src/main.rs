//! DELETE /api/users/{user_id}/chats

neptun_dynamo::lambda_main!(DeleteChats);
