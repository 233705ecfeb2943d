import { connect } from 'node:tls';

export interface RawHttpResponse {
  readonly status: number;
  /** Header lines exactly as the server wrote them. */
  readonly headerLines: readonly string[];
  readonly body: string;
}

/**
 * One HTTP/1.1 exchange over TLS written and read byte for byte, to check what a strict client sees: header name
 * spelling, Content-Length against chunking, line endings.
 */
export function rawHttps(
  url: string,
  request: {
    method: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    ca: string;
    cert?: string;
    key?: string;
  },
): Promise<RawHttpResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(
      {
        host: target.hostname,
        port: Number(target.port),
        ca: request.ca,
        servername: 'localhost',
        ...(request.cert ? { cert: request.cert, key: request.key } : {}),
      },
      () => {
        const body = request.body === undefined ? Buffer.alloc(0) : Buffer.from(request.body);
        const headers = {
          Host: target.host,
          Connection: 'close',
          ...(request.body === undefined ? {} : { 'Content-Length': String(body.length) }),
          ...request.headers,
        };
        socket.write(
          `${request.method} ${target.pathname} HTTP/1.1\r\n${Object.entries(headers)
            .map(([k, v]) => `${k}: ${v}\r\n`)
            .join('')}\r\n`,
        );
        // Not end(): the server would see the half-close and drop the connection before answering.
        socket.write(body);
      },
    );
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const [statusLine = '', ...headerLines] = text.slice(0, split).split('\r\n');
      resolve({ status: Number(statusLine.split(' ')[1]), headerLines, body: text.slice(split + 4) });
    });
  });
}
