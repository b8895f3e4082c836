// A response body passed through chunk by chunk, reporting when it has been read to the end,
// cancelled by the reader, failed, or cut by the client.

/** How a tracked body ended: `undefined` when it was read or cancelled, else the failure. */
export type BodyEnd = (failure: unknown) => void;

/** Wraps an app's body stream; `stream` is what the test reads. */
export class TrackedBody {
  readonly stream: ReadableStream<Uint8Array>;
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #onEnd: BodyEnd;
  #ended = false;

  constructor(source: ReadableStream<Uint8Array>, onEnd: BodyEnd) {
    this.#reader = source.getReader();
    this.#onEnd = onEnd;
    // highWaterMark 0: nothing is read from the app before the test asks for it.
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      pull: () => this.#pull(),
      cancel: (reason) => {
        this.#end(undefined);
        return this.#reader.cancel(reason);
      },
    }, { highWaterMark: 0 });
  }

  /** Stops the body (the client closed or the request was aborted): the reader sees `reason`. */
  cut(reason: unknown): void {
    if (this.#ended) return;
    this.#end(reason);
    this.#controller.error(reason);
    this.#reader.cancel(reason).catch(() => {});
  }

  // A promise chain rather than an async function: this runs for every chunk.
  #pull(): Promise<void> {
    return this.#reader.read().then((result) => {
      if (this.#ended) return;
      if (result.done) {
        this.#end(undefined);
        this.#controller.close();
      } else {
        this.#controller.enqueue(result.value);
      }
    }, (error) => {
      if (this.#ended) return;
      this.#end(error);
      this.#controller.error(error);
    });
  }

  #end(failure: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#onEnd(failure);
  }
}
