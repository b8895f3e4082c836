// Private to middleware/: a cheap view of a Context with a few fields changed (remote address,
// scheme, root path), sharing everything else — state, signal, waitUntil, log — with the
// original. `Object.create(ctx, …)` does not work here: the gateway's context keeps its lazy
// fields in #private slots, so its getters throw when `this` is a derived object; and defining
// accessors per request costs ~1 µs. A view is one small class instance (a few ns).

import { type Context, createContext, silentLogger } from "../../gateway/mod.ts";

/** The fields a middleware may change for the app it wraps. */
export interface ContextChanges {
  /** The client's address, e.g. from `X-Forwarded-For`. */
  remoteAddr?: Deno.Addr;
  /** The scheme the client used, e.g. from `X-Forwarded-Proto`. */
  scheme?: "http" | "https";
  /** The mount point, `""` or `/a/b` without a trailing slash. */
  rootPath?: string;
}

class ContextView {
  #base: Context;
  #remoteAddr: Deno.Addr | undefined;
  #scheme: "http" | "https" | undefined;
  #rootPath: string | undefined;

  constructor(base: Context, changes: ContextChanges) {
    this.#base = base;
    this.#remoteAddr = changes.remoteAddr;
    this.#scheme = changes.scheme;
    this.#rootPath = changes.rootPath;
  }

  static base(view: ContextView): Context {
    return view.#base;
  }

  get remoteAddr(): Deno.Addr {
    return this.#remoteAddr ?? this.#base.remoteAddr;
  }
  get scheme(): "http" | "https" {
    return this.#scheme ?? this.#base.scheme;
  }
  get rootPath(): string {
    return this.#rootPath ?? this.#base.rootPath;
  }
  get completed(): Promise<void> {
    return this.#base.completed;
  }
  get protocol(): Context["protocol"] {
    return this.#base.protocol;
  }
  get serverAddr(): Deno.Addr {
    return this.#base.serverAddr;
  }
  get serverName(): string {
    return this.#base.serverName;
  }
  get workerId(): number {
    return this.#base.workerId;
  }
  get workerCount(): number {
    return this.#base.workerCount;
  }
  get signal(): AbortSignal {
    return this.#base.signal;
  }
  get state(): Map<string | symbol, unknown> {
    return this.#base.state;
  }
  get log(): Context["log"] {
    return this.#base.log;
  }
  waitUntil(promise: Promise<unknown>): void {
    this.#base.waitUntil(promise);
  }
}

// A view must pass `isContext()` (else `defineApp` rebuilds the context from the URL): the
// gateway brands its contexts with a property, so a real context sits at the end of the view's
// prototype chain. Any field the gateway adds later and this class does not know is forwarded
// to the original too, so the template's placeholder values are never seen.
const addr: Deno.NetAddr = { transport: "tcp", hostname: "0.0.0.0", port: 0 };
const template = createContext({
  remoteAddr: addr,
  serverAddr: addr,
  scheme: "http",
  protocol: "HTTP/1.1",
  serverName: "template",
  rootPath: "",
  workerId: 1,
  workerCount: 1,
  signal: () => new AbortController().signal,
  completed: Promise.resolve(),
  log: silentLogger,
  waitUntil: () => {},
});
Object.setPrototypeOf(ContextView.prototype, template);
for (let owner: object | null = template; owner && owner !== Object.prototype;) {
  for (const key of Reflect.ownKeys(owner)) {
    if (key === "constructor" || Object.hasOwn(ContextView.prototype, key)) continue;
    const isMethod = typeof Object.getOwnPropertyDescriptor(owner, key)?.value === "function";
    Object.defineProperty(
      ContextView.prototype,
      key,
      isMethod
        ? {
          value(this: ContextView, ...args: unknown[]) {
            const base = ContextView.base(this) as unknown as Record<PropertyKey, unknown>;
            return (base[key] as (...args: unknown[]) => unknown)(...args);
          },
        }
        : {
          get(this: ContextView) {
            return (ContextView.base(this) as unknown as Record<PropertyKey, unknown>)[key];
          },
        },
    );
  }
  owner = Object.getPrototypeOf(owner);
}

/**
 * A context that reads `changes` first and `ctx` for everything else; the state, signal, log and
 * waitUntil are the original's (one request, one state). Deriving from a view chains.
 */
export function deriveContext(ctx: Context, changes: ContextChanges): Context {
  return new ContextView(ctx, changes) as unknown as Context;
}
