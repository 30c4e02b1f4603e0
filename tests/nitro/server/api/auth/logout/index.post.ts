// One of the web app's own routes (neptun.web's server/api/auth/logout), a POST with a body:
// it answers from Nitro and never reaches the chat API.

import { defineEventHandler, readBody } from 'h3'

export default defineEventHandler(async (event) => ({
  local: true,
  route: 'logout',
  received: await readBody(event),
}))
