//! GET /api/shared/chats/{share_uuid}

neptun_dynamo::lambda_main!(GetSharedChat);
