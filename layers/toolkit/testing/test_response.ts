/**
 * The response the test client returns: the app's `Response`, plus the request that produced it
 * and the redirects followed on the way.
 *
 * @module
 */

/** What a {@linkcode TestResponse} is made from: a `ResponseInit` plus the request. */
export interface TestResponseInit extends ResponseInit {
  /** The request sent for this response. */
  request: Request;
  /** The earlier responses when redirects were followed, oldest first. */
  history?: readonly TestResponse[];
}

/**
 * A standard `Response` (its body streams exactly as the app wrote it) that also knows the
 * `request` it answers and the `history` of redirects followed before it. `url` is the request's
 * URL and `redirected` is true after a redirect, as with `fetch()`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TestResponse } from "./test_response.ts";
 *
 * const request = new Request("http://localhost/hello");
 * const response = new TestResponse('{"ok":true}', { status: 200, request });
 * assert.equal(response.url, "http://localhost/hello");
 * assert.equal(response.redirected, false);
 * assert.deepEqual(await response.json<{ ok: boolean }>(), { ok: true });
 * ```
 */
export class TestResponse extends Response {
  /** The request sent for this response (the last one, after redirects). */
  readonly request: Request;
  /** The responses of the redirects followed before this one, oldest first. */
  readonly history: readonly TestResponse[];

  /** Wraps a body and response init; the client builds these, tests rarely need to. */
  constructor(body: BodyInit | null, init: TestResponseInit) {
    super(body, init);
    this.request = init.request;
    this.history = init.history ?? [];
  }

  /** The URL of the request this response answers. */
  override get url(): string {
    return this.request.url;
  }

  /** True when redirects were followed to get this response. */
  override get redirected(): boolean {
    return this.history.length > 0;
  }

  /** The body parsed as JSON, typed as `T` (unchecked). */
  override json<T = unknown>(): Promise<T> {
    return super.json() as Promise<T>;
  }
}
