// The tiny Nitro app of run.mjs: the web app's way to reach the chat API, with the real recipe
// of deploy/vercel (its route rules, imported, and its plugin), an AI-like route that saves a
// turn through `event.$fetch`, and a few of the web app's own routes, which stay local.
//
// Read when it builds: NEPTUN_CHAT_API_URL (by the recipe), and NEPTUN_NITRO_WITHOUT_FIX=1
// to leave the plugin out (run.mjs --without-fix).

import { fileURLToPath } from 'node:url'
import { defineNitroConfig } from 'nitropack/config'
import { neptunChatApiRouteRules } from '../../deploy/vercel/nuxt.config.routeRules'

const withoutFix = process.env.NEPTUN_NITRO_WITHOUT_FIX === '1'
const plugin = '../../deploy/vercel/server/plugins/neptun-chat-api-proxy.ts'

export default defineNitroConfig({
  compatibilityDate: '2025-07-15',
  srcDir: 'server',
  preset: 'node-server',
  routeRules: neptunChatApiRouteRules,
  plugins: withoutFix ? [] : [fileURLToPath(new URL(plugin, import.meta.url))],
})
