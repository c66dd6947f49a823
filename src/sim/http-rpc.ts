/**
 * A minimal JSON-RPC client over one kept-alive HTTP/1.1 connection to a local node (the simulator's anvil), one
 * request at a time: a request line and headers, the JSON body, and a response read by its Content-Length (or
 * chunked). For the tick loop's thousands of small calls it costs a fraction of a general HTTP client's CPU.
 */
import { connect, type Socket } from "node:net";
import type { Rpc } from "./chain";

export class HttpRpc implements Rpc {
  private socket?: Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private waiting?: { resolve: (body: string) => void; reject: (e: Error) => void };
  private id = 0;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly url: URL) {}

  request(args: { method: string; params?: unknown[] }): Promise<unknown> {
    // One request on the wire at a time, in call order.
    const next = this.chain.then(() => this.send(args));
    this.chain = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private async send(args: { method: string; params?: unknown[] }): Promise<unknown> {
    const body = JSON.stringify({
      jsonrpc: "2.0",
      id: ++this.id,
      method: args.method,
      params: args.params ?? [],
    });
    const socket = await this.open();
    const text = await new Promise<string>((resolve, reject) => {
      this.waiting = { resolve, reject };
      socket.write(
        `POST ${this.url.pathname} HTTP/1.1\r\nHost: ${this.url.host}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    });
    const reply = JSON.parse(text) as {
      result?: unknown;
      error?: { code: number; message: string; data?: unknown };
    };
    if (reply.error) {
      const e = new Error(`${args.method}: ${reply.error.message}`) as Error & {
        code?: number;
        data?: unknown;
      };
      e.code = reply.error.code;
      e.data = reply.error.data;
      throw e;
    }
    return reply.result;
  }

  private open(): Promise<Socket> {
    if (this.socket) return Promise.resolve(this.socket);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.url.hostname, port: Number(this.url.port) }, () => resolve(socket));
      socket.setNoDelay(true);
      socket.on("data", (chunk) => this.receive(chunk));
      socket.on("error", (e) => {
        this.waiting?.reject(e);
        this.waiting = undefined;
        reject(e);
      });
      socket.on("close", () => {
        this.socket = undefined;
        this.waiting?.reject(new Error("connection to the node closed"));
        this.waiting = undefined;
      });
      this.socket = socket;
    });
  }

  /** Completes the pending request once its whole response is in. */
  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const end = this.buffer.indexOf("\r\n\r\n");
    if (end < 0 || !this.waiting) return;
    const head = this.buffer.subarray(0, end).toString("latin1").toLowerCase();
    const start = end + 4;
    const length = /content-length:\s*(\d+)/.exec(head);
    let body: string | undefined;
    let used = 0;
    if (length) {
      const n = Number(length[1]);
      if (this.buffer.length - start < n) return;
      body = this.buffer.subarray(start, start + n).toString("utf8");
      used = start + n;
    } else if (head.includes("transfer-encoding: chunked")) {
      const parts: Buffer[] = [];
      let at = start;
      for (;;) {
        const lineEnd = this.buffer.indexOf("\r\n", at);
        if (lineEnd < 0) return;
        const size = parseInt(this.buffer.subarray(at, lineEnd).toString("latin1"), 16);
        if (this.buffer.length < lineEnd + 2 + size + 2) return;
        if (size === 0) {
          used = lineEnd + 4;
          break;
        }
        parts.push(this.buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
      }
      body = Buffer.concat(parts).toString("utf8");
    } else {
      this.waiting.reject(new Error(`unexpected HTTP response from the node: ${head.split("\r\n")[0]}`));
      this.waiting = undefined;
      return;
    }
    this.buffer = this.buffer.subarray(used);
    const w = this.waiting;
    this.waiting = undefined;
    w.resolve(body);
  }
}
