// Private to the static file engine: the request headers static files care about, found in
// one pass over the head, and the toolkit's conditional logic run on them (no Request object,
// no date parsing unless a conditional header is there).

import type { Settings } from "../config/types.ts";
import { evaluatePreconditionsFrom, evaluateRangeFrom } from "../../toolkit/http/conditional.ts";
import { parseHttpDate } from "../../toolkit/http/dates.ts";
import type { ByteRange } from "../../toolkit/http/range.ts";

/** The headers of one request that static files read. Reused: serving is synchronous. */
export class Conditions {
  ifMatch: string | null = null;
  ifNoneMatch: string | null = null;
  ifModifiedSince: string | null = null;
  ifUnmodifiedSince: string | null = null;
  range: string | null = null;
  ifRange: string | null = null;
  acceptEncoding: string | null = null;
  /** What the toolkit sees for If-Modified-Since (after `if_modified_since`). */
  #sinceSeen: string | null = null;

  /** The toolkit's header getter over these fields (made once). */
  readonly header = (name: string): string | null => {
    switch (name) {
      case "if-match":
        return this.ifMatch;
      case "if-none-match":
        return this.ifNoneMatch;
      case "if-modified-since":
        return this.#sinceSeen;
      case "if-unmodified-since":
        return this.ifUnmodifiedSince;
      case "range":
        return this.range;
      case "if-range":
        return this.ifRange;
      default:
        return null;
    }
  };

  /**
   * Reads `headers` (flat pairs, lower-case names; the first of a name wins); true when any
   * precondition or Range header is present.
   */
  scan(headers: string[]): boolean {
    this.ifMatch =
      this.ifNoneMatch =
      this.ifModifiedSince =
      this.ifUnmodifiedSince =
        null;
    this.range = this.ifRange = this.acceptEncoding = null;
    let any = false;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i];
      const first = name.charCodeAt(0);
      if (first === 105) { // i
        if (name.charCodeAt(2) !== 45) continue;
        switch (name) {
          case "if-match":
            this.ifMatch ??= headers[i + 1];
            break;
          case "if-none-match":
            this.ifNoneMatch ??= headers[i + 1];
            break;
          case "if-modified-since":
            this.ifModifiedSince ??= headers[i + 1];
            break;
          case "if-unmodified-since":
            this.ifUnmodifiedSince ??= headers[i + 1];
            break;
          case "if-range":
            this.ifRange ??= headers[i + 1];
            break;
          default:
            continue;
        }
        any = true;
      } else if (first === 114 && name === "range") { // r
        this.range ??= headers[i + 1];
        any = true;
      } else if (first === 97 && name === "accept-encoding") { // a
        this.acceptEncoding ??= headers[i + 1];
      }
    }
    return any;
  }

  /**
   * The preconditions' verdict for a file (RFC 9110 §13.2.2, via the toolkit), with
   * `if_modified_since`: `off` ignores the header, `exact` needs the exact second, `before`
   * accepts any date not before the file's.
   */
  preconditions(
    method: string,
    etag: string | null,
    mtime: number,
    settings: Settings,
  ): 200 | 304 | 412 {
    let since = this.ifModifiedSince;
    if (since !== null) {
      const mode = settings.ifModifiedSince;
      if (mode === "off") {
        since = null;
      } else if (mode === "exact") {
        const date = parseHttpDate(since);
        if (date === null || date.getTime() !== Math.floor(mtime / 1000) * 1000) since = null;
      }
    }
    this.#sinceSeen = since;
    return evaluatePreconditionsFrom(method, this.header, { etag, lastModified: mtime });
  }

  /** The ranges to send: null for the whole file, `"unsatisfiable"` for a 416. */
  ranges(
    method: string,
    etag: string | null,
    mtime: number,
    size: number,
  ): ByteRange[] | null | "unsatisfiable" {
    if (this.range === null) return null;
    return evaluateRangeFrom(method, this.header, { etag, lastModified: mtime, size });
  }
}
