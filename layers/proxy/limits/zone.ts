/**
 * A fixed-size hash table in one buffer that every proxy worker opens: the shared memory
 * `zone=name:10m` of nginx's `limit_req_zone` and `limit_conn_zone`. The master makes the
 * buffer ({@linkcode limitZoneBuffer}) and hands it to each worker; each opens a
 * {@linkcode SharedZone} over it and sees the same entries.
 *
 * A key is hashed with 64-bit FNV-1a; a slot keeps the hash and the key's length, not the key,
 * so two keys whose hashes and lengths both match would share an entry (about one chance in
 * 2^64 per pair). The table is open addressing in buckets of {@linkcode ZONE_BUCKET_SLOTS}
 * slots with two choices: the hash picks two buckets, and a key lives in any slot of either
 * (a new one goes to the emptier), which keeps buckets evenly filled until the table is
 * nearly full. A lock word per bucket, taken with `Atomics.compareExchange` (both buckets,
 * lower first), makes every read-modify-write of an entry whole, so two workers never lose
 * each other's updates or insert one key twice.
 *
 * When a new key finds both buckets full, the entry of the two the zone's `victimScore`
 * ranks highest is evicted (a limit's drained entries first, then the least recently used, as
 * nginx evicts old states); when no entry may go (every one still counts open connections)
 * the key gets no slot, and the limits answer with their error status as nginx does when its
 * zone is full. Unlike nginx's global LRU list, eviction looks only at the key's 16 slots.
 *
 * A worker that dies inside its sub-microsecond critical section would leave a bucket
 * locked: a waiter that sees the same holder for {@linkcode ZONE_LOCK_STEAL_MS} takes the
 * lock over, as nginx's master frees the locks of a dead worker.
 *
 * @module
 */

/** Slots in a bucket: a key may live in any slot of the two buckets its hash picks. */
export const ZONE_BUCKET_SLOTS = 8;
/** A waiter that sees one holder keep a bucket's lock this long takes it over (ms). */
export const ZONE_LOCK_STEAL_MS = 200;
/** A waiter gives up on a lock that keeps changing hands for this long (ms). */
const LOCK_GIVE_UP_MS = 2000;

/** {@linkcode SharedZone.open} found no entry for the key and was told not to make one. */
export const ZONE_ABSENT: number = -1;
/** {@linkcode SharedZone.open} found the key's buckets full of entries none of which may go. */
export const ZONE_FULL: number = -2;
/** {@linkcode SharedZone.open} could not take the key's bucket locks in time. */
export const ZONE_BUSY: number = -3;

// The header: four Int32 cells.
const HEADER_BYTES = 16;
/** Which kind of zone the buffer holds, set by the first opener. */
const KIND = 0;
/** Openers so far: each takes a distinct id for its lock stamps. */
const OPENERS = 1;
/** Entries evicted to make room, counted across workers. */
const EVICTIONS = 2;
// Per slot, three Int32 cells: the hash's two halves and the key's length + 1 (0: empty).
const META = 3;
const HASH_HI = 0;
const HASH_LO = 1;
const LENGTH = 2;
const KIND_MARK = 0x5a00_0000;
const INVERSE_2_32 = 2 ** -32;

/** How a {@linkcode SharedZone} lays its slots out and picks the entry to evict. */
export interface SharedZoneOptions {
  /** Float64 fields per entry (1–32): what the owner keeps for each key. */
  fields: number;
  /**
   * Which kind of zone this is (1–255): opening a buffer that holds another kind, or the same
   * kind with another field count, throws.
   */
  kind: number;
  /**
   * How willingly the entry whose fields start at `values[base]` goes to make room: a
   * negative score keeps it, otherwise the highest score in the bucket goes (`Infinity` for an
   * entry worth nothing, the age for the least recently used).
   */
  victimScore: (values: Float64Array, base: number, nowMs: number) => number;
}

function layout(byteLength: number, fields: number) {
  const bucketBytes = 4 + ZONE_BUCKET_SLOTS * (META * 4 + fields * 8);
  // 4 bytes for the padding that aligns the Float64 values to 8.
  const buckets = Math.max(0, Math.floor((byteLength - HEADER_BYTES - 4) / bucketBytes));
  const capacity = buckets * ZONE_BUCKET_SLOTS;
  const metaOffset = HEADER_BYTES + buckets * 4;
  const valuesOffset = Math.ceil((metaOffset + capacity * META * 4) / 8) * 8;
  return { buckets, capacity, metaOffset, valuesOffset, bucketBytes };
}

