/** The daemon's end of the control channel, through the real client: the token, the routes, the failure envelope. */
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { ControlError, callEngine } from '../../../src/local/engine/control-client.js';
import { type ControlServer, startControlServer } from '../../../src/local/engine/control-server.js';

let server: ControlServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('control server', () => {
  it('answers routes for the right token and refuses any other', async () => {
    // Prepare
    server = await startControlServer('t0ken', {
      'GET /status': async () => ({ ok: true }),
      'POST /echo': async (body) => ({ got: body }),
    });
    const address = { port: server.port, token: 't0ken' };
    // Act / Assess
    expect(await callEngine(address, 'GET', '/status')).toEqual({ ok: true });
    expect(await callEngine(address, 'POST', '/echo', { a: 1 })).toEqual({ got: { a: 1 } });
    const refused = callEngine({ ...address, token: 'wrong' }, 'GET', '/status');
    await expect(refused).rejects.toBeInstanceOf(ControlError);
    await expect(refused).rejects.toMatchObject({ status: 401 });
  });

  it('returns handler failures with message, hint and code', async () => {
    server = await startControlServer('t', {
      'POST /fail': async () => {
        throw new UserError('cannot do that', { hint: 'do this instead', code: 'NOPE' });
      },
    });
    await expect(callEngine({ port: server.port, token: 't' }, 'POST', '/fail', {})).rejects.toMatchObject({
      message: 'cannot do that',
      hint: 'do this instead',
      code: 'NOPE',
      status: 409,
    });
    await expect(callEngine({ port: server.port, token: 't' }, 'GET', '/missing')).rejects.toMatchObject({
      status: 404,
    });
  });
});
