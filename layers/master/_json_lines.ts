// JSON lines over a connection: how a process worker and its master talk. Private to master/.

const encoder = new TextEncoder();

/** Writes values as JSON lines, in order, one write at a time; errors end the stream quietly. */
export function jsonLineWriter(conn: () => Deno.Conn): {
  write(value: unknown): void;
  flushed(): Promise<void>;
} {
  let queue = Promise.resolve();
  return {
    write(value) {
      const bytes = encoder.encode(JSON.stringify(value) + "\n");
      queue = queue.then(async () => {
        let off = 0;
        while (off < bytes.length) off += await conn().write(bytes.subarray(off));
      }).catch(() => {});
    },
    flushed: () => queue,
  };
}

/** Calls `onValue` for each JSON line read from `conn`; resolves when the connection ends. */
export async function readJsonLines(
  conn: Deno.Conn,
  onValue: (value: unknown) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let text = "";
  try {
    for await (const chunk of conn.readable) {
      text += decoder.decode(chunk, { stream: true });
      let nl;
      while ((nl = text.indexOf("\n")) !== -1) {
        const line = text.slice(0, nl);
        text = text.slice(nl + 1);
        if (line) onValue(JSON.parse(line));
      }
    }
  } catch { /* the other side is gone */ }
}
