// Host (Node) ByteCodec: 8-bit strings <-> bytes through Buffer's native latin1 conversion.
import { ByteCodec } from "../../firmware/core/hal";

export const nodeCodec: ByteCodec = {
  toBytes(s: string): Uint8Array {
    const b = Buffer.from(s, "latin1");
    return new Uint8Array(b.buffer, b.byteOffset, b.length);
  },
  fromBytes(bytes: Uint8Array, start: number, end: number): string {
    return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString("latin1");
  },
  is8bit(s: string): boolean {
    return !/[^\x00-\xff]/.test(s);
  },
};
