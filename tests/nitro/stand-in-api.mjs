// A stand-in for the chat API, used only by `node run.mjs --self-test`: a Node http server on
// 127.0.0.1 that answers the few routes run.mjs calls as the API does (the contract's shapes),
// 401 without the session cookie, 404 for an unknown chat, and records every request it gets
// (method, path, declared and received body length, whether the cookie came). A request whose
// content-length is not the length of its body is refused: Node's fetch (undici) refuses to
// send one (the proxy then answers 502); if one arrives all the same, Node's parser cuts it
// (a shorter body times out after 5 s) or the length check here answers 400. Any path that is
// not a route of the chat API is recorded and answered 404: the web app's own routes must
// never come here.

import { createServer } from 'node:http'

const CHATS = /^\/api\/users\/([^/]+)\/chats$/
const MESSAGES = /^\/api\/users\/([^/]+)\/chats\/([^/]+)\/messages$/
const OUR_PATHS = [
  /^\/api\/users\/[^/]+\/(projects\/[^/]+\/)?chats(\/[^/]+)?$/,
  /^\/api\/users\/[^/]+\/chats\/[^/]+\/(messages|messages\/last|files|shares)$/,
  /^\/api\/users\/[^/]+\/chats\/[^/]+\/files\/[^/]+(\/content)?$/,
  /^\/api\/users\/[^/]+\/chats\/[^/]+\/shares\/[^/]+\/whitelist-entries$/,
  /^\/api\/shared\/chats\/[^/]+$/,
]

function answer(response, status, body) {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  })
  response.end(text)
}

function error(response, status, statusMessage, message) {
  answer(response, status, { statusCode: status, statusMessage, data: { message } })
}

// Starts the server on a free port; `cookie` is the Cookie header value that a session sends
// (`neptun-session=<token>`), for the user `userId`, who has the chat `chatId`.
export async function startStandInApi({ cookie, userId, chatId }) {
  const requests = []
  const messages = []
  const now = () => new Date().toISOString().replace(/\.(\d{3})\d*Z$/, '.$1Z')
  const chat = {
    id: Number(chatId),
    name: 'Stand-in chat',
    model: '',
    neptun_user_id: Number(userId),
    project_id: null,
    created_at: now(),
    updated_at: now(),
  }

  const server = createServer((request, response) => {
    const chunks = []
    request.on('data', (chunk) => chunks.push(chunk))
    request.on('end', () => {
      const body = Buffer.concat(chunks)
      const path = new URL(request.url, 'http://stand-in').pathname
      const declared = request.headers['content-length']
      const record = {
        method: request.method,
        path,
        contentLength: declared === undefined ? null : Number(declared),
        bodyLength: body.length,
        hasCookie: (request.headers.cookie ?? '').split(/;\s*/).includes(cookie),
      }
      requests.push(record)

      if (declared !== undefined && Number(declared) !== body.length) {
        return error(response, 400, 'Bad Request', 'content-length does not match the body')
      }
      if (!OUR_PATHS.some((pattern) => pattern.test(path))) {
        return error(response, 404, 'Not Found', 'Not a route of the chat API')
      }
      const owner = path.split('/')[3]
      if (!record.hasCookie) {
        return error(response, 401, 'Unauthorized', 'A valid neptun-session cookie is required.')
      }
      if (owner !== String(userId)) {
        return error(response, 401, 'Unauthorized', 'You do not have access to this resource.')
      }

      if (CHATS.test(path) && request.method === 'GET') {
        return answer(response, 200, { chats: [chat] })
      }
      const messagesPath = MESSAGES.exec(path)
      if (messagesPath) {
        if (messagesPath[2] !== String(chatId)) {
          return error(response, 404, 'Not Found', 'Chat not found')
        }
        if (request.method === 'GET') {
          return answer(response, 200, { chatMessages: messages })
        }
        if (request.method === 'POST') {
          let input
          try {
            input = JSON.parse(body.toString('utf8'))
          } catch {
            return error(response, 400, 'Bad Request. Invalid body(message | messages).', 'invalid_json')
          }
          if (typeof input?.message !== 'string' || !input.message.trim()
            || !['user', 'assistant', 'system'].includes(input.actor)) {
            return error(response, 400, 'Bad Request. Invalid body(message | messages).', 'invalid body')
          }
          const message = {
            id: messages.length + 1,
            chat_conversation_id: chat.id,
            neptun_user_id: chat.neptun_user_id,
            message: input.message,
            actor: input.actor,
            created_at: now(),
            updated_at: now(),
          }
          messages.push(message)
          return answer(response, 200, { chatMessage: message })
        }
      }
      return error(response, 405, 'Method Not Allowed', 'Not served by the stand-in')
    })
  })
  // A body shorter than its content-length would keep the request open: end it.
  server.requestTimeout = 5000

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}
