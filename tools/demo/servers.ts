// The demo's real loopback servers on 127.0.0.1 (ephemeral ports): TCP echo, UDP echo and a small HTTP server with one known body.
import * as http from "http";
import { AddressInfo } from "net";
import { TcpPeer, UdpPeer } from "../sim/index";
import { testPayload } from "./payload";

/** The path the HTTP server answers with `body`; anything else is a 404. */
export const HTTP_PATH = "/blob.bin";
export const HTTP_BODY_BYTES = 12 * 1024;

export interface HttpRequestRecord {
  method: string;
  url: string;
  host: string;
  /** Bytes the request took on its connection (request line and headers). */
  bytes: number;
}

export class LoopbackServers {
  /** The HTTP body (binary, every byte value). */
  readonly httpBody: string;
  /** Requests the HTTP server answered, in order. */
  readonly httpRequests: HttpRequestRecord[] = [];
  httpPort = 0;

  private constructor(readonly tcpEcho: TcpPeer, readonly udpEcho: UdpPeer, private http: http.Server, bodyBytes: number) {
    this.httpBody = testPayload(bodyBytes, 0x4854);
  }

  /**
   * `closeAfterBody`: the HTTP server answers with `Connection: close` and closes the connection
   * as soon as the body is sent (as many servers do), so the client sees the close right behind
   * the data; by default connections are kept alive and the client closes. `bodyBytes`: the body's
   * size (default HTTP_BODY_BYTES).
   */
  static async start(opts?: { closeAfterBody?: boolean; bodyBytes?: number }): Promise<LoopbackServers> {
    const closeAfterBody = !!(opts && opts.closeAfterBody);
    const tcpEcho = await TcpPeer.listen({ echo: true });
    const udpEcho = await UdpPeer.bind({ echo: true });
    let servers: LoopbackServers | undefined = undefined;
    const srv = http.createServer((req, res) => {
      if (servers) servers.httpRequests.push({ method: req.method || "", url: req.url || "", host: String(req.headers.host || ""), bytes: req.socket.bytesRead });
      if (req.method === "GET" && req.url === HTTP_PATH && servers) {
        const body = Buffer.from(servers.httpBody, "latin1");
        const headers: { [k: string]: string | number } = { "Content-Type": "application/octet-stream", "Content-Length": body.length };
        if (closeAfterBody) headers.Connection = "close";
        res.writeHead(200, headers);
        res.end(body);
      } else {
        res.writeHead(404, { "Content-Type": "text/plain", "Content-Length": 10 });
        res.end("not found\n");
      }
    });
    await new Promise<void>((resolve, reject) => {
      srv.once("error", reject);
      srv.listen(0, "127.0.0.1", () => resolve());
    });
    servers = new LoopbackServers(tcpEcho, udpEcho, srv, (opts && opts.bodyBytes) || HTTP_BODY_BYTES);
    servers.httpPort = (srv.address() as AddressInfo).port;
    return servers;
  }

  /** Close every server and connection. */
  async close(): Promise<void> {
    await this.tcpEcho.close();
    await this.udpEcho.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}
