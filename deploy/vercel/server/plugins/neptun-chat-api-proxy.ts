// Required with deploy/vercel/nuxt.config.routeRules.ts: copy this file into the web app's
// server/plugins/ (Nitro registers every file there).
//
// Why: the web app's own server saves each chat turn through `event.$fetch(...)` (its AI route,
// server/utils/chat.ts), an in-process request that inherits the incoming request's headers,
// `content-length` included, while its body is another JSON of another length. The `proxy`
// route rule forwards that header with the new body, Node's fetch refuses the mismatch, and
// Nitro answers 502: the turn is not saved.
//
// What it changes: only requests that a `proxy` route rule forwards (the chat API's routes).
// Nitro's `request` hook runs ahead of the route rules; there their `content-length` is set to
// the byte length of the body the proxy sends, or removed when it sends none. Every other
// header, and every other route, is left as it is.

import { readRawBody } from 'h3'
import { defineNitroPlugin, getRouteRules } from 'nitropack/runtime'

const METHODS_WITH_A_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

export default defineNitroPlugin((nitroApp) => {
  nitroApp.hooks.hook('request', async (event) => {
    const request = event.node.req
    if (request.headers['content-length'] === undefined || !getRouteRules(event).proxy) {
      return
    }
    // An in-process request holds its body in `request.body` (null without one); reading it
    // with the inherited length would wait for a stream that never comes.
    const inProcessWithoutBody = 'body' in request && (request as { body?: unknown }).body == null
    const body = METHODS_WITH_A_BODY.has(event.method) && !inProcessWithoutBody
      ? await readRawBody(event, false) // the bytes the proxy sends (h3 keeps them for it)
      : undefined
    if (body && body.length > 0) {
      request.headers['content-length'] = String(body.length)
    } else {
      delete request.headers['content-length']
    }
  })
})
