// Generates tests/vectors/fixtures.json with the real libraries the web app runs
// (h3 1.15.3 + iron-webcrypto 1.2.1, pinned in package.json).
//
//   cd tests/vectors && npm ci && node generate.mjs
//
// Every expectation written to the fixture is first checked against the real libraries
// (iron-webcrypto `unseal` at the recorded `now_ms`, or a real h3 request), so the Rust tests
// compare our implementation with what h3 actually does, not with what we think it does.

import http from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { createApp, createRouter, eventHandler, toNodeListener, useSession } from 'h3';
import * as Iron from 'iron-webcrypto';

const here = new URL('.', import.meta.url);
const lock = JSON.parse(readFileSync(new URL('package-lock.json', here), 'utf8'));
const versionOf = (name) => lock.packages[`node_modules/${name}`].version;
if (versionOf('h3') !== '1.15.3' || versionOf('iron-webcrypto') !== '1.2.1') {
  throw new Error('run `npm ci` in tests/vectors: h3 1.15.3 and iron-webcrypto 1.2.1 expected');
}

// Test-only secrets (never used anywhere else).
const PASSWORD = 'neptun-test-vectors-only-password-0123456789';
const OTHER_PASSWORD = 'a-different-test-only-password-9876543210-xyz';
const COOKIE_NAME = 'neptun-session';
const SKEW_MS = 60_000;

// Reference time for every token with an expiration; Rust tests pass it as `now_ms`.
const NOW = Date.now();

const sessionConfig = (password = PASSWORD) => ({
  name: COOKIE_NAME,
  password,
  cookie: { sameSite: 'lax' }, // as nuxt-auth-utils sets it
});

// ---------------------------------------------------------------------------------------------
// A real h3 app, like the web app's nuxt-auth-utils routes.
const app = createApp();
const router = createRouter();
router.get('/login', eventHandler(async (event) => {
  const session = await useSession(event, sessionConfig());
  await session.update({ user: { id: 42, primary_email: 'a@b.c' }, loggedInAt: new Date() });
  return { ok: true };
}));
router.get('/anonymous', eventHandler(async (event) => {
  await useSession(event, sessionConfig());
  return { ok: true };
}));
router.get('/visit', eventHandler(async (event) => {
  const session = await useSession(event, sessionConfig());
  await session.update({ loggedInAt: new Date() });
  return { ok: true };
}));
router.get('/logout', eventHandler(async (event) => {
  const session = await useSession(event, sessionConfig());
  await session.clear();
  return { ok: true };
}));
router.get('/other-password-login', eventHandler(async (event) => {
  const session = await useSession(event, sessionConfig(OTHER_PASSWORD));
  await session.update({ user: { id: 42, primary_email: 'a@b.c' }, loggedInAt: new Date() });
  return { ok: true };
}));
// What h3 itself reads from a request (used to check the cookie/header parsing cases).
router.get('/me', eventHandler(async (event) => {
  const session = await useSession(event, sessionConfig());
  return { user: session.data.user?.id ?? null };
}));
app.use(router);

const server = http.createServer(toNodeListener(app));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();

// headers: array of [name, value]; repeated names are sent as separate header lines.
function request(path, headers = []) {
  const grouped = {};
  for (const [name, value] of headers) (grouped[name] ??= []).push(value);
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers: grouped }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

async function setCookieFrom(path, headers) {
  const res = await request(path, headers);
  const cookies = (res.headers['set-cookie'] ?? []).filter((c) => c.startsWith(`${COOKIE_NAME}=`));
  if (res.status !== 200 || cookies.length !== 1) {
    throw new Error(`${path}: expected one ${COOKIE_NAME} Set-Cookie, got ${JSON.stringify(res.headers['set-cookie'])}`);
  }
  const setCookie = cookies[0];
  const token = setCookie.slice(COOKIE_NAME.length + 1).split(';')[0];
  return { setCookie, token };
}

// ---------------------------------------------------------------------------------------------
// iron-webcrypto helpers.

