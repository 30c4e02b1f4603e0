// One of the web app's own routes (neptun.web's server/api/users/[user_id]/collections): it
// answers from Nitro and never reaches the chat API.

import { defineEventHandler, getRouterParam } from 'h3'

export default defineEventHandler((event) => ({
  local: true,
  route: 'collections',
  user_id: getRouterParam(event, 'user_id'),
}))
