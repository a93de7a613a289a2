// Buffer access when the peer closes first: the module announces the data, reports the close, and still hands over exactly what it announced; an over-read or a read of a dropped link freezes a field-quirks module.
import * as assert from "assert";
import { TcpPeer } from "../../tools/sim/peers";
import { Host, line } from "./helpers";

const OK = "\r\nOK\r\n";
/** The field-quirks profile adds blank lines before some OKs and repeats the data notice: compare without them. */
function norm(s: string): string {
  return s.replace(/(\r\n)+OK\r\n/g, "\r\nOK\r\n");
}

function eq(actual: string, expected: string): void {
  assert.strictEqual(norm(actual).split(line("+CIPRXGET: 1,1") + "\r\n").join("\r\n"), norm(expected));
}

for (const profile of ["clean", "field-quirks"] as const) {
  describe(`sim (${profile}): buffer access, the peer sends and closes first`, () => {
    let h: Host;
    let peer: TcpPeer;

    /** Link 1 in buffer mode; the peer sends `body` and closes; the host has seen the notice and the close. */
    async function sentAndClosed(body: string): Promise<void> {
      h = new Host({ echo: false, profile, bootMs: 500 });
      peer = await TcpPeer.listen({ echo: false });
      eq(await h.cmd("AT+CIPRXGET=1"), OK);
      await h.cmd("AT+NETOPEN", "+NETOPEN: 0\r\n");
      await h.cmd(`AT+CIPOPEN=1,"TCP","127.0.0.1",${peer.port}`, "+CIPOPEN: 1,0\r\n");
      await h.until(() => peer.conns.length === 1);
      await h.settle(10);
      peer.send(body);
      peer.end(0);
      await h.until("+IPCLOSE: 1,1\r\n");
      assert.strictEqual(await h.settle(20), line("+CIPRXGET: 1,1") + line("+IPCLOSE: 1,1"), "announced, then closed");
      assert.strictEqual(h.sim.link(1).state, "closed");
      assert.strictEqual(h.sim.link(1).buffered, body.length);
    }

    afterEach(async () => {
      h.close();
      await peer.close();
    });

    it("a read of what was announced returns it, in pieces too, and the count query answers", async () => {
      await sentAndClosed("HTTP/1.0 200 OK\r\n\r\nbody");
      eq(await h.cmd("AT+CIPRXGET=4,1"), line("+CIPRXGET: 4,1,23") + OK);
      eq(await h.cmd("AT+CIPRXGET=2,1,10"), line("+CIPRXGET: 2,1,10,13") + "HTTP/1.0 2" + OK);
      eq(await h.cmd("AT+CIPRXGET=2,1,13"), line("+CIPRXGET: 2,1,13,0") + "00 OK\r\n\r\nbody" + OK);
      assert.ok(!h.sim.hung);
    });

    if (profile === "field-quirks") {
      it("a read of MORE than the link holds freezes the module", async () => {
        await sentAndClosed("hello");
        h.send("AT+CIPRXGET=2,1,6\r");
        assert.strictEqual(await h.settle(2000), "");
        assert.ok(h.sim.hung);
      });

      it("once the link is emptied it is dropped: querying it again freezes the module", async () => {
        await sentAndClosed("hello");
        eq(await h.cmd("AT+CIPRXGET=2,1,5"), line("+CIPRXGET: 2,1,5,0") + "hello" + OK);
        h.send("AT+CIPRXGET=4,1\r");
        assert.strictEqual(await h.settle(2000), "");
        assert.ok(h.sim.hung);
      });

      it("a link the host closed itself is dropped even with data in it: reading it freezes the module", async () => {
        h = new Host({ echo: false, profile });
        peer = await TcpPeer.listen({ echo: false });
        await h.cmd("AT+CIPRXGET=1");
        await h.cmd("AT+NETOPEN", "+NETOPEN: 0\r\n");
        await h.cmd(`AT+CIPOPEN=1,"TCP","127.0.0.1",${peer.port}`, "+CIPOPEN: 1,0\r\n");
        await h.until(() => peer.conns.length === 1);
        peer.send("abc");
        await h.until(() => h.sim.link(1).buffered === 3);
        await h.cmd("AT+CIPCLOSE=1", "+CIPCLOSE: 1,0\r\n");
        h.take();
        h.send("AT+CIPRXGET=2,1,3\r");
        assert.strictEqual(await h.settle(2000), "");
        assert.ok(h.sim.hung);
      });
    } else {
      it("a read of more than the link holds gets what is there; an emptied closed link answers No data", async () => {
        await sentAndClosed("hello");
        assert.strictEqual(await h.cmd("AT+CIPRXGET=2,1,6"), line("+CIPRXGET: 2,1,5,0") + "hello" + OK);
        assert.strictEqual(await h.cmd("AT+CIPRXGET=2,1,6"), line("+IP ERROR: No data") + "\r\nERROR\r\n");
        assert.strictEqual(await h.cmd("AT+CIPRXGET=4,1"), line("+IP ERROR: No data") + "\r\nERROR\r\n");
      });
    }
  });
}
