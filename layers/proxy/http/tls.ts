/**
 * TLS listeners for the proxy: one certificate per address, or several chosen during the
 * handshake by the client's SNI server name, as nginx does for the servers sharing a `listen
 * ... ssl` address.
 *
 * What Deno 2.9.6 offers, measured: `Deno.listenTls` takes one `cert`/`key` and `alpnProtocols`;
 * its TLS (rustls) always offers TLS 1.2 and 1.3, with no option to narrow them. Choosing the
 * certificate by name needs the internal `Deno[Deno.internal].resolverSymbol` option: a
 * callback from the server name (lower-cased, `""` without SNI) to a `{ cert, key }`. Deno
 * caches each name's answer (a refusal too) for the listener's whole life — about 1.2 KB per
 * name with a P-256 key — so a client inventing names would grow it without end: an
 * {@linkcode SniListener} renews its socket (`reusePort`) after `maxServerNames` names, which
 * drops that cache. Without the internal option every name gets the default certificate.
 *
 * @module
 */

import { type Logger, silentLogger } from "../../gateway/mod.ts";

/** A certificate chain and its private key, PEM text. */
export interface TlsKeyPair {
  /** The certificate chain (PEM). */
  cert: string;
  /** The private key (PEM: PKCS#8, RSA or EC). */
  key: string;
}

/** What {@linkcode listenTls} needs. */
export interface TlsListenOptions {
  /** The address to bind (`0.0.0.0`, `::`, `127.0.0.1`). */
  hostname: string;
  /** The port; 0 for any free one. */
  port: number;
  /** Bind with `SO_REUSEPORT` (each worker binds the address; needs `--unstable-net`). */
  reusePort?: boolean;
  /** The certificates; the first is the default (no server name, or an unknown one). */
  certificates: TlsKeyPair[];
  /**
   * The index in `certificates` for a server name (lower-case, `""` when the client sent none).
   * Default: always 0. An index out of range means the default.
   */
  select?: (serverName: string) => number;
  /** ALPN protocols offered, in order of preference (`["h2", "http/1.1"]`). Default none. */
  alpnProtocols?: string[];
  /**
   * Distinct server names answered before the socket is renewed to drop Deno's per-name
   * cache (only with several certificates). Default 1000.
   */
  maxServerNames?: number;
  /** Where the fallback and renewal notices go. Default silent. */
  log?: Logger;
}

type Internal = { resolverSymbol?: symbol };

/** The internal option that makes `Deno.listenTls` ask for a certificate per server name. */
function resolverSymbol(): symbol | null {
  const internal = (Deno as unknown as Record<symbol, Internal | undefined>)[
    (Deno as unknown as { internal: symbol }).internal
  ];
  const symbol = internal?.resolverSymbol;
  return typeof symbol === "symbol" ? symbol : null;
}

/**
 * Whether this Deno can pick a certificate by SNI server name (its internal resolver option).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sniSupported } from "./tls.ts";
 *
 * assert.equal(typeof sniSupported(), "boolean");
 * ```
 */
export function sniSupported(): boolean {
  return resolverSymbol() !== null;
}

/**
 * Opens a TLS listener: a plain `Deno.listenTls` for one certificate, an
 * {@linkcode SniListener} for several (the default certificate only when this Deno cannot
 * resolve by name: see {@linkcode sniSupported}, and a warning is logged). Connections come
 * before their handshake; `conn.handshake()` tells the ALPN protocol chosen.
 *
 * @example
 * ```ts ignore
 * import { listenTls } from "./tls.ts";
 *
 * const a = { cert: Deno.readTextFileSync("a.pem"), key: Deno.readTextFileSync("a.key") };
 * const b = { cert: Deno.readTextFileSync("b.pem"), key: Deno.readTextFileSync("b.key") };
 * const listener = listenTls({
 *   hostname: "0.0.0.0",
 *   port: 443,
 *   certificates: [a, b],
 *   select: (name) => (name === "b.example" ? 1 : 0),
 *   alpnProtocols: ["h2", "http/1.1"],
 * });
 * ```
 */
export function listenTls(options: TlsListenOptions): Deno.Listener<Deno.TlsConn, Deno.NetAddr> {
  const { certificates } = options;
  if (!certificates.length) throw new TypeError("Cannot listen with TLS: no certificate");
  if (certificates.length > 1) {
    if (resolverSymbol() !== null) return new SniListener(options);
    (options.log ?? silentLogger).warn(
      `This Deno cannot choose a TLS certificate by server name: every name on ${options.hostname}:${options.port} gets the default server's certificate`,
    );
  }
  return Deno.listenTls(
    {
      hostname: options.hostname,
      port: options.port,
      ...certificates[0],
      ...(options.alpnProtocols ? { alpnProtocols: options.alpnProtocols } : {}),
      ...(options.reusePort ? { reusePort: true } : {}),
    } as Deno.ListenTlsOptions & Deno.TlsCertifiedKeyPem,
  );
}

