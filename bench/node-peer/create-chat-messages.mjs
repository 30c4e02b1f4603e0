// POST /api/users/{user_id}/chats/{chat_id}/messages on the web app's own libraries: the
// session unsealed by iron-webcrypto as h3 does, the body validated by zod, the rows written by
// the AWS SDK v3 in one TransactWriteItems. The rows are ours (shared/neptun-dynamo/src/schema/rows.rs): a
// chunk row per 16 messages, behind a condition check on the chat's META row.

import { defaults as ironDefaults, unseal } from 'iron-webcrypto';
import { z } from 'zod';
import {
  DynamoDBClient,
  GetItemCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';

const SESSION_COOKIE = 'neptun-session';
// shared/neptun-core/src/ids.rs: ms since 2025-01-01 above 12 bits of random, chunk and slot.
const ID_EPOCH_MS = 1_735_689_600_000;
const LOW_BITS = 2 ** 12;
const CHUNK_BITS = 2 ** 9;
const RANDOM_CHOICES = 8;
const SLOTS_PER_CHUNK = 16;
const ID_ATTEMPTS = 8;
// shared/neptun-core/src/validation: at most this many messages in one batch.
const MAX_BATCH = 100;

const password = process.env.NUXT_SESSION_PASSWORD ?? '';
if (password.length < 32) throw new Error('NUXT_SESSION_PASSWORD must be at least 32 characters');
const table = process.env.TABLE_NAME;
if (!table) throw new Error('TABLE_NAME must name the DynamoDB table');

// Region, credentials and endpoint from the standard environment, as our client does.
const client = new DynamoDBClient({});

const role = z.enum(['user', 'assistant', 'system']);
const text = z.string().refine((value) => value.trim().length > 0, {
  message: 'Message text must not be empty or only white space',
});
const singleBody = z.object({ message: text, actor: role });
const batchBody = z.object({
  messages: z.array(z.object({ content: text, role })).min(1).max(MAX_BATCH),
});

/** Opens the storage connection during Init, like ours: a GetItem of a key that never exists. */
export async function warmUp() {
  const key = { S: '#warm-up' };
  try {
    await client.send(new GetItemCommand({ TableName: table, Key: { PK: key, SK: key } }));
  } catch {
    // Only the first request's head start is lost.
  }
}

function respond(statusCode, body) {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

function failure(statusCode, statusMessage, data) {
  return respond(statusCode, { statusCode, statusMessage, data });
}

/** The first `neptun-session` pair of the request's cookies, as h3's getCookie reads it. */
function sessionToken(event) {
  const header = [...(event.cookies ?? []), event.headers?.cookie ?? ''].join(';');
  for (const pair of header.split(';')) {
    const at = pair.indexOf('=');
    if (at === -1 || pair.slice(0, at).trim() !== SESSION_COOKIE) continue;
    let value = pair.slice(at + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    return value.includes('%') ? decodeURIComponent(value) : value;
  }
  return '';
}

/** The user of a valid session (h3's unsealSession, nuxt-auth-utils' `user.id`), or null. */
async function sessionUser(event) {
  const token = sessionToken(event);
  if (!token) return null;
  try {
    const session = await unseal(globalThis.crypto, token, password, ironDefaults);
    const id = session?.data?.user?.id;
    return Number.isSafeInteger(id) ? id : null;
  } catch {
    return null;
  }
}

function pathId(event, name) {
  const raw = event.pathParameters?.[name] ?? '';
  return /^[0-9]+$/.test(raw) ? Number(raw) : null;
}

/** A fresh batch base for `nowMs` (shared/neptun-core/src/ids.rs batch_base). */
function batchBase(nowMs) {
  const sinceEpoch = Math.max(nowMs - ID_EPOCH_MS, 1);
  return sinceEpoch * LOW_BITS + Math.floor(Math.random() * RANDOM_CHOICES) * CHUNK_BITS;
}

function writeId() {
  return globalThis.crypto.getRandomValues(new BigUint64Array(1))[0];
}

/** The chunk rows of one batch drawn from `base`: MessageChunkRow of schema.rs. */
function chunkRows(userId, chatId, messages, base, nowMs) {
  const rows = [];
  const w = writeId();
  for (let chunk = 0; chunk * SLOTS_PER_CHUNK < messages.length; chunk += 1) {
    const first = base + chunk * SLOTS_PER_CHUNK;
    const items = messages
      .slice(chunk * SLOTS_PER_CHUNK, (chunk + 1) * SLOTS_PER_CHUNK)
      .map((message, slot) => ({ id: first + slot, actor: message.role, message: message.content }));
    rows.push({
      PK: `USER#${userId}#CHAT#${chatId}`,
      SK: `MSG#${String(first).padStart(16, '0')}`,
      n: items.length,
      created_at: nowMs,
      w,
      items,
    });
  }
  return rows;
}

/** One TransactWriteItems: the chat exists, the rows do not. True when committed. */
async function write(userId, chatId, rows) {
  const names = { '#pk': 'PK' };
  const check = {
    ConditionCheck: {
      TableName: table,
      Key: marshall({ PK: `USER#${userId}#CHAT#${chatId}`, SK: 'META' }),
      ConditionExpression: 'attribute_exists(#pk)',
      ExpressionAttributeNames: names,
    },
  };
  const puts = rows.map((row) => ({
    Put: {
      TableName: table,
      Item: marshall(row),
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: names,
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  }));
  try {
    await client.send(new TransactWriteItemsCommand({ TransactItems: [check, ...puts] }));
    return 'committed';
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const reasons = error.CancellationReasons ?? [];
    if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'no chat';
    if (reasons.slice(1).some((reason) => reason?.Code === 'ConditionalCheckFailed')) return 'collision';
    throw error;
  }
}

export async function handler(event) {
  const userId = await sessionUser(event);
  if (userId === null) {
    return failure(401, 'Unauthorized', { message: 'A valid neptun-session cookie is required.' });
  }
  const [pathUser, chatId] = [pathId(event, 'user_id'), pathId(event, 'chat_id')];
  if (pathUser !== userId || chatId === null) {
    return failure(401, 'Unauthorized', { message: 'You do not have access to this resource.' });
  }
  if (!(event.headers?.['content-type'] ?? '').startsWith('application/json')) {
    return failure(415, 'Unsupported Media Type', { message: 'Content-Type must be application/json.' });
  }
  let body;
  try {
    const raw = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString() : event.body;
    body = JSON.parse(raw ?? '');
  } catch {
    return failure(400, 'Bad Request. Invalid body(message | messages).', { issues: [] });
  }
  const isBatch = body !== null && typeof body === 'object' && 'messages' in body;
  const parsed = (isBatch ? batchBody : singleBody).safeParse(body);
  if (!parsed.success) {
    return failure(400, 'Bad Request. Invalid body(message | messages).', { issues: parsed.error.issues });
  }
  const messages = isBatch
    ? parsed.data.messages
    : [{ content: parsed.data.message, role: parsed.data.actor }];

  const nowMs = Date.now();
  for (let attempt = 0; attempt < ID_ATTEMPTS; attempt += 1) {
    const base = batchBase(nowMs + attempt);
    const rows = chunkRows(userId, chatId, messages, base, nowMs);
    const outcome = await write(userId, chatId, rows);
    if (outcome === 'no chat') {
      return failure(404, 'Not Found', { message: 'Chat not found.' });
    }
    if (outcome === 'committed') {
      const createdAt = new Date(nowMs).toISOString();
      const created = rows.flatMap((row) =>
        row.items.map((item) => ({
          id: item.id,
          chat_conversation_id: chatId,
          neptun_user_id: userId,
          message: item.message,
          actor: item.actor,
          created_at: createdAt,
          updated_at: createdAt,
        })),
      );
      return isBatch ? respond(200, { chatMessages: created }) : respond(200, { chatMessage: created[0] });
    }
  }
  return failure(500, 'Internal Server Error', { message: 'ids kept colliding' });
}
