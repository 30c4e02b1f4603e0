//! POST /api/users/{user_id}/projects/{project_id}/chats

neptun_dynamo::lambda_main!(CreateProjectChat);
