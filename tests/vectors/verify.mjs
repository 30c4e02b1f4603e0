// Unseals a neptun-session token with iron-webcrypto 1.2.1 (what h3 1.15.3 uses) and prints
// the JSON. Exit 1 on failure.
//
//   NUXT_SESSION_PASSWORD=... node verify.mjs <token>
//   echo <token> | NUXT_SESSION_PASSWORD=... node verify.mjs

import { readFileSync } from 'node:fs';
import { defaults, unseal } from 'iron-webcrypto';

const password = process.env.NUXT_SESSION_PASSWORD;
if (!password) {
  console.error('verify.mjs: NUXT_SESSION_PASSWORD is not set');
  process.exit(1);
}

let token = process.argv[2] ?? readFileSync(0, 'utf8');
token = token.trim();
// Accept a whole `name=value` cookie pair too.
const eq = token.indexOf('=');
if (eq !== -1) token = token.slice(eq + 1);
if (!token) {
  console.error('verify.mjs: no token given (argv[2] or stdin)');
  process.exit(1);
}

try {
  const value = await unseal(crypto, token, password, defaults);
  console.log(JSON.stringify(value));
} catch (error) {
  console.error(`verify.mjs: unseal failed: ${error?.message ?? error}`);
  process.exit(1);
}
