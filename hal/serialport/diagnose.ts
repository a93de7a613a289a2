// Why a serial device cannot be opened, most likely cause first with the evidence: from the file system before opening, and from serialport's error text after.
import * as fs from "fs";

/** How to list serial ports, for messages. */
export const LIST_PORTS_HINT = "list ports with: make ports, or ls /dev/ttyUSB* /dev/ttyACM* (macOS: ls /dev/cu.*)";

function errnoCode(e: unknown): string {
  return e && typeof e === "object" && "code" in e ? String((e as { code: unknown }).code) : "";
}

/**
 * Checks from the file system alone (nothing opened) whether `path` can be a serial device this user
 * may open. Returns undefined when it can, else one line: "cannot open <path>: <what> — <most likely cause and what to do>".
 */
export function checkSerialPath(path: string): string | undefined {
  let link: string | undefined;
  try {
    if (fs.lstatSync(path).isSymbolicLink()) link = fs.readlinkSync(path);
  } catch (e) {
    if (errnoCode(e) === "ENOENT")
      return `cannot open ${path}: no such device — check PORT=${path}: is the adapter plugged in? ${LIST_PORTS_HINT}; a simulator's PTY exists only while make sim runs`;
  }
  let st: fs.Stats;
  try {
    st = fs.statSync(path);
  } catch (e) {
    if (errnoCode(e) === "ENOENT" && link !== undefined)
      return `cannot open ${path}: no such device — it is a link to ${link}, which no longer exists: the program that made it (make sim?) has stopped; start it again`;
    if (errnoCode(e) === "EACCES") return permission(path);
    return `cannot open ${path}: ${(e as Error).message}`;
  }
  if (st.isDirectory()) return `cannot open ${path}: it is a directory, not a serial device — ${LIST_PORTS_HINT}`;
  if (!st.isCharacterDevice()) return `cannot open ${path}: not a serial device (a ${st.isFile() ? "regular file" : "non-device file"}) — ${LIST_PORTS_HINT}`;
  try {
    fs.accessSync(path, fs.constants.R_OK | fs.constants.W_OK);
  } catch (e) {
    if (errnoCode(e) === "EACCES" || errnoCode(e) === "EPERM") return permission(path);
  }
  // Not opened here: opening a real adapter raises its DTR/RTS lines, which may press PWRKEY or reset a board.
  return undefined;
}

function permission(path: string): string {
  let group = "";
  try {
    const st = fs.statSync(path);
    group = ` (owned by uid ${st.uid}, gid ${st.gid}, mode ${(st.mode & 0o777).toString(8)})`;
  } catch (e) {
    void e;
  }
  return `cannot open ${path}: permission denied${group} — your user may not use serial devices: add it to the device's group (usually dialout: sudo usermod -aG dialout $USER, then log in again)`;
}

function inUse(path: string): string {
  return `cannot open ${path}: in use by another program — close the other terminal, make repl or make host on it (or stop ModemManager) and try again`;
}

/** Turns serialport's open error text into the same one-line form. */
export function describeOpenError(path: string, message: string): string {
  const m = message.replace(/^Error:\s*/, "");
  if (/No such file or directory/i.test(m)) return checkSerialPath(path) || `cannot open ${path}: no such device — ${LIST_PORTS_HINT}`;
  if (/Permission denied/i.test(m)) return permission(path);
  if (/Resource busy|Cannot lock port|temporarily unavailable/i.test(m)) return inUse(path);
  if (/Inappropriate ioctl/i.test(m)) return `cannot open ${path}: not a serial device (${m}) — ${LIST_PORTS_HINT}`;
  if (/Input\/output error|No such device or address|No such device/i.test(m))
    return `cannot open ${path}: no device answers behind it (${m}) — the adapter was unplugged, or the port has no hardware behind it; ${LIST_PORTS_HINT}`;
  if (/Is a directory/i.test(m)) return `cannot open ${path}: it is a directory, not a serial device — ${LIST_PORTS_HINT}`;
  return `cannot open ${path}: ${m}`;
}
