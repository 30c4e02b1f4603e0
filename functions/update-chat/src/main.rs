//! PATCH /api/users/{user_id}/chats/{chat_id}

neptun_dynamo::lambda_main!(UpdateChat);
