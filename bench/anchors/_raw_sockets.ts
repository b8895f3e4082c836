// For the bench anchors only: IPv4 TCP sockets on libc through Deno's FFI, one edge-triggered
// epoll per thread, behind a small `read()`/`write()` face like Deno.Conn's. It measures what
// Deno's own socket ops cost per request: the same lean proxy on these sockets
// (deno_raw_lean_proxy.ts) against deno_lean_proxy.ts. Linux x86-64 only; not a library — no
// IPv6, no DNS, no backpressure beyond one pending write, errors are plain `Error`s.
//
// How it waits: epoll_wait with a zero timeout on the JS thread (a fast FFI call) up to `SPIN`
// times, yielding to the microtask queue in between; only when nothing is ready does it block
// in a `nonblocking` FFI call (on a thread of Deno's blocking pool, which returns to the event
// loop). A connection whose last read was short is taken to be drained (as nginx does), so a
// read is tried only after the next edge.

const libc = Deno.dlopen("libc.so.6", {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  listen: { parameters: ["i32", "i32"], result: "i32" },
  accept4: { parameters: ["i32", "buffer", "buffer", "i32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  recv: { parameters: ["i32", "buffer", "u32", "i32"], result: "i32" },
  send: { parameters: ["i32", "buffer", "u32", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  epoll_create1: { parameters: ["i32"], result: "i32" },
  epoll_ctl: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32" },
  epoll_wait: { parameters: ["i32", "buffer", "i32", "i32"], result: "i32" },
  epoll_wait_blocking: {
    name: "epoll_wait",
    parameters: ["i32", "buffer", "i32", "i32"],
    result: "i32",
    nonblocking: true,
  },
  __errno_location: { parameters: [], result: "pointer" },
});
const c = libc.symbols;
const errnoView = new Deno.UnsafePointerView(c.__errno_location()!);
/** This thread's errno (read right after the failed call). */
const errno = (): number => errnoView.getInt32(0);

const EAGAIN = 11;
const EINPROGRESS = 115;
const EPOLLIN = 0x1;
const EPOLLOUT = 0x4;
const EPOLLERR = 0x8;
const EPOLLHUP = 0x10;
const EPOLLRDHUP = 0x2000;
const EPOLLET = 0x80000000;
const SOCK_STREAM = 1;
const SOCK_NONBLOCK = 0x800;
const SOCK_CLOEXEC = 0x80000;
const MSG_NOSIGNAL = 0x4000;
const SPIN = 4;
const MAX_EVENTS = 512;

const epfd = c.epoll_create1(SOCK_CLOEXEC);
const events = new Uint8Array(12 * MAX_EVENTS);
const eventView = new DataView(events.buffer);
const ctl = new Uint8Array(12);
const ctlView = new DataView(ctl.buffer);
const ONE = new Uint8Array(new Int32Array([1]).buffer);
/** Who handles events on each fd. */
const handlers: ({ onEvent(mask: number): void } | undefined)[] = [];

function watch(fd: number, mask: number): void {
  ctlView.setUint32(0, mask, true);
  ctlView.setUint32(4, fd, true);
  if (c.epoll_ctl(epfd, 1, /* EPOLL_CTL_ADD */ fd, ctl) !== 0) {
    throw new Error(`Cannot watch socket ${fd}: errno ${errno()}`);
  }
}

function sockaddr(hostname: string, port: number): Uint8Array {
  const address = new Uint8Array(16);
  address[0] = 2; // AF_INET
  address[2] = port >> 8;
  address[3] = port & 255;
  hostname.split(".").forEach((part, i) => address[4 + i] = Number(part));
  return address;
}

/** A connected socket: `read()` resolves with a count or `null` at the end. */
export class RawConn {
  readonly fd: number;
  #readable = true;
  #readBuf: Uint8Array | null = null;
  #resolveRead: ((n: number | null) => void) | null = null;
  #rejectRead: ((error: Error) => void) | null = null;
  #pending: Uint8Array | null = null;
  #total = 0;
  #resolveWrite: ((n: number) => void) | null = null;
  #rejectWrite: ((error: Error) => void) | null = null;
  #connected: (() => void) | null = null;
  #closed = false;

  constructor(fd: number) {
    this.fd = fd;
    handlers[fd] = this;
    c.setsockopt(fd, 6, /* IPPROTO_TCP */ 1, /* TCP_NODELAY */ ONE, 4);
    watch(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
  }

  read(buf: Uint8Array): Promise<number | null> {
    if (this.#readable) {
      const n = c.recv(this.fd, buf, buf.length, 0);
      if (n > 0) {
        if (n < buf.length) this.#readable = false;
        return Promise.resolve(n);
      }
      if (n === 0) return Promise.resolve(null);
      if (errno() !== EAGAIN) return Promise.reject(new Error(`recv: errno ${errno()}`));
      this.#readable = false;
    }
    this.#readBuf = buf;
    return new Promise((resolve, reject) => {
      this.#resolveRead = resolve;
      this.#rejectRead = reject;
    });
  }

  write(bytes: Uint8Array): Promise<number> {
    const n = c.send(this.fd, bytes, bytes.length, MSG_NOSIGNAL);
    if (n === bytes.length) return Promise.resolve(n);
    if (n < 0 && errno() !== EAGAIN) return Promise.reject(new Error(`send: errno ${errno()}`));
    this.#pending = bytes.subarray(Math.max(n, 0));
    this.#total = bytes.length;
    return new Promise((resolve, reject) => {
      this.#resolveWrite = resolve;
      this.#rejectWrite = reject;
    });
  }

  /** Resolves once a non-blocking connect is through (or failed: see `connect()`). */
  connected(): Promise<void> {
    return new Promise((resolve) => this.#connected = resolve);
  }

  onEvent(mask: number): void {
    if (this.#connected !== null) {
      const done = this.#connected;
      this.#connected = null;
      return done();
    }
    if (mask & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
      this.#readable = true;
      const resolve = this.#resolveRead;
      if (resolve !== null) {
        const buf = this.#readBuf!;
        const n = c.recv(this.fd, buf, buf.length, 0);
        if (n >= 0) {
          if (n > 0 && n < buf.length) this.#readable = false;
          this.#resolveRead = this.#readBuf = null;
          resolve(n === 0 ? null : n);
        } else if (errno() === EAGAIN) this.#readable = false;
        else {
          this.#resolveRead = this.#readBuf = null;
          this.#rejectRead!(new Error(`recv: errno ${errno()}`));
        }
      }
    }
    const bytes = this.#pending;
    if (bytes !== null && mask & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
      const n = c.send(this.fd, bytes, bytes.length, MSG_NOSIGNAL);
      if (n === bytes.length) {
        this.#pending = null;
        this.#resolveWrite!(this.#total);
      } else if (n >= 0) this.#pending = bytes.subarray(n);
      else if (errno() !== EAGAIN) {
        this.#pending = null;
        this.#rejectWrite!(new Error(`send: errno ${errno()}`));
      }
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    handlers[this.fd] = undefined;
    c.close(this.fd);
    this.#rejectRead?.(new Error("The socket was closed"));
    this.#resolveRead = null;
  }
}

/** A listening socket (SO_REUSEPORT: one per thread on the same port). */
export class RawListener {
  readonly fd: number;
  #waiting: ((conn: RawConn) => void) | null = null;
  #address = new Uint8Array(16);
  #length = new Uint8Array(4);

  constructor(hostname: string, port: number) {
    this.fd = c.socket(2, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    c.setsockopt(this.fd, 1, /* SOL_SOCKET */ 2, /* SO_REUSEADDR */ ONE, 4);
    c.setsockopt(this.fd, 1, 15, /* SO_REUSEPORT */ ONE, 4);
    if (c.bind(this.fd, sockaddr(hostname, port), 16) !== 0) {
      throw new Error(`Cannot bind ${hostname}:${port}: errno ${errno()}`);
    }
    c.listen(this.fd, 511);
    handlers[this.fd] = this;
    watch(this.fd, EPOLLIN | EPOLLET);
  }

  /** The peer's IPv4 address of the last accepted connection. */
  peer(): string {
    const a = this.#address;
    return `${a[4]}.${a[5]}.${a[6]}.${a[7]}`;
  }

  #tryAccept(): RawConn | null {
    new DataView(this.#length.buffer).setUint32(0, 16, true);
    const fd = c.accept4(this.fd, this.#address, this.#length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    return fd < 0 ? null : new RawConn(fd);
  }

  accept(): Promise<RawConn> {
    const conn = this.#tryAccept();
    if (conn !== null) return Promise.resolve(conn);
    return new Promise((resolve) => this.#waiting = resolve);
  }

  onEvent(): void {
    while (this.#waiting !== null) {
      const conn = this.#tryAccept();
      if (conn === null) return;
      const resolve = this.#waiting;
      this.#waiting = null;
      resolve(conn);
    }
  }
}

/** Connects to an IPv4 address. */
export async function connect(hostname: string, port: number): Promise<RawConn> {
  const conn = new RawConn(c.socket(2, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (c.connect(conn.fd, sockaddr(hostname, port), 16) !== 0) {
    if (errno() !== EINPROGRESS) throw new Error(`connect: errno ${errno()}`);
    await conn.connected();
    const code = new Uint8Array(4);
    c.getsockopt(conn.fd, 1, 4, /* SO_ERROR */ code, new Uint8Array(new Uint32Array([4]).buffer));
    const error = new DataView(code.buffer).getInt32(0, true);
    if (error !== 0) {
      conn.close();
      throw new Error(`connect: errno ${error}`);
    }
  }
  return conn;
}

/** Runs this thread's event loop for the sockets (never returns). */
export async function run(): Promise<never> {
  while (true) {
    let n = 0;
    for (let spin = 0; spin < SPIN && n === 0; spin++) {
      n = c.epoll_wait(epfd, events, MAX_EVENTS, 0);
      if (n === 0) await null;
    }
    if (n === 0) n = await c.epoll_wait_blocking(epfd, events, MAX_EVENTS, -1);
    for (let i = 0; i < n; i++) {
      const mask = eventView.getUint32(i * 12, true);
      handlers[eventView.getUint32(i * 12 + 4, true)]?.onEvent(mask);
    }
  }
}
