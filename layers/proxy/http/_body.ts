// The framing of an HTTP/1.1 body: Content-Length counted down, chunked framing followed byte
// by byte (strict CRLF, as a lenient chunk parser smuggles requests). The core skips unread
// request bodies with it and reads request bodies for handlers; the upstream client reads
// response bodies with it. Private to the proxy layer.

const CR = 13;
const LF = 10;

const enum Step {
  Size,
  Ext,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  TrailerStart,
  Trailer,
  TrailerLf,
  FinalLf,
  Done,
}

/** The framing of a body being dropped; `consume()` eats its bytes from a buffer. */
export class BodySkipper {
  #chunked = false;
  #step: Step = Step.Done;
  /** Bytes left: of a Content-Length body, or of the current chunk's data. */
  remaining = 0;
  #size = 0;
  #digits = 0;

  /** Starts a body of `contentLength` bytes (-1: chunked). */
  begin(contentLength: number): void {
    this.#chunked = contentLength < 0;
    this.remaining = contentLength < 0 ? 0 : contentLength;
    this.#step = contentLength === 0 ? Step.Done : contentLength < 0 ? Step.Size : Step.Data;
    this.#size = 0;
    this.#digits = 0;
  }

  /** Whether the whole body has been consumed. */
  get done(): boolean {
    return this.#step === Step.Done;
  }

  /**
   * Consumes body bytes from `buf[start, end)`; returns how many belong to the body (the rest
   * is the next request). Throws a `SyntaxError` on broken chunked framing.
   */
  consume(buf: Uint8Array, start: number, end: number): number {
    let i = start;
    while (i < end && this.#step !== Step.Done) {
      if (this.#step === Step.Data) {
        const n = Math.min(this.remaining, end - i);
        i += n;
        this.remaining -= n;
        if (this.remaining === 0) this.#step = this.#chunked ? Step.DataCr : Step.Done;
        continue;
      }
      this.#framing(buf[i++]);
    }
    return i - start;
  }

  /** Where the data found by the last {@linkcode BodySkipper.take} starts in its buffer. */
  dataStart = 0;
  /** How many data bytes the last {@linkcode BodySkipper.take} found (0: none yet). */
  dataLength = 0;

  /**
   * Consumes framing from `buf[start, end)` up to and including the next run of data bytes,
   * which it reports in `dataStart`/`dataLength` (0 when `end` came first). Returns how many
   * bytes it consumed; call again with the rest. Throws a `SyntaxError` on broken framing.
   */
  take(buf: Uint8Array, start: number, end: number): number {
    let i = start;
    this.dataLength = 0;
    while (i < end && this.#step !== Step.Done) {
      if (this.#step === Step.Data) {
        const n = Math.min(this.remaining, end - i);
        this.dataStart = i;
        this.dataLength = n;
        i += n;
        this.remaining -= n;
        if (this.remaining === 0) this.#step = this.#chunked ? Step.DataCr : Step.Done;
        break;
      }
      this.#framing(buf[i++]);
    }
    return i - start;
  }

  #framing(c: number): void {
    switch (this.#step) {
      case Step.Size: {
        const digit = c >= 48 && c <= 57
          ? c - 48
          : c >= 97 && c <= 102
          ? c - 87
          : c >= 65 && c <= 70
          ? c - 55
          : -1;
        if (digit >= 0) {
          if (++this.#digits > 12) throw new SyntaxError("A chunk size is too large");
          this.#size = this.#size * 16 + digit;
        } else if (this.#digits === 0) {
          throw new SyntaxError("A chunk line has no size");
        } else if (c === CR) {
          this.#step = Step.SizeLf;
        } else if (c === 59 || c === 32 || c === 9) { // ; SP HT
          this.#step = Step.Ext;
        } else {
          throw new SyntaxError("A chunk size is not hexadecimal");
        }
        return;
      }
      case Step.Ext:
        if (c === CR) this.#step = Step.SizeLf;
        else if ((c < 32 && c !== 9) || c === 127) {
          throw new SyntaxError("A chunk extension has a control character");
        }
        return;
      case Step.SizeLf:
        if (c !== LF) throw new SyntaxError("A chunk line does not end in CRLF");
        if (this.#size === 0) this.#step = Step.TrailerStart;
        else {
          this.remaining = this.#size;
          this.#step = Step.Data;
        }
        this.#size = 0;
        this.#digits = 0;
        return;
      case Step.DataCr:
        if (c !== CR) throw new SyntaxError("A chunk is longer than its size");
        this.#step = Step.DataLf;
        return;
      case Step.DataLf:
        if (c !== LF) throw new SyntaxError("A chunk does not end in CRLF");
        this.#step = Step.Size;
        return;
      case Step.TrailerStart:
        this.#step = c === CR ? Step.FinalLf : Step.Trailer;
        if (c === LF) throw new SyntaxError("A trailer line ends in a bare LF");
        return;
      case Step.Trailer:
        if (c === CR) this.#step = Step.TrailerLf;
        else if (c === LF) throw new SyntaxError("A trailer line ends in a bare LF");
        return;
      case Step.TrailerLf:
        if (c !== LF) throw new SyntaxError("A trailer line does not end in CRLF");
        this.#step = Step.TrailerStart;
        return;
      case Step.FinalLf:
        if (c !== LF) throw new SyntaxError("A chunked body does not end in CRLF");
        this.#step = Step.Done;
        return;
    }
  }
}