// Seal as if the clock read `nowMs`: `seal` reads Date.now() synchronously before its first
// await, so the offset computed in the same tick is exact; retry in the rare ms-boundary case.
async function sealAt(object, password, nowMs, ttl) {
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const token = await Iron.seal(crypto, object, password, {
      ...Iron.defaults,
      ttl,
      localtimeOffsetMsec: nowMs - Date.now(),
    });
    if (!ttl || token.split('*')[5] === String(nowMs + ttl)) return token;
  }
  throw new Error('could not seal with an exact expiration');
}

async function ironUnsealAt(token, nowMs, password = PASSWORD) {
  try {
    return { ok: true, value: await Iron.unseal(crypto, token, password, { ...Iron.defaults, localtimeOffsetMsec: nowMs - Date.now() }) };
  } catch (error) {
    return { ok: false, error: String(error.message ?? error) };
  }
}

const setPart = (token, index, value) => {
  const parts = token.split('*');
  parts[index] = value;
  return parts.join('*');
};

// Replace the character at `index` of `text` with a different base64url character.
const flipChar = (text, index) => {
  const c = text[index];
  return text.slice(0, index) + (c === 'A' ? 'B' : 'A') + text.slice(index + 1);
};

// Same HMAC bytes, different spelling: a 32-byte digest is 43 base64url chars whose last char
// carries 4 data bits and 2 unused bits; flip the lowest unused bit.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
function nonCanonicalHmac(token) {
  const parts = token.split('*');
  const mac = parts[7];
  const last = ALPHABET.indexOf(mac[mac.length - 1]);
  const respelled = mac.slice(0, -1) + ALPHABET[last ^ 1];
  const same = Buffer.from(Iron.base64urlDecode(mac)).equals(Buffer.from(Iron.base64urlDecode(respelled)));
  if (!same || respelled === mac) throw new Error('non-canonical HMAC spelling does not decode to the same bytes');
  parts[7] = respelled;
  return parts.join('*');
}

const session = (data) => ({ id: crypto.randomUUID(), createdAt: NOW, data });
const user42 = () => session({ user: { id: 42, primary_email: 'a@b.c' }, loggedInAt: new Date(NOW) });

// ---------------------------------------------------------------------------------------------
// Cases. `token` is the cookie value (what follows `neptun-session=`).
const cases = [];
const add = (name, token, expect, note, extra = {}) => cases.push({ name, token, expect, note, ...extra });

const login = await setCookieFrom('/login');
add('h3-login', login.token, { user: 42 }, 'h3 useSession + session.update({ user: { id: 42 } })', { set_cookie: login.setCookie });
const anonymous = await setCookieFrom('/anonymous');
add('h3-anonymous', anonymous.token, 'anonymous', 'h3 useSession without update: data {}', { set_cookie: anonymous.setCookie });
const visit = await setCookieFrom('/visit');
add('h3-logged-in-at-only', visit.token, 'anonymous', 'data: { loggedInAt } only', { set_cookie: visit.setCookie });
const logout = await setCookieFrom('/logout', [['cookie', `${COOKIE_NAME}=${login.token}`]]);
add('h3-logout', logout.token, 'reject', 'logout writes an empty value: no session', { set_cookie: logout.setCookie });
const other = await setCookieFrom('/other-password-login');
add('h3-login-other-password', other.token, 'reject', 'sealed by h3 with another password');

add('iron-ttl-valid', await sealAt(user42(), PASSWORD, NOW, 3_600_000), { user: 42 }, 'expires in 1 h');
const expired = await sealAt(user42(), PASSWORD, NOW, -120_000);
add('iron-expired', expired, 'reject', 'expired 120 s before now_ms (beyond the 60 s skew)');
add('iron-within-skew', await sealAt(user42(), PASSWORD, NOW, -30_000), { user: 42 }, 'expired 30 s ago: within the 60 s skew, accepted');
add('iron-skew-boundary-rejected', await sealAt(user42(), PASSWORD, NOW, -SKEW_MS), 'reject', 'exp == now_ms - 60000');
add('iron-skew-boundary-accepted', await sealAt(user42(), PASSWORD, NOW, -SKEW_MS + 1), { user: 42 }, 'exp == now_ms - 59999');
add('iron-extended-expiration', setPart(expired, 5, String(NOW + 3_600_000)), 'reject', 'expiration edited without re-MAC');
add('iron-no-ttl', await sealAt(user42(), PASSWORD, NOW, 0), { user: 42 }, 'plain iron seal, no expiration');
add('iron-password-id', await Iron.seal(crypto, user42(), { id: 'v1', secret: PASSWORD }, Iron.defaults), { user: 42 },
  'password id "v1" in part 1: iron unseals it with a plain string password, so do we');

