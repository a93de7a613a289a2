// A small scripted modem for AT engine tests: reacts to the host's commands with byte-exact answers.
//
// Rules map a command (exact text without CR, or a RegExp) to a reply: a string written as is, or a
// function that may write several times, schedule later writes, or ask for a payload after a prompt.
// Rules added with `once` are used a single time and take precedence over permanent ones. With
// `echo` on, every command is echoed as `<command><CR>` before the reply, as the module does. ESC
// discards the command line typed so far, and cancels a payload being taken (nothing is sent). In
// data mode (set by a rule with its CONNECT) bytes go to the peer until "+++".
import { TestHal } from "../../hal/host/test-hal";

export type Reply = string | ((cmd: string, modem: FakeModem) => void);

interface Rule {
  match: string | RegExp;
  reply: Reply;
  once: boolean;
}

export class FakeModem {
  /** Commands received (without CR), in order; raw writes without CR (e.g. "+++") are not listed. */
  readonly commands: string[] = [];
  /** Payloads received after prompts. */
  readonly payloads: string[] = [];
  echo = false;
  /** ESC bytes received. */
  escapes = 0;
  /** In data mode (a rule sets it with its CONNECT): bytes go to `peer` until "+++" (guard times not modelled). */
  dataMode = false;
  /** Bytes carried to the peer in data mode. */
  peer = "";
  private rules: Rule[] = [];
  private rx = "";
  private payloadLeft = 0;
  private payloadAcc = "";
  private payloadThen: ((data: string) => void) | undefined;

  constructor(private hal: TestHal) {
    hal.wire.modem.onData((chunk) => this.onHost(chunk));
  }

  /** Answer `match` with `reply` every time. */
  on(match: string | RegExp, reply: Reply): this {
    this.rules.push({ match, reply, once: false });
    return this;
  }

  /** Answer `match` with `reply` the next time only (before permanent rules). */
  once(match: string | RegExp, reply: Reply): this {
    this.rules.push({ match, reply, once: true });
    return this;
  }

  /** Write bytes to the host now. */
  send(data: string): void {
    this.hal.wire.modem.write(data);
  }

  /** Write bytes to the host after `ms` of virtual time. */
  later(ms: number, data: string): void {
    this.hal.clock.setTimeout(() => this.send(data), ms);
  }

  /** After a prompt: take exactly `n` bytes from the host, then call `then` with them. */
  expectPayload(n: number, then: (data: string) => void): void {
    this.payloadLeft = n;
    this.payloadAcc = "";
    this.payloadThen = then;
  }

  private find(cmd: string): Rule | undefined {
    const test = (r: Rule) => (typeof r.match === "string" ? r.match === cmd : r.match.test(cmd));
    for (let i = 0; i < this.rules.length; i++) {
      const r = this.rules[i];
      if (r.once && test(r)) {
        this.rules.splice(i, 1);
        return r;
      }
    }
    for (let i = 0; i < this.rules.length; i++) if (test(this.rules[i])) return this.rules[i];
    return undefined;
  }

  private onHost(chunk: string): void {
    if (this.dataMode) {
      this.peer += chunk;
      if (this.peer.substr(this.peer.length - 3) === "+++") {
        this.peer = this.peer.substr(0, this.peer.length - 3);
        this.dataMode = false;
        const rule = this.find("+++");
        if (rule) {
          if (typeof rule.reply === "string") this.send(rule.reply);
          else rule.reply("+++", this);
        }
      }
      return;
    }
    let pos = 0;
    while (pos < chunk.length) {
      if (chunk.charCodeAt(pos) === 27) {
        this.escapes++;
        this.rx = "";
        this.payloadLeft = 0;
        this.payloadThen = undefined;
        pos++;
        continue;
      }
      if (this.payloadLeft > 0) {
        const esc = chunk.indexOf("\x1b", pos);
        const take = Math.min(this.payloadLeft, (esc < 0 ? chunk.length : esc) - pos);
        this.payloadAcc += chunk.substr(pos, take);
        this.payloadLeft -= take;
        pos += take;
        if (this.payloadLeft === 0) {
          const then = this.payloadThen;
          this.payloadThen = undefined;
          this.payloads.push(this.payloadAcc);
          if (then) then(this.payloadAcc);
        }
        continue;
      }
      const e = chunk.indexOf("\x1b", pos);
      const cr = chunk.indexOf("\r", pos);
      if (e >= 0 && (cr < 0 || e < cr)) {
        this.rx += chunk.substring(pos, e);
        pos = e;
        continue;
      }
      if (cr < 0) {
        this.rx += chunk.substr(pos);
        if (this.rx === "+++") {
          // the escape sequence is a "command" without CR
          this.rx = "";
          const rule = this.find("+++");
          if (rule) {
            if (typeof rule.reply === "string") this.send(rule.reply);
            else rule.reply("+++", this);
          }
        }
        return;
      }
      const cmd = this.rx + chunk.substring(pos, cr);
      this.rx = "";
      pos = cr + 1;
      this.commands.push(cmd);
      if (this.echo) this.send(cmd + "\r");
      const rule = this.find(cmd);
      if (!rule) continue;
      if (typeof rule.reply === "string") this.send(rule.reply);
      else rule.reply(cmd, this);
    }
  }
}