/**
 * How many entries a zone of `sizeBytes` bytes holds with `fields` Float64 fields per entry: a
 * whole number of buckets, `0` when the size holds none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { zoneCapacity } from "./zone.ts";
 *
 * assert.equal(zoneCapacity(1024 * 1024, 3), 28720);
 * assert.equal(zoneCapacity(100, 3), 0);
 * ```
 */
export function zoneCapacity(sizeBytes: number, fields: number): number {
  return layout(sizeBytes, fields).capacity;
}

/**
 * A zeroed `SharedArrayBuffer` of `sizeBytes` bytes for a limit zone (nginx's `zone=name:10m`
 * is `10 * 1024 * 1024`), made once by the master and handed to every worker.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { limitZoneBuffer } from "./zone.ts";
 *
 * assert.equal(limitZoneBuffer(1024 * 1024).byteLength, 1048576);
 * ```
 */
export function limitZoneBuffer(sizeBytes: number): SharedArrayBuffer {
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0) {
    throw new RangeError(`Cannot make a limit zone: "${sizeBytes}" is not a size in bytes`);
  }
  return new SharedArrayBuffer(sizeBytes);
}

/**
 * One worker's view of a shared hash table of keyed entries, each a few Float64 fields.
 * Open the key's entry (its buckets stay locked), read and write `values` from
 * `slot * fields`, then close it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { limitZoneBuffer, SharedZone } from "./zone.ts";
 *
 * const buffer = limitZoneBuffer(4096);
 * const options = { fields: 1, kind: 9, victimScore: () => 0 };
 * const one = new SharedZone(buffer, options);
 * const two = new SharedZone(buffer, options);
 * const slot = one.open("10.0.0.1", 0, true);
 * one.values[slot] += 1;
 * one.close();
 * assert.equal(two.open("10.0.0.1", 0, false), slot);
 * assert.equal(two.values[slot], 1);
 * two.close();
 * ```
 */
export class SharedZone {
  /** Entries the table holds. */
  readonly capacity: number;
  /** Float64 fields per entry. */
  readonly fields: number;
  /** Every entry's fields: the entry in slot `s` has `values[s * fields + f]`. */
  readonly values: Float64Array;
  /** Whether the entry the last successful {@linkcode open} returned was made by it, zeroed. */
  created = false;
  readonly #buckets: number;
  readonly #header: Int32Array;
  readonly #locks: Int32Array;
  readonly #meta: Int32Array;
  readonly #score: (values: Float64Array, base: number, nowMs: number) => number;
  /** Lock stamps: this opener's id in the high half, a sequence number in the low half. */
  readonly #stampBase: number;
  #sequence = 0;
  /** The buckets this view holds locked (the same one twice when one); -1 for none. */
  #low = -1;
  #high = -1;
  #stamp = 0;
  /** What the last {@linkcode #find} saw besides the key: its first free slot and free count. */
  #free = -1;
  #freeCount = 0;
  /** The score of the entry the last {@linkcode #victim} picked. */
  #victimScore = -1;

