import type { Socket } from 'node:net';

/**
 * Joins two connections byte for byte (a Unix socket to a TCP port, or back): each end's data
 * goes to the other, a half-close is passed on, and an error or close on either side ends both.
 */
export function joinSockets(a: Socket, b: Socket): void {
  const end = () => {
    a.destroy();
    b.destroy();
  };
  a.on('error', end);
  b.on('error', end);
  a.on('close', end);
  b.on('close', end);
  a.pipe(b);
  b.pipe(a);
}
