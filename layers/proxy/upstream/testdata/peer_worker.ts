// A worker thread for peers_test.ts: opens the PeerTable the test shares with it, says it is
// ready through `gate[0]`, waits for `gate[1]` so that both threads count at once, counts
// `acquires` connections to peer 0, fails peer 1 `fails` times at `now`, and reports what it
// saw of the test's own counting.
import { type PeerConfig, PeerTable } from "../peers.ts";

/** What the test sends. */
export interface PeerWorkerTask {
  buffer: SharedArrayBuffer;
  byteOffset: number;
  peers: PeerConfig[];
  gate: Int32Array;
  acquires: number;
  fails: number;
  now: number;
}

/** What the worker answers. */
export interface PeerWorkerReport {
  /** Peer 2's open connections, which only the test counts. */
  peer2Active: number;
  /** Peer 0's open connections after this worker's acquires (the test's may still run). */
  peer0Active: number;
}

const scope = globalThis as unknown as {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent<PeerWorkerTask>) => void) | null;
};

scope.onmessage = ({ data }) => {
  const table = new PeerTable(data.peers, data.buffer, data.byteOffset);
  Atomics.store(data.gate, 0, 1);
  Atomics.wait(data.gate, 1, 0, 10_000);
  for (let n = 0; n < data.acquires; n++) table.acquire(0);
  for (let n = 0; n < data.fails; n++) table.fail(1, data.now);
  const report: PeerWorkerReport = { peer2Active: table.active(2), peer0Active: table.active(0) };
  scope.postMessage(report);
};
