/**
 * A minimal runtime-side client of the wire protocol, for tests and benchmarks that drive the
 * collector over a real socket without Python: connect, send frames (or raw bytes), close.
 */
import * as net from 'net';
import { encodeFrame } from './framing';
import { PROTOCOL_VERSION } from './schema';

export interface WireClient {
  socket: net.Socket;
  send(value: unknown): Promise<void>;
  sendRaw(bytes: Buffer): Promise<void>;
  /** Half-closes after everything is written and resolves when the collector has closed too. */
  end(): Promise<void>;
  /** Resolves when the socket is closed from either side. */
  closed: Promise<void>;
}

export async function connectClient(socketPath: string): Promise<WireClient> {
  const socket = net.createConnection(socketPath);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => socket.destroy());
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const sendRaw = (bytes: Buffer) =>
    new Promise<void>((resolve) => {
      if (socket.destroyed) return resolve();
      socket.write(bytes, () => resolve());
    });
  return {
    socket,
    send: (value) => sendRaw(encodeFrame(value)),
    sendRaw,
    end: () => {
      socket.end();
      return closed;
    },
    closed,
  };
}

/** A valid hello for `pid` (fields as the runtime sends them), with overrides. */
export function helloFrame(
  secret: string,
  pid: number,
  fields: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    t: 'hello',
    v: PROTOCOL_VERSION,
    secret,
    pid,
    ppid: 1,
    mpParentPid: null,
    name: fields.main ? 'MainProcess' : `Process-${pid}`,
    role: fields.main ? 'main' : 'process',
    startMethod: 'fork',
    python: '3.11.7',
    executable: '/usr/bin/python3',
    platform: process.platform,
    clockNs: Number(process.hrtime.bigint()),
    main: false,
    ...fields,
  };
}
