// Test app only: logs each error a request ends with, with its chain of causes, on stderr, so
// that run.mjs can show why a proxied request failed (a 502 from the proxy says nothing else).

import { defineNitroPlugin } from 'nitropack/runtime'

export default defineNitroPlugin((nitroApp) => {
  nitroApp.hooks.hook('error', (error, { event }) => {
    const chain = []
    for (let cause: any = error; cause && chain.length < 5; cause = cause.cause) {
      chain.push(`${cause.name ?? 'Error'}${cause.code ? ` ${cause.code}` : ''}: ${cause.message}`)
    }
    console.error(`[error] ${event?.method ?? ''} ${event?.path ?? ''}: ${chain.join(' <- ')}`)
  })
})
