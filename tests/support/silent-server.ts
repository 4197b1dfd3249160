/**
 * A TCP server on 127.0.0.1 that accepts every connection and never answers: the endpoint that
 * proves an AWS client gives up at its request timeout instead of waiting for Lambda's.
 */
import * as net from "node:net";

export interface SilentServer {
  /** `http://127.0.0.1:<port>`, for a client's `endpoint`. */
  endpoint: string;
  /** Every connection accepted so far: one per request attempt. */
  sockets: net.Socket[];
  close(): Promise<void>;
}

export async function startSilentServer(): Promise<SilentServer> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    sockets,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
