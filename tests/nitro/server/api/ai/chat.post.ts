// Like the web app's AI route (server/api/ai/.../chat.ts with server/utils/chat.ts in
// neptun.web): saves the user's turn through `event.$fetch`, which inherits this request's
// headers (its cookie, and its content-length), to the chat API's messages route. The body is
// {user_id, chat_id, message, ...anything}; the answer is {status, body} of the save, with its
// status.

import { defineEventHandler, readBody, setResponseStatus } from 'h3'

export default defineEventHandler(async (event) => {
  const { user_id, chat_id, message } = await readBody(event)
  try {
    const body = await event.$fetch(`/api/users/${user_id}/chats/${chat_id}/messages`, {
      method: 'POST',
      body: { message, actor: 'user' },
    })
    return { status: 200, body }
  } catch (error) {
    const status = error?.response?.status ?? error?.statusCode ?? 500
    setResponseStatus(event, status)
    return { status, body: error?.data ?? null, error: String(error?.message ?? error) }
  }
})
