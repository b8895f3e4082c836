// Private to the static file engine: the entries by path, bounded by the bytes they hold.
// Eviction is CLOCK (second chance), an LRU approximation where a hit only sets a flag: the
// sweep moves referenced entries to the back once and drops the first unreferenced one.

import type { Entry } from "./_entry.ts";

/** Entries by file-system path, at most `limit` bytes in all. */
export class EntryCache {
  readonly #entries = new Map<string, Entry>();
  readonly #limit: number;
  #bytes = 0;

  constructor(limit: number) {
    this.#limit = Math.max(0, limit);
  }

  /** Bytes charged now. */
  get bytes(): number {
    return this.#bytes;
  }

  /** How many bytes one entry may cost at most. */
  get limit(): number {
    return this.#limit;
  }

  /** The entry for `path`, if cached. */
  get(path: string): Entry | undefined {
    return this.#entries.get(path);
  }

  /** Adds (or replaces) `entry`, then evicts until the total fits; too big: not kept. */
  set(entry: Entry): void {
    this.delete(entry.path);
    if (entry.cost > this.#limit) return;
    this.#entries.set(entry.path, entry);
    this.#bytes += entry.cost;
    if (this.#bytes > this.#limit) this.#evict(entry);
  }

  /** Re-charges `entry` after its content changed size. */
  recharge(entry: Entry, cost: number): void {
    if (this.#entries.get(entry.path) !== entry) {
      entry.cost = cost;
      return;
    }
    this.#bytes += cost - entry.cost;
    entry.cost = cost;
    if (this.#bytes > this.#limit) this.#evict(entry);
  }

  /** Forgets `path`. */
  delete(path: string): void {
    const old = this.#entries.get(path);
    if (old === undefined) return;
    this.#entries.delete(path);
    this.#bytes -= old.cost;
  }

  /** Map order is the clock: a referenced entry goes to the back (and is met again later). */
  #evict(keep: Entry): void {
    for (const [path, entry] of this.#entries) {
      if (this.#bytes <= this.#limit) return;
      if (entry === keep) continue;
      this.#entries.delete(path);
      if (entry.referenced) {
        entry.referenced = false;
        this.#entries.set(path, entry);
      } else {
        this.#bytes -= entry.cost;
      }
    }
  }
}
