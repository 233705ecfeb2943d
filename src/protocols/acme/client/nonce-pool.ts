/** How many unused nonces are kept; older ones are dropped first (servers expire them anyway). */
const DEFAULT_CAPACITY = 16;

/**
 * RFC 8555 §6.5: the anti-replay nonces a client has been given and not yet used. Every server answer carries a
 * fresh one (add it); each signed request takes one. When none is left, `take` asks the server for one with
 * `fetchNonce` (a HEAD to newNonce, §7.2). Each nonce is handed out once.
 */
export class NoncePool {
  private readonly nonces: string[] = [];

  constructor(
    private readonly fetchNonce: () => Promise<string>,
    private readonly capacity = DEFAULT_CAPACITY,
  ) {}

  add(nonce: string | undefined): void {
    if (nonce === undefined || nonce.length === 0 || this.nonces.includes(nonce)) return;
    this.nonces.push(nonce);
    if (this.nonces.length > this.capacity) this.nonces.shift();
  }

  /** The newest nonce (the least likely to have expired), or a fresh one from the server. */
  async take(): Promise<string> {
    return this.nonces.pop() ?? (await this.fetchNonce());
  }

  get size(): number {
    return this.nonces.length;
  }
}
