// Private to status/: the Prometheus text exposition format 0.0.4 for metric snapshots.
// Every family is written once (HELP, TYPE, then its samples for every snapshot), as the
// format requires samples of a family to be grouped.

import type { MetricsSnapshot } from "./metrics.ts";

const P = "ngw2f_proxy_";

function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

/** `{worker="1",k="v"}`, or the pairs alone without the worker label of a merged snapshot. */
function labels(snapshot: MetricsSnapshot, extra: string): string {
  const worker = snapshot.worker === "" ? "" : `worker="${escapeLabel(snapshot.worker)}"`;
  const inner = worker && extra ? `${worker},${extra}` : worker || extra;
  return inner ? `{${inner}}` : "";
}

function family(out: string[], name: string, type: string, help: string): void {
  out.push(`# HELP ${P}${name} ${help}`, `# TYPE ${P}${name} ${type}`);
}

function statusCodes(snapshot: MetricsSnapshot): string[] {
  return Object.keys(snapshot.statuses).sort((a, b) => Number(a) - Number(b));
}

/** The exposition text of `snapshots` (each with its worker label, none for a merged one). */
export function exposition(snapshots: readonly MetricsSnapshot[]): string {
  const out: string[] = [];
  family(out, "requests_total", "counter", "Requests answered, by status code.");
  for (const s of snapshots) {
    for (const code of statusCodes(s)) {
      out.push(`${P}requests_total${labels(s, `status="${code}"`)} ${s.statuses[code]}`);
    }
  }
  family(out, "requests_by_class_total", "counter", "Requests answered, by status class.");
  for (const s of snapshots) {
    const classes = new Map<string, number>();
    for (const code of statusCodes(s)) {
      const name = `${code[0]}xx`;
      classes.set(name, (classes.get(name) ?? 0) + s.statuses[code]);
    }
    for (const [name, count] of classes) {
      out.push(`${P}requests_by_class_total${labels(s, `class="${name}"`)} ${count}`);
    }
  }
  family(out, "response_bytes_total", "counter", "Bytes sent to clients, heads and bodies.");
  for (const s of snapshots) {
    out.push(`${P}response_bytes_total${labels(s, "")} ${s.responseBytes}`);
  }
  family(out, "request_bytes_total", "counter", "Bytes read from clients, heads and bodies.");
  for (const s of snapshots) out.push(`${P}request_bytes_total${labels(s, "")} ${s.requestBytes}`);
  family(
    out,
    "request_duration_seconds",
    "histogram",
    "Time from a complete request head to the reply's last byte.",
  );
  for (const s of snapshots) {
    let cumulative = 0;
    for (let i = 0; i < s.buckets.length; i++) {
      cumulative += s.durationCounts[i];
      out.push(
        `${P}request_duration_seconds_bucket${labels(s, `le="${s.buckets[i]}"`)} ${cumulative}`,
      );
    }
    cumulative += s.durationCounts[s.buckets.length];
    out.push(`${P}request_duration_seconds_bucket${labels(s, 'le="+Inf"')} ${cumulative}`);
    out.push(`${P}request_duration_seconds_sum${labels(s, "")} ${s.durationSum}`);
    out.push(`${P}request_duration_seconds_count${labels(s, "")} ${cumulative}`);
  }
  const withConnections = snapshots.filter((s) => s.connections !== null);
  if (withConnections.length) {
    family(out, "connections", "gauge", "Client connections, by state.");
    for (const s of withConnections) {
      const c = s.connections!;
      for (const state of ["active", "reading", "writing", "waiting"] as const) {
        out.push(`${P}connections${labels(s, `state="${state}"`)} ${c[state]}`);
      }
    }
    family(out, "connections_accepted_total", "counter", "Client connections accepted.");
    for (const s of withConnections) {
      out.push(`${P}connections_accepted_total${labels(s, "")} ${s.connections!.accepted}`);
    }
    family(out, "connections_handled_total", "counter", "Client connections handled.");
    for (const s of withConnections) {
      out.push(`${P}connections_handled_total${labels(s, "")} ${s.connections!.handled}`);
    }
  }
  out.push("");
  return out.join("\n");
}