const base = login.token;
const parts = base.split('*');
add('tampered-hmac', setPart(base, 7, flipChar(parts[7], 10)), 'reject', 'one HMAC character changed');
add('tampered-ciphertext', setPart(base, 4, flipChar(parts[4], 5)), 'reject', 'one ciphertext character changed');
add('tampered-iv', setPart(base, 3, flipChar(parts[3], 2)), 'reject', 'one IV character changed');
add('tampered-hmac-salt', setPart(base, 6, parts[6].replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))), 'reject', 'HMAC salt changed');
add('another-password', await sealAt(user42(), OTHER_PASSWORD, NOW, 0), 'reject', 'iron seal with another password');
add('seven-parts', [parts[0], ...parts.slice(2)].join('*'), 'reject', 'password id field removed');
add('nine-parts', `${base}*extra`, 'reject', 'an extra field appended');
add('nine-parts-empty', `${base}*`, 'reject', 'a trailing *');
add('wrong-prefix', setPart(base, 0, 'Fe26.1'), 'reject', 'prefix Fe26.1');
add('non-digit-expiration', setPart(base, 5, `${NOW + 3_600_000}x`), 'reject', 'expiration with a letter');
add('negative-expiration', setPart(base, 5, '-1'), 'reject', 'expiration with a sign');
add('non-canonical-hmac', nonCanonicalHmac(base), 'reject', 'same HMAC bytes, different base64url spelling');
add('truncated', base.slice(0, Math.floor(base.length / 2)), 'reject', 'token cut in half');
add('garbage', 'not-a-token', 'reject', 'not an Iron token');

add('user-id-string', await sealAt(session({ user: { id: '42' } }), PASSWORD, NOW, 0), 'anonymous', 'data.user.id is a string');
add('user-id-zero', await sealAt(session({ user: { id: 0 } }), PASSWORD, NOW, 0), 'anonymous', 'data.user.id is 0');
add('user-id-negative', await sealAt(session({ user: { id: -42 } }), PASSWORD, NOW, 0), 'anonymous', 'data.user.id is negative');
add('user-id-fraction', await sealAt(session({ user: { id: 42.5 } }), PASSWORD, NOW, 0), 'anonymous', 'data.user.id is not an integer');
add('user-id-too-large', await sealAt(session({ user: { id: 2 ** 64 } }), PASSWORD, NOW, 0), 'anonymous', 'data.user.id does not fit u64');
add('user-null', await sealAt(session({ user: null }), PASSWORD, NOW, 0), 'anonymous', 'data.user is null');
add('no-data', await sealAt({ id: crypto.randomUUID(), createdAt: NOW }, PASSWORD, NOW, 0), 'anonymous', 'no data at all');
add('user-at-top-level', await sealAt({ user: { id: 42 } }, PASSWORD, NOW, 0), 'anonymous', 'user outside data');
add('extra-fields', await sealAt(session({
  user: { id: 42, primary_email: 'a@b.c', name: 'Ä ☃ 😀' },
  oauth: { github: { id: 7 } },
  secure: { token: 'x' },
  loggedInAt: new Date(NOW),
}), PASSWORD, NOW, 0), { user: 42 }, 'unknown fields and non-ASCII text');

