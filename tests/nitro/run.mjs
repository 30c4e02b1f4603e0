// Checks the web app's routing recipe for the chat API (deploy/vercel/nuxt.config.routeRules.ts
// with deploy/vercel/server/plugins/neptun-chat-api-proxy.ts) in a real Nitro server: it builds
// the tiny app of this folder (nitro.config.ts) into a temporary folder, starts it on a free
// port of 127.0.0.1, and sends it what the browser and the web app's own server send.
//
//   npm ci --prefix tests/nitro                      once (nitropack, pinned in package.json)
//   node tests/nitro/run.mjs                         against a running chat API (env below)
//   node tests/nitro/run.mjs --self-test             against stand-in-api.mjs, no chat API
//   node tests/nitro/run.mjs [--self-test] --without-fix
//                                                    built without the plugin: the save must
//                                                    get the 502 that the plugin fixes
//
// Inputs (not with --self-test): NEPTUN_NITRO_API_URL (the chat API's base URL, no trailing
// slash: the recipe's NEPTUN_CHAT_API_URL), NEPTUN_NITRO_COOKIE (a Cookie header value with a
// valid session, `neptun-session=<token>`), NEPTUN_NITRO_USER_ID (that session's user),
// NEPTUN_NITRO_CHAT_ID (a chat of that user). NEPTUN_ORIGIN_VERIFY_SECRET, when set, is sent
// by the recipe as x-origin-verify. The save adds one user message to that chat.
//
// Output: one line per check on stdout, `<name>: ok` or `<name>: FAILED <why>`, with the
// checks browser_request, server_save (server_save_without_fix with --without-fix) and
// web_app_routes_stay_local; diagnostics and timings on stderr. Exit code 0 only if every
// check passed (1 if one failed, 2 for a usage error).

import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = dirname(fileURLToPath(import.meta.url))
const FLAGS = ['--self-test', '--without-fix']
const REQUEST_TIMEOUT_MS = 15_000
const START_TIMEOUT_MS = 20_000

const note = (...parts) => console.error('[tests/nitro]', ...parts)
const seconds = (since) => `${((performance.now() - since) / 1000).toFixed(1)} s`

class CheckFailed extends Error {}
function expect(condition, why) {
  if (!condition) {
    throw new CheckFailed(why)
  }
}

function describe(answer) {
  const text = answer.text.replace(/\s+/g, ' ').slice(0, 300)
  return `${answer.status}${text ? ` ${text}` : ''}`
}

function inputs(selfTest) {
  if (selfTest) {
    return {
      cookie: `neptun-session=self-test-${randomUUID()}`,
      userId: '7',
      chatId: '42',
    }
  }
  const names = {
    apiUrl: 'NEPTUN_NITRO_API_URL',
    cookie: 'NEPTUN_NITRO_COOKIE',
    userId: 'NEPTUN_NITRO_USER_ID',
    chatId: 'NEPTUN_NITRO_CHAT_ID',
  }
  const missing = Object.values(names).filter((name) => !process.env[name])
  if (missing.length > 0) {
    console.error(`missing environment variables: ${missing.join(', ')} (or use --self-test)`)
    process.exit(2)
  }
  return Object.fromEntries(
    Object.entries(names).map(([key, name]) => [key, process.env[name]]),
  )
}

// Builds the app with the recipe pointed at apiUrl (route rules are fixed when Nitro builds).
async function buildApp({ apiUrl, withoutFix, workDir }) {
  process.env.NEPTUN_CHAT_API_URL = apiUrl.replace(/\/+$/, '')
  if (withoutFix) {
    process.env.NEPTUN_NITRO_WITHOUT_FIX = '1'
  } else {
    delete process.env.NEPTUN_NITRO_WITHOUT_FIX
  }
  let nitropack
  try {
    nitropack = await import('nitropack')
  } catch (error) {
    throw new Error(`nitropack is not installed (npm ci --prefix tests/nitro): ${error.message}`)
  }
  const { createNitro, prepare, copyPublicAssets, build } = nitropack
  const nitro = await createNitro({
    rootDir: HERE,
    dev: false,
    buildDir: join(workDir, 'build'),
    output: { dir: join(workDir, 'output') },
    logLevel: 1,
  })
  try {
    await prepare(nitro)
    await copyPublicAssets(nitro)
    await build(nitro)
  } finally {
    await nitro.close()
  }
  return join(workDir, 'output', 'server', 'index.mjs')
}

