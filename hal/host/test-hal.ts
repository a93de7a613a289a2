// Host test HAL: a complete Hal on a virtual clock with a simulated UART and recorded pins.
import { Hal } from "../../firmware/core/hal";
import { nodeCodec } from "./codec";
import { SimUart, SimUartOptions } from "./sim-uart";
import { PinRecord, SimInputPin, SimOutputPin } from "./sim-pins";
import { VirtualClock } from "./virtual-clock";

export interface TestHal extends Hal {
  clock: VirtualClock;
  wire: SimUart;
  pwrkey: SimOutputPin;
  dtr: SimOutputPin;
  reset: SimOutputPin;
  powerEnable: SimOutputPin;
  status: SimInputPin;
  ri: SimInputPin;
  /** Every output-pin change, in order, with timestamps. */
  pinLog: PinRecord[];
}

/** A fresh test HAL; time starts at 0 and moves only through `clock`. */
export function createTestHal(options?: Partial<SimUartOptions>): TestHal {
  const clock = new VirtualClock();
  const pinLog: PinRecord[] = [];
  const wire = new SimUart(clock, {
    baud: (options && options.baud) || 115200,
    toHostChunk: options && options.toHostChunk,
    toModemChunk: options && options.toModemChunk,
  });
  return {
    uart: wire.host,
    clock,
    codec: nodeCodec,
    wire,
    pwrkey: new SimOutputPin("pwrkey", clock, pinLog),
    dtr: new SimOutputPin("dtr", clock, pinLog),
    reset: new SimOutputPin("reset", clock, pinLog),
    powerEnable: new SimOutputPin("powerEnable", clock, pinLog),
    status: new SimInputPin("status"),
    ri: new SimInputPin("ri"),
    pinLog,
  };
}
