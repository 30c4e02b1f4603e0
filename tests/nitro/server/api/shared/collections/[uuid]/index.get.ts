// One of the web app's own routes (neptun.web's server/api/shared/collections/[uuid]), next to
// the shared chats that the chat API serves: it answers from Nitro.

import { defineEventHandler, getRouterParam } from 'h3'

export default defineEventHandler((event) => ({
  local: true,
  route: 'shared collection',
  uuid: getRouterParam(event, 'uuid'),
}))