  /**
   * Opens the zone in `buffer`, claiming it for `options.kind` if it is new.
   *
   * @throws {RangeError} When the buffer holds no bucket.
   * @throws {TypeError} When the buffer holds a zone of another kind or field count.
   */
  constructor(buffer: SharedArrayBuffer | ArrayBuffer, options: SharedZoneOptions) {
    const { fields, kind } = options;
    if (!Number.isInteger(fields) || fields < 1 || fields > 32) {
      throw new RangeError(`Cannot open a limit zone: "${fields}" is not a field count (1-32)`);
    }
    if (!Number.isInteger(kind) || kind < 1 || kind > 255) {
      throw new RangeError(`Cannot open a limit zone: "${kind}" is not a zone kind (1-255)`);
    }
    const at = layout(buffer.byteLength, fields);
    if (at.buckets === 0) {
      throw new RangeError(
        `Cannot open a limit zone: "${buffer.byteLength}" bytes hold no bucket; ` +
          `at least "${HEADER_BYTES + 4 + at.bucketBytes}" are needed`,
      );
    }
    this.capacity = at.capacity;
    this.fields = fields;
    this.#buckets = at.buckets;
    this.#header = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    this.#locks = new Int32Array(buffer, HEADER_BYTES, at.buckets);
    this.#meta = new Int32Array(buffer, at.metaOffset, at.capacity * META);
    this.values = new Float64Array(buffer, at.valuesOffset, at.capacity * fields);
    const mark = KIND_MARK | (kind << 8) | fields;
    const was = Atomics.compareExchange(this.#header, KIND, 0, mark);
    if (was !== 0 && was !== mark) {
      throw new TypeError(
        `Cannot open a limit zone: the buffer holds a zone of kind "${(was >> 8) & 0xff}" ` +
          `with "${was & 0xff}" fields, not kind "${kind}" with "${fields}"`,
      );
    }
    const id = Atomics.add(this.#header, OPENERS, 1) % 0x7fff + 1;
    this.#stampBase = id << 16;
    this.#score = options.victimScore;
  }

  /** Entries evicted to make room for new keys, by every worker since the zone was made. */
  get evictions(): number {
    return Atomics.load(this.#header, EVICTIONS);
  }

  /** Entries in use now (read without locks: a moment's count). */
  size(): number {
    let used = 0;
    for (let s = 0; s < this.capacity; s++) if (this.#meta[s * META + LENGTH] !== 0) used++;
    return used;
  }

  /**
   * Locks `key`'s buckets and returns the slot of its entry; when there is none, makes one
   * (zeroed, {@linkcode created} set) if `create`: in the bucket with more free slots, or in
   * place of the entry the `victimScore` ranks highest (`nowMs` is passed to it) when both are
   * full. A slot (≥ 0) leaves the buckets locked until {@linkcode close};
   * {@linkcode ZONE_ABSENT}, {@linkcode ZONE_FULL} and {@linkcode ZONE_BUSY} leave them
   * unlocked.
   *
   * @throws {Error} When this view already holds an entry open.
   */
  open(key: string, nowMs: number, create: boolean): number {
    if (this.#low >= 0) {
      throw new Error("Cannot open a zone entry: another one is open; close() it first");
    }
    // 64-bit FNV-1a over the UTF-16 code units, in two 32-bit halves.
    let hi = 0xcbf29ce4 | 0;
    let lo = 0x84222325 | 0;
    for (let i = 0; i < key.length; i++) {
      lo ^= key.charCodeAt(i);
      // × 0x100000001b3 = × 0x1b3 + × 2^40, modulo 2^64; `carry` is the high half of lo × 0x1b3.
      const carry = (Math.imul(lo >>> 16, 0x1b3) + (Math.imul(lo & 0xffff, 0x1b3) >>> 16)) >>> 16;
      hi = (Math.imul(hi, 0x1b3) + carry + (lo << 8)) | 0;
      lo = Math.imul(lo, 0x1b3);
    }
    const length = key.length + 1;
    // FNV-1a leaves its last characters in the low bits: mix both halves with murmur3's
    // finalizer steps, then scale (not divide) to a bucket: floor(mix × buckets / 2^32).
    const buckets = this.#buckets;
    let mix = hi ^ lo;
    mix = Math.imul(mix ^ (mix >>> 16), 0x85ebca6b);
    mix = Math.imul(mix ^ (mix >>> 13), 0xc2b2ae35);
    mix ^= mix >>> 16;
    const one = ((mix >>> 0) * buckets * INVERSE_2_32) | 0;
    mix = Math.imul(mix ^ (mix >>> 15), 0x2c1b3c6d);
    mix ^= mix >>> 12;
    const two = ((mix >>> 0) * buckets * INVERSE_2_32) | 0;
    const low = one < two ? one : two;
    const high = one < two ? two : one;
    // The lower bucket's lock first, the higher's only if the key is not in the lower one:
    // one order, so no deadlock; an entry changes only under its own bucket's lock, and a key
    // is added only under both, so a key found in the lower bucket has no other copy.
    const stamp = this.#stampBase | (++this.#sequence & 0xffff);
    if (!this.#lock(low, stamp)) return ZONE_BUSY;
    this.#stamp = stamp;
    this.#low = low;
    this.#high = low;
    let slot = this.#find(low, hi, lo, length);
    if (slot >= 0) {
      this.created = false;
      return slot;
    }
    let free = this.#free;
    if (high !== low) {
      if (!this.#lock(high, stamp)) {
        this.#unlock();
        return ZONE_BUSY;
      }
      this.#high = high;
      const freeLow = this.#freeCount;
      slot = this.#find(high, hi, lo, length);
      if (slot >= 0) {
        this.created = false;
        return slot;
      }
      // Two choices: the emptier bucket, the lower (one lock to find it again) on a tie.
      if (this.#free >= 0 && (free < 0 || this.#freeCount > freeLow)) free = this.#free;
    }
    if (!create) {
      this.#unlock();
      return ZONE_ABSENT;
    }
    if (free < 0) {
      free = this.#victim(low, nowMs);
      if (high !== low) {
        const lowScore = this.#victimScore;
        const other = this.#victim(high, nowMs);
        if (this.#victimScore > lowScore) free = other;
      }
      if (free < 0) {
        this.#unlock();
        return ZONE_FULL;
      }
      Atomics.add(this.#header, EVICTIONS, 1);
    }
    const meta = this.#meta;
    const m = free * META;
    meta[m + HASH_HI] = hi;
    meta[m + HASH_LO] = lo;
    meta[m + LENGTH] = length;
    const values = this.values;
    for (let f = free * this.fields, end = f + this.fields; f < end; f++) values[f] = 0;
    this.created = true;
    return free;
  }

  /** Deletes the entry in `slot`, which must be the open one; its buckets stay locked. */
  remove(slot: number): void {
    const bucket = Math.floor(slot / ZONE_BUCKET_SLOTS);
    if (this.#low < 0 || (bucket !== this.#low && bucket !== this.#high)) {
      throw new Error(`Cannot remove zone slot "${slot}": it is not the open entry`);
    }
    const meta = this.#meta;
    meta[slot * META + HASH_HI] = 0;
    meta[slot * META + HASH_LO] = 0;
    meta[slot * META + LENGTH] = 0;
  }

  /** Unlocks the buckets of the entry {@linkcode open} returned. */
  close(): void {
    if (this.#low >= 0) this.#unlock();
  }

  /** The key's slot in `bucket`, or -1 with the bucket's free slots in `#free`, `#freeCount`. */
  #find(bucket: number, hi: number, lo: number, length: number): number {
    const meta = this.#meta;
    const first = bucket * ZONE_BUCKET_SLOTS;
    const end = first + ZONE_BUCKET_SLOTS;
    let free = -1;
    let count = 0;
    for (let s = first; s < end; s++) {
      const m = s * META;
      const len = meta[m + LENGTH];
      if (len === 0) {
        if (free < 0) free = s;
        count++;
      } else if (len === length && meta[m + HASH_LO] === lo && meta[m + HASH_HI] === hi) {
        return s;
      }
    }
    this.#free = free;
    this.#freeCount = count;
    return -1;
  }

  /** The slot of `bucket` the `victimScore` ranks highest (its score in `#victimScore`), or -1. */
  #victim(bucket: number, nowMs: number): number {
    const first = bucket * ZONE_BUCKET_SLOTS;
    let best = -1;
    let bestScore = -1;
    for (let s = first; s < first + ZONE_BUCKET_SLOTS; s++) {
      const score = this.#score(this.values, s * this.fields, nowMs);
      if (score > bestScore) {
        best = s;
        bestScore = score;
      }
    }
    this.#victimScore = bestScore;
    return best;
  }

  /** Takes `bucket`'s lock with `stamp`, waiting for it if taken. */
  #lock(bucket: number, stamp: number): boolean {
    return Atomics.compareExchange(this.#locks, bucket, 0, stamp) === 0 ||
      this.#wait(bucket, stamp);
  }

  /** Spins for a contended lock: `true` once it is ours, `false` if it stayed taken too long. */
  #wait(bucket: number, stamp: number): boolean {
    const locks = this.#locks;
    const start = performance.now();
    let holder = Atomics.load(locks, bucket);
    let since = start;
    for (let spin = 1;; spin++) {
      Atomics.pause?.();
      const seen = Atomics.compareExchange(locks, bucket, 0, stamp);
      if (seen === 0) return true;
      if ((spin & 0x3ff) !== 0) continue;
      const now = performance.now();
      if (seen !== holder) {
        holder = seen;
        since = now;
      } else if (now - since >= ZONE_LOCK_STEAL_MS) {
        // One holder all this time: a worker that died holding it.
        if (Atomics.compareExchange(locks, bucket, holder, stamp) === holder) return true;
        since = now;
      }
      if (now - start >= LOCK_GIVE_UP_MS) return false;
    }
  }

  #unlock(): void {
    // Only our own stamp: if a waiter took a lock over from us, it is now theirs.
    Atomics.compareExchange(this.#locks, this.#low, this.#stamp, 0);
    if (this.#high !== this.#low) Atomics.compareExchange(this.#locks, this.#high, this.#stamp, 0);
    this.#low = -1;
    this.#high = -1;
  }
}