// Starts the built server on a free port of 127.0.0.1; resolves with its base URL.
function startServer(entry) {
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, NITRO_HOST: '127.0.0.1', HOST: '127.0.0.1', NITRO_PORT: '0', PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  // Stopped with this process, also when it is interrupted.
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      child.kill()
      process.exit(1)
    })
  }
  const output = []
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the server did not start in ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    )
    child.stdout.on('data', (chunk) => {
      output.push(chunk.toString())
      const listening = /Listening on (http:\/\/\S+)/.exec(output.join(''))
      if (listening) {
        clearTimeout(timer)
        resolve(listening[1].replace(/\/$/, ''))
      }
    })
    child.stderr.on('data', (chunk) => output.push(chunk.toString()))
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the server exited (${code}): ${output.join('').slice(-500)}`))
    })
  })
  return { child, output, ready }
}

async function call(baseUrl, method, path, { cookie, json } = {}) {
  const headers = {}
  if (cookie) {
    headers.cookie = cookie
  }
  let body
  if (json !== undefined) {
    body = JSON.stringify(json)
    headers['content-type'] = 'application/json'
  }
  const response = await fetch(baseUrl + path, {
    method,
    headers,
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  })
  const text = await response.text()
  let parsed
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = undefined
  }
  return { status: response.status, headers: response.headers, text, json: parsed }
}

// Every message of the chat, following nextCursor.
async function listMessages(baseUrl, { cookie, userId, chatId }) {
  const messages = []
  let cursor
  for (let page = 0; page < 100; page++) {
    const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''
    const answer = await call(
      baseUrl, 'GET', `/api/users/${userId}/chats/${chatId}/messages${query}`, { cookie },
    )
    expect(
      answer.status === 200 && Array.isArray(answer.json?.chatMessages),
      `listing the messages: ${describe(answer)}`,
    )
    messages.push(...answer.json.chatMessages)
    cursor = answer.json.nextCursor
    if (!cursor) {
      return messages
    }
  }
  throw new CheckFailed('listing the messages: more than 100 pages')
}

async function browserRequest({ baseUrl, input, standIn }) {
  const path = `/api/users/${input.userId}/chats`
  const signedIn = await call(baseUrl, 'GET', path, { cookie: input.cookie })
  expect(
    signedIn.status === 200 && Array.isArray(signedIn.json?.chats),
    `with the cookie, expected 200 with a chats list: ${describe(signedIn)}`,
  )
  const anonymous = await call(baseUrl, 'GET', path)
  expect(anonymous.status === 401, `without the cookie, expected the API's 401: ${describe(anonymous)}`)
  if (standIn) {
    const seen = standIn.requests.filter((r) => r.method === 'GET' && r.path === path)
    expect(
      seen.length === 2 && seen[0].hasCookie && !seen[1].hasCookie,
      `the stand-in API saw ${seen.length} of the 2 requests, or the cookie did not pass`,
    )
  }
}

// The AI-like route's body is longer than the message it saves: the in-process $fetch
// inherits a content-length that is not its own.
function saveTurn({ baseUrl, input }) {
  const message = `Nitro proxy check ${randomUUID()}`
  const body = {
    user_id: input.userId,
    chat_id: input.chatId,
    message,
    padding: 'p'.repeat(2048),
  }
  return call(baseUrl, 'POST', '/api/ai/chat', { cookie: input.cookie, json: body })
    .then((answer) => ({ answer, message }))
}

async function serverSave({ baseUrl, input, standIn }) {
  const { answer, message } = await saveTurn({ baseUrl, input })
  const saved = answer.json?.body?.chatMessage
  expect(
    answer.status === 200 && answer.json?.status === 200 && saved?.message === message
      && saved?.actor === 'user' && String(saved?.chat_conversation_id) === String(input.chatId),
    `expected 200 with the saved user message: ${describe(answer)}`,
  )
  if (standIn) {
    const posts = standIn.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages'))
    expect(
      posts.length === 1 && posts[0].hasCookie && posts[0].contentLength === posts[0].bodyLength,
      `the stand-in API saw ${JSON.stringify(posts)}`,
    )
  }
  const listed = await listMessages(baseUrl, input)
  expect(
    listed.some((m) => m.id === saved.id && m.message === message),
    `the saved message ${saved.id} is not in the chat's ${listed.length} messages`,
  )
}

