// Private to logs/: the time stamps of log lines, each built once per second (UTC, as the
// rest of ngw2f logs). `$msec` changes every millisecond and is built per call.

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

let second = NaN;
let local = "";
let iso = "";
let errorStamp = "";

function refresh(ms: number): void {
  const s = Math.floor(ms / 1000);
  if (s === second) return;
  second = s;
  const d = new Date(s * 1000);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth();
  const day = pad(d.getUTCDate());
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  local = `${day}/${MONTHS[month]}/${year}:${time} +0000`;
  iso = `${year}-${pad(month + 1)}-${day}T${time}+00:00`;
  errorStamp = `${year}/${pad(month + 1)}/${day} ${time}`;
}

/** `$time_local`: `26/Nov/2026:14:21:45 +0000`. */
export function timeLocal(ms: number): string {
  refresh(ms);
  return local;
}

/** `$time_iso8601`: `2026-11-26T14:21:45+00:00`. */
export function timeIso8601(ms: number): string {
  refresh(ms);
  return iso;
}

/** An error log line's stamp: `2026/11/26 14:21:45`. */
export function errorTime(ms: number): string {
  refresh(ms);
  return errorStamp;
}

/** Seconds with milliseconds, nginx's `%T.%03M`: `1795703505.123`, `0.001`. */
export function secondsWithMillis(ms: number): string {
  const whole = Math.max(0, Math.round(ms));
  const frac = whole % 1000;
  return `${Math.floor(whole / 1000)}.${frac < 10 ? "00" : frac < 100 ? "0" : ""}${frac}`;
}
