// The Neptun chat API's routes proxied by the web app's own Nitro server: the alternative to
// deploy/vercel/vercel.json (use one of the two). Copy this file next to the web app's
// nuxt.config.ts and spread the rules first into its routeRules:
//
//   import { neptunChatApiRouteRules } from './nuxt.config.routeRules'
//   export default defineNuxtConfig({
//     routeRules: { ...neptunChatApiRouteRules, /* the web app's own rules */ },
//   })
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