/**
 * A TLS listener whose certificate is chosen by the client's server name (Deno's internal
 * resolver option), with its socket renewed after `maxServerNames` distinct names: a new socket
 * is bound beside the old one (`SO_REUSEPORT`) and the old one closed, which drops the
 * certificate cache Deno keeps per socket. Accepted connections are not affected. Without
 * `reusePort` (or when the renewal fails) the socket is kept and a warning logged once.
 *
 * @example
 * ```ts ignore
 * import { SniListener } from "./tls.ts";
 *
 * const listener = new SniListener({ hostname: "127.0.0.1", port: 0, certificates, select });
 * for await (const conn of listener) console.log((await conn.handshake()).alpnProtocol);
 * ```
 */
export class SniListener implements Deno.Listener<Deno.TlsConn, Deno.NetAddr> {
  #options: TlsListenOptions;
  #listener: Deno.TlsListener;
  #names = 0;
  #limit: number;
  #renewals = 0;
  #stuck = false;
  #closed = false;
  #log: Logger;
  #ref = true;
  /** The bound address (the real port when 0 was asked for). */
  readonly addr: Deno.NetAddr;

  /** Binds `options.hostname:options.port`. */
  constructor(options: TlsListenOptions) {
    this.#options = options;
    this.#log = options.log ?? silentLogger;
    this.#limit = options.maxServerNames ?? 1000;
    this.#listener = this.#open(options.port);
    this.addr = this.#listener.addr;
  }

  /** How many times the socket was renewed. */
  get renewals(): number {
    return this.#renewals;
  }

  #open(port: number): Deno.TlsListener {
    const { certificates, select } = this.#options;
    const resolve = (serverName: string): TlsKeyPair => {
      // Deno asks once per distinct name; count them to bound its cache.
      if (++this.#names >= this.#limit) queueMicrotask(() => this.#renew());
      const index = select ? select(serverName) : 0;
      return certificates[index] ?? certificates[0];
    };
    return Deno.listenTls(
      {
        hostname: this.#options.hostname,
        port,
        ...(this.#options.alpnProtocols ? { alpnProtocols: this.#options.alpnProtocols } : {}),
        ...(this.#options.reusePort ? { reusePort: true } : {}),
        [resolverSymbol()!]: resolve,
      } as unknown as Deno.ListenTlsOptions & Deno.TlsCertifiedKeyPem,
    );
  }

  /** Binds a new socket beside the old one, then closes the old one (its accept moves on). */
  #renew(): void {
    if (this.#closed || this.#names < this.#limit || this.#stuck) return;
    if (!this.#options.reusePort) return this.#stick("reusePort is off");
    let fresh: Deno.TlsListener;
    try {
      fresh = this.#open(this.addr.port);
    } catch (error) {
      return this.#stick(String(error));
    }
    if (!this.#ref) fresh.unref();
    const old = this.#listener;
    this.#listener = fresh;
    this.#names = 0;
    this.#renewals++;
    this.#log.info(
      `Renewed the TLS socket of ${this.addr.hostname}:${this.addr.port} after ${this.#limit} server names`,
    );
    try {
      old.close();
    } catch { /* already closed */ }
  }

  #stick(why: string): void {
    this.#stuck = true;
    this.#log.warn(
      `Cannot renew the TLS socket of ${this.addr.hostname}:${this.addr.port} (${why}): Deno keeps a certificate per server name until the worker restarts`,
    );
  }

  /** The next connection (its handshake not done yet). */
  async accept(): Promise<Deno.TlsConn> {
    while (true) {
      const listener = this.#listener;
      try {
        return await listener.accept();
      } catch (error) {
        // The socket was renewed under this accept: wait on the new one.
        if (!this.#closed && listener !== this.#listener) continue;
        throw error;
      }
    }
  }

  /** Closes the socket; a pending accept rejects. */
  close(): void {
    this.#closed = true;
    this.#listener.close();
  }

  /** Lets the listener keep the process alive. */
  ref(): void {
    this.#ref = true;
    this.#listener.ref();
  }

  /** Lets the process end while the listener waits. */
  unref(): void {
    this.#ref = false;
    this.#listener.unref();
  }

  /** The connections, until the listener is closed. */
  async *[Symbol.asyncIterator](): AsyncIterableIterator<Deno.TlsConn> {
    while (true) {
      try {
        yield await this.accept();
      } catch (error) {
        if (error instanceof Deno.errors.BadResource) return;
        throw error;
      }
    }
  }

  /** Closes the listener (`using`). */
  [Symbol.dispose](): void {
    try {
      this.close();
    } catch { /* already closed */ }
  }
}
