// A minimal Lambda runtime loop, as the managed Node runtime runs a handler: Init (load the
// handler module, warm up), then `GET /next` -> handler -> `POST /response` over one kept-alive
// connection to AWS_LAMBDA_RUNTIME_API. make bench only, never deployed.

import http from 'node:http';

const api = process.env.AWS_LAMBDA_RUNTIME_API;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const [host, port] = api.split(':');

function call(method, path, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(body);
    const request = http.request(
      {
        host,
        port,
        method,
        path: `/2018-06-01/runtime${path}`,
        agent,
        headers: payload
          ? { 'content-type': 'application/json', 'content-length': payload.length, ...headers }
          : headers,
      },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ headers: response.headers, body: Buffer.concat(chunks).toString() }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

function errorBody(error) {
  return JSON.stringify({
    errorType: error?.name ?? 'Error',
    errorMessage: error?.message ?? String(error),
  });
}

let handler;
try {
  const module = await import('./create-chat-messages.mjs');
  handler = module.handler;
  if (!/^(0|false|off)$/i.test(process.env.DYNAMODB_WARM_UP ?? '')) await module.warmUp();
} catch (error) {
  await call('POST', '/init/error', errorBody(error), {
    'lambda-runtime-function-error-type': 'Runtime.InitError',
  });
  process.exit(1);
}

for (;;) {
  const next = await call('GET', '/invocation/next');
  const id = next.headers['lambda-runtime-aws-request-id'];
  try {
    const result = await handler(JSON.parse(next.body));
    await call('POST', `/invocation/${id}/response`, JSON.stringify(result));
  } catch (error) {
    await call('POST', `/invocation/${id}/error`, errorBody(error), {
      'lambda-runtime-function-error-type': 'Runtime.UnhandledError',
    });
  }
}
