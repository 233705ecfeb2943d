import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import { after, test } from 'node:test';
import { TcpGate } from './tcp-gate.js';

const echo = createServer((socket) => socket.pipe(socket));
await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', () => resolve()));
after(() => new Promise<void>((resolve) => echo.close(() => resolve())));
const echoPort = (echo.address() as { port: number }).port;

/** Sends `text` through the gate; resolves with what came back, or the error that ended the connection. */
function roundTrip(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    socket.on('data', (data) => {
      resolve(data.toString());
      socket.end();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    socket.on('close', () => resolve('closed'));
  });
}

test('relays bytes while open, resets connections while shut, relays again once reopened', async () => {
  const { gate, port } = await TcpGate.start({ host: '127.0.0.1', port: echoPort });
  try {
    assert.equal(await roundTrip(port, 'hello'), 'hello');
    gate.shut();
    assert.equal(gate.isOpen, false);
    assert.match(await roundTrip(port, 'hello'), /ECONNRESET|closed/);
    gate.reopen();
    assert.equal(await roundTrip(port, 'again'), 'again');
  } finally {
    await gate.close();
  }
});

test('shutting cuts connections that are open', async () => {
  const { gate, port } = await TcpGate.start({ host: '127.0.0.1', port: echoPort });
  try {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    gate.shut();
    await ended;
  } finally {
    await gate.close();
  }
});
