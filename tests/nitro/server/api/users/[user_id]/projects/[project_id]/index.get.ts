// One of the web app's own routes (neptun.web's server/api/users/[user_id]/projects/
// [project_id]), next to the project chats that the chat API serves: it answers from Nitro.

import { defineEventHandler, getRouterParam } from 'h3'

export default defineEventHandler((event) => ({
  local: true,
  route: 'project',
  user_id: getRouterParam(event, 'user_id'),
  project_id: getRouterParam(event, 'project_id'),
}))