async function serverSaveWithoutFix({ baseUrl, input, standIn, server }) {
  const { answer } = await saveTurn({ baseUrl, input })
  expect(
    answer.status === 502 && answer.json?.status === 502,
    `expected the save to get 502 without the plugin: ${describe(answer)}`,
  )
  if (standIn) {
    const posts = standIn.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages'))
    expect(posts.length === 0, `the stand-in API saw ${JSON.stringify(posts)}`)
  }
  // The cause, as server/plugins/log-errors.ts logs it (the output may lag the answer).
  let cause
  for (let waited = 0; !cause && waited < 2000; waited += 50) {
    cause = /^\[error\] POST [^\n]*\/messages: [^\n]*UND_ERR_REQ_CONTENT_LENGTH_MISMATCH[^\n]*/m
      .exec(server.output.join(''))
    if (!cause) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  expect(cause, 'the 502 did not come from a content-length mismatch (see the server output)')
  note(`without the plugin the save got ${describe(answer)}`)
  note(`the server logged: ${cause[0]}`)
}

async function webAppRoutesStayLocal({ baseUrl, input, standIn }) {
  const routes = [
    ['GET', `/api/users/${input.userId}/collections`],
    ['GET', `/api/users/${input.userId}/projects/1`],
    ['GET', `/api/shared/collections/${randomUUID()}`],
    ['POST', '/api/auth/logout', { padding: 'p'.repeat(512) }],
  ]
  for (const [method, path, json] of routes) {
    const answer = await call(baseUrl, method, path, { cookie: input.cookie, json })
    expect(
      answer.status === 200 && answer.json?.local === true && !answer.headers.has('apigw-requestid'),
      `${method} ${path} did not answer from Nitro: ${describe(answer)}`,
    )
  }
  if (standIn) {
    const leaked = standIn.requests.filter((r) => routes.some(([, path]) => r.path === path))
    expect(leaked.length === 0, `the stand-in API saw ${JSON.stringify(leaked)}`)
  }
}

async function main() {
  const args = process.argv.slice(2)
  const unknown = args.filter((arg) => !FLAGS.includes(arg))
  if (unknown.length > 0) {
    console.error(`unknown arguments: ${unknown.join(' ')} (known: ${FLAGS.join(' ')})`)
    process.exit(2)
  }
  const selfTest = args.includes('--self-test')
  const withoutFix = args.includes('--without-fix')
  const input = inputs(selfTest)
  const checks = [
    ['browser_request', browserRequest],
    withoutFix ? ['server_save_without_fix', serverSaveWithoutFix] : ['server_save', serverSave],
    ['web_app_routes_stay_local', webAppRoutesStayLocal],
  ]

  const started = performance.now()
  let standIn
  let server
  const workDir = await mkdtemp(join(tmpdir(), 'neptun-nitro-'))
  let failed = 0
  try {
    let baseUrl
    try {
      if (selfTest) {
        const { startStandInApi } = await import('./stand-in-api.mjs')
        standIn = await startStandInApi(input)
        input.apiUrl = standIn.url
      }
      const buildStarted = performance.now()
      const entry = await buildApp({ apiUrl: input.apiUrl, withoutFix, workDir })
      note(`built ${withoutFix ? 'without' : 'with'} the plugin in ${seconds(buildStarted)}`)
      server = startServer(entry)
      baseUrl = await server.ready
    } catch (error) {
      for (const [name] of checks) {
        const why = String(error.message).replace(/\s*\n\s*/g, ' | ')
        console.log(`${name}: FAILED not run, the Nitro app did not start: ${why}`)
      }
      failed = checks.length
      return
    }
    const checksStarted = performance.now()
    for (const [name, check] of checks) {
      try {
        await check({ baseUrl, input, standIn, server })
        console.log(`${name}: ok`)
      } catch (error) {
        failed++
        const why = error instanceof CheckFailed ? error.message : `error: ${error.stack ?? error}`
        console.log(`${name}: FAILED ${why.replace(/\s*\n\s*/g, ' | ')}`)
      }
    }
    note(`checks in ${seconds(checksStarted)}`)
    if (failed > 0) {
      note(`the server's output:\n${server.output.join('').trimEnd()}`)
    }
  } finally {
    server?.child.kill()
    await standIn?.close()
    await rm(workDir, { recursive: true, force: true })
    note(`total ${seconds(started)}`)
    process.exitCode = failed > 0 ? 1 : 0
  }
}

await main()