// Check every token expectation against iron-webcrypto itself at now_ms.
for (const c of cases) {
  const result = c.token ? await ironUnsealAt(c.token, NOW) : { ok: false, error: 'empty: no session' };
  const userId = result.ok ? result.value?.data?.user?.id : undefined;
  const actual = !result.ok ? 'reject'
    : (Number.isSafeInteger(userId) && userId > 0) ? { user: userId } : 'anonymous';
  if (JSON.stringify(actual) !== JSON.stringify(c.expect)) {
    throw new Error(`${c.name}: iron-webcrypto says ${JSON.stringify(actual)} (${result.error ?? ''}), expected ${JSON.stringify(c.expect)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Password rotation: tokens carrying an Iron password id (field 1), unsealed with a map of ids
// to secrets (iron-webcrypto 1.2.1 `unseal`): an empty id looks up `default`; an id the map does
// not have throws `Cannot find password: <id>`; a plain string password ignores the id. The id
// is not checked against ^\w+$ on unseal (only `seal` checks it), and the lookup is the JS `in`
// operator, so an inherited name such as `constructor` is "found" and then fails as an empty
// password. Prefix and expiration are checked before the lookup, the MAC after it.
const CURRENT_PASSWORD = 'neptun-rotation-test-only-current-password-2222';
const PREVIOUS_PASSWORD = 'neptun-rotation-test-only-previous-password-1111';
const keyrings = {
  'current-and-previous': { 2: CURRENT_PASSWORD, 1: PREVIOUS_PASSWORD, default: CURRENT_PASSWORD },
  'current-only': { 2: CURRENT_PASSWORD },
  'current-string': CURRENT_PASSWORD, // a plain string, as the existing cases use
};
const secretName = { [CURRENT_PASSWORD]: 'current_password', [PREVIOUS_PASSWORD]: 'previous_password' };
const sealedWith = (password) => (typeof password === 'string'
  ? { id: '', password: secretName[password] }
  : { id: password.id, password: secretName[password.secret] });

const OK = { user: 42 };
const BAD_HMAC = { error: 'Bad hmac value' };
const notFound = (id) => ({ error: `Cannot find password: ${id}` });
const rotation = [];
// expect: [current-and-previous, current-only, current-string]
const addRotation = (name, token, password, [both, currentOnly, currentString], note, extra = {}) => rotation.push({
  name,
  token,
  sealed_with: sealedWith(password),
  ...extra,
  expect: { 'current-and-previous': both, 'current-only': currentOnly, 'current-string': currentString },
  note,
});

const idCurrent = { id: '2', secret: CURRENT_PASSWORD };
const idPrevious = { id: '1', secret: PREVIOUS_PASSWORD };
const id2 = await sealAt(user42(), idCurrent, NOW, 0);
const id1 = await sealAt(user42(), idPrevious, NOW, 0);
const noIdCurrent = await sealAt(user42(), CURRENT_PASSWORD, NOW, 0);
addRotation('id-2-current', id2, idCurrent, [OK, OK, OK], 'id "2", current secret');
addRotation('id-1-previous', id1, idPrevious, [OK, notFound('1'), BAD_HMAC], 'id "1", previous secret');
addRotation('no-id-current', noIdCurrent, CURRENT_PASSWORD, [OK, notFound('default'), OK],
  'empty id, current secret: a map is looked up at "default"');
addRotation('no-id-previous', await sealAt(user42(), PREVIOUS_PASSWORD, NOW, 0), PREVIOUS_PASSWORD,
  [BAD_HMAC, notFound('default'), BAD_HMAC], 'empty id, previous secret: "default" is the current secret');
addRotation('id-default-explicit', await sealAt(user42(), { id: 'default', secret: CURRENT_PASSWORD }, NOW, 0),
  { id: 'default', secret: CURRENT_PASSWORD }, [OK, notFound('default'), OK], 'id "default" looks up the same key as an empty id');
addRotation('id-3-unknown', await sealAt(user42(), { id: '3', secret: CURRENT_PASSWORD }, NOW, 0),
  { id: '3', secret: CURRENT_PASSWORD }, [notFound('3'), notFound('3'), OK],
  'id "3" that no map has, current secret: a plain string ignores the id');
addRotation('id-edited-1-to-2', setPart(id1, 1, '2'), idPrevious, [BAD_HMAC, BAD_HMAC, BAD_HMAC],
  'sealed as id-1-previous, then field 1 changed from "1" to "2"');
addRotation('id-removed', setPart(id2, 1, ''), idCurrent, [BAD_HMAC, notFound('default'), BAD_HMAC],
  'sealed as id-2-current, then field 1 emptied: same secret, but the MAC covers the id');
addRotation('id-added', setPart(noIdCurrent, 1, '2'), CURRENT_PASSWORD, [BAD_HMAC, BAD_HMAC, BAD_HMAC],
  'sealed as no-id-current, then field 1 set to "2": same secret, but the MAC covers the id');
addRotation('id-not-word', setPart(id2, 1, 'a-b'), idCurrent, [notFound('a-b'), notFound('a-b'), BAD_HMAC],
  'sealed as id-2-current, then field 1 set to "a-b" (not ^\\w+$, which seal refuses; unseal just looks it up)');
addRotation('id-inherited-name', setPart(id2, 1, 'constructor'), idCurrent,
  [{ error: 'Empty password' }, { error: 'Empty password' }, BAD_HMAC],
  'field 1 set to "constructor": the JS `in` lookup finds Object.prototype.constructor, not a secret');
addRotation('expired-unknown-id', await sealAt(user42(), { id: '3', secret: CURRENT_PASSWORD }, NOW, -120_000),
  { id: '3', secret: CURRENT_PASSWORD }, [{ error: 'Expired seal' }, { error: 'Expired seal' }, { error: 'Expired seal' }],
  'id "3", expired 120 s before now_ms: expiration is checked before the password lookup', { ttl_ms: -120_000 });

// Check every rotation expectation against iron-webcrypto itself at now_ms, for every keyring.
for (const c of rotation) {
  for (const [keyring, password] of Object.entries(keyrings)) {
    const result = await ironUnsealAt(c.token, NOW, password);
    const userId = result.ok ? result.value?.data?.user?.id : undefined;
    const actual = result.ok ? { user: userId } : { error: result.error };
    if (result.ok && !(Number.isSafeInteger(userId) && userId > 0)) throw new Error(`${c.name}: no user`);
    if (JSON.stringify(actual) !== JSON.stringify(c.expect[keyring])) {
      throw new Error(`rotation ${c.name} / ${keyring}: iron-webcrypto says ${JSON.stringify(actual)}, expected ${JSON.stringify(c.expect[keyring])}`);
    }
  }
}
// seal itself refuses an id that is not ^\w+$.
const sealIdError = await Iron.seal(crypto, user42(), { id: 'a-b', secret: CURRENT_PASSWORD }, Iron.defaults)
  .then(() => null, (error) => String(error.message ?? error));
if (sealIdError !== 'Invalid password id') throw new Error(`seal with id "a-b": ${sealIdError}`);

// ---------------------------------------------------------------------------------------------
// Request cases: whole request headers, checked against what h3 reads (GET /me).
const T = login.token;
const requests = [];
const addRequest = (name, headers, expect, note) => requests.push({ name, headers, expect, note });
addRequest('cookie-alone', [['cookie', `${COOKIE_NAME}=${T}`]], { user: 42 }, 'browser cookie');
addRequest('cookie-joined-semicolon-space', [['cookie', `a=b; ${COOKIE_NAME}=${T}; c=d`]], { user: 42 }, 'lambda_http join with "; "');
addRequest('cookie-joined-semicolon', [['cookie', `a=b;${COOKIE_NAME}=${T};c=d`]], { user: 42 }, 'lambda_http join with ";"');
addRequest('cookie-spaces', [['cookie', `a=b ;  ${COOKIE_NAME} = ${T}  ; c=d`]], { user: 42 }, 'whitespace around name and value is trimmed');
addRequest('cookie-quoted', [['cookie', `${COOKIE_NAME}="${T}"`]], { user: 42 }, 'one pair of double quotes stripped');
addRequest('cookie-percent-encoded', [['cookie', `${COOKIE_NAME}=${T.replaceAll('*', '%2A')}`]], { user: 42 }, 'percent-decoded because it has a %');
addRequest('cookie-bad-percent', [['cookie', `${COOKIE_NAME}=${T}%zz`]], 'reject', 'invalid percent-encoding: kept raw, then fails');
addRequest('cookie-first-wins', [['cookie', `${COOKIE_NAME}=${T}; ${COOKIE_NAME}=garbage`]], { user: 42 }, 'first pair wins');
addRequest('cookie-first-wins-garbage', [['cookie', `${COOKIE_NAME}=garbage; ${COOKIE_NAME}=${T}`]], 'reject', 'first pair wins even if invalid');
addRequest('cookie-first-empty', [['cookie', `${COOKIE_NAME}=; ${COOKIE_NAME}=${T}`]], 'reject', 'first pair is empty: no session');
addRequest('cookie-two-headers', [['cookie', 'a=b'], ['cookie', `${COOKIE_NAME}=${T}`]], { user: 42 }, 'two Cookie header lines');
addRequest('cookie-similar-names', [['cookie', `x${COOKIE_NAME}=garbage; ${COOKIE_NAME}x=garbage; ${COOKIE_NAME}=${T}`]], { user: 42 }, 'names must match exactly');
addRequest('cookie-no-equals-segment', [['cookie', `flag; ${COOKIE_NAME}=${T}`]], { user: 42 }, 'a segment without = is skipped');
addRequest('cookie-other-name-only', [['cookie', `nuxt-session=${T}`]], 'reject', 'the Nuxt default name is not ours');
addRequest('header-only', [[`x-${COOKIE_NAME}-session`, T]], { user: 42 }, 'session header');
addRequest('header-wins', [[`x-${COOKIE_NAME}-session`, T], ['cookie', `${COOKIE_NAME}=garbage`]], { user: 42 }, 'header takes precedence');
addRequest('header-wins-garbage', [[`x-${COOKIE_NAME}-session`, 'garbage'], ['cookie', `${COOKIE_NAME}=${T}`]], 'reject', 'header takes precedence even if invalid');
addRequest('header-empty-falls-back', [[`x-${COOKIE_NAME}-session`, ''], ['cookie', `${COOKIE_NAME}=${T}`]], { user: 42 }, 'an empty header is no header');
addRequest('no-headers', [], 'reject', 'nothing at all');

for (const r of requests) {
  const res = await request('/me', r.headers);
  const { user } = JSON.parse(res.body);
  const actual = user === null ? 'reject' : { user };
  if (JSON.stringify(actual) !== JSON.stringify(r.expect)) {
    throw new Error(`${r.name}: h3 says ${JSON.stringify(actual)}, expected ${JSON.stringify(r.expect)}`);
  }
}

server.close();

const fixture = {
  description: 'neptun-session test vectors generated by tests/vectors/generate.mjs with the real h3 and iron-webcrypto; do not edit by hand',
  generator: { h3: versionOf('h3'), 'iron-webcrypto': versionOf('iron-webcrypto'), node: process.version },
  password: PASSWORD,
  other_password: OTHER_PASSWORD,
  cookie_name: COOKIE_NAME,
  now_ms: NOW,
  cases,
  requests,
  rotation: {
    description: 'password rotation: tokens with an Iron password id (field 1), sealed with iron-webcrypto seal and checked with iron-webcrypto unseal at now_ms against each keyring (a map of id to secret, or a plain string); expect is { user } or { error: the message iron-webcrypto throws }',
    current_password: CURRENT_PASSWORD,
    previous_password: PREVIOUS_PASSWORD,
    iterations: Iron.defaults.encryption.iterations,
    options: Iron.defaults,
    keyrings,
    seal_rejects_id: { id: 'a-b', error: sealIdError },
    cases: rotation,
  },
};
writeFileSync(new URL('fixtures.json', here), `${JSON.stringify(fixture, null, 2)}\n`);
console.error(`wrote fixtures.json: ${cases.length} token cases, ${requests.length} request cases, ${rotation.length} rotation cases, now_ms=${NOW}`);
