//! DELETE /api/users/{user_id}/projects/{project_id}/chats/{chat_id}

neptun_dynamo::lambda_main!(DeleteProjectChat);
