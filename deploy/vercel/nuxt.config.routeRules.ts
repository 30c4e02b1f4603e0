// The Neptun chat API's routes proxied by the web app's own Nitro server. Copy this file next
// to the web app's nuxt.config.ts and spread the rules first into its routeRules:
//
//   import { neptunChatApiRouteRules } from './nuxt.config.routeRules'
//   export default defineNuxtConfig({
//     routeRules: { ...neptunChatApiRouteRules, /* the web app's own rules */ },
//   })
//
// Required with it: deploy/vercel/server/plugins/neptun-chat-api-proxy.ts, copied into the web
// app's server/plugins/. The web app's server saves every chat turn through `event.$fetch`, an
// in-process request that inherits the incoming request's content-length; without the plugin
// the proxy forwards that length with another body, Node's fetch refuses it, and the save gets
// a 502. tests/nitro/run.mjs checks both in a real Nitro server.
//
// This recipe carries the browser's requests and the server's own `event.$fetch` saves alike;
// deploy/vercel/vercel.json rewrites happen at Vercel's edge, which in-process requests never
// pass, so they carry the browser's requests only and are never enough alone.
//
// Nitro's route-rules handler runs before the server middleware and the server/api handlers,
// so these paths never reach the web app's own chat handlers. The proxy forwards the request's
// headers (Cookie and Authorization among them; not Host) and its query string, and passes the
// answer back. Each request runs the web app's function as well.
//
// Read when the web app builds (Vercel project environment variables):
//   NEPTUN_CHAT_API_URL            the stack's ApiUrl (or ApiCustomDomainUrl), no trailing slash
//   NEPTUN_ORIGIN_VERIFY_SECRET    the stack's OriginVerifySecret, sent as x-origin-verify
//                                  (with it set, the functions refuse requests without it: 403)
// Proxy rules stay on the server: the app manifest that Nuxt sends to the browser keeps only
// the prerender, redirect and appMiddleware rules.
//
// One rule per route of openapi.yaml, nothing else (tests/python/test_routing.py checks it):
// `*` is one path segment. A target ending in `/**` gets the whole request path and query.

const chatApiUrl = process.env.NEPTUN_CHAT_API_URL || 'https://API_ID.execute-api.REGION.amazonaws.com'
const originVerifySecret = process.env.NEPTUN_ORIGIN_VERIFY_SECRET

const toChatApi = {
  proxy: {
    to: `${chatApiUrl}/**`,
    ...(originVerifySecret ? { headers: { 'x-origin-verify': originVerifySecret } } : {}),
  },
}

export const neptunChatApiRouteRules = {
  '/api/users/*/chats': toChatApi,
  '/api/users/*/chats/*': toChatApi,
  '/api/users/*/projects/*/chats': toChatApi,
  '/api/users/*/projects/*/chats/*': toChatApi,
  '/api/users/*/chats/*/messages': toChatApi,
  '/api/users/*/chats/*/messages/last': toChatApi,
  '/api/users/*/chats/*/files': toChatApi,
  '/api/users/*/chats/*/files/*': toChatApi,
  '/api/users/*/chats/*/files/*/content': toChatApi,
  '/api/users/*/chats/*/shares': toChatApi,
  '/api/users/*/chats/*/shares/*/whitelist-entries': toChatApi,
  '/api/shared/chats/*': toChatApi,
}
