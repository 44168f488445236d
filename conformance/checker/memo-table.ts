/**
 * The search's memo: a set of (prog hash h1, prog hash h2, state id, rank) tuples of 32-bit
 * words, in one open-addressing table of typed arrays. A string key per visited pair (the
 * checker's first memo) cost most of its time on Porcupine's histories: building the string,
 * hashing it, and collecting it afterwards.
 */
export class MemoTable {
  private words: Uint32Array;
  private used: Uint8Array;
  private mask: number;
  size = 0;

  constructor(capacityLog2 = 12) {
    const cap = 1 << capacityLog2;
    this.words = new Uint32Array(cap * 4);
    this.used = new Uint8Array(cap);
    this.mask = cap - 1;
  }

  /** Adds the tuple; false when it was there already. */
  add(h1: number, h2: number, sid: number, rank: number): boolean {
    if ((this.size + 1) * 2 > this.used.length) this.grow();
    let i = slotOf(h1, h2, sid, rank) & this.mask;
    const w = this.words;
    for (;;) {
      if (this.used[i] === 0) {
        this.used[i] = 1;
        const b = i * 4;
        w[b] = h1;
        w[b + 1] = h2;
        w[b + 2] = sid;
        w[b + 3] = rank;
        this.size++;
        return true;
      }
      const b = i * 4;
      if (w[b] === h1 && w[b + 1] === h2 && w[b + 2] === sid && w[b + 3] === rank) return false;
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const { words, used } = this;
    const cap = used.length * 4;
    this.words = new Uint32Array(cap * 4);
    this.used = new Uint8Array(cap);
    this.mask = cap - 1;
    this.size = 0;
    for (let i = 0; i < used.length; i++) {
      if (used[i] === 0) continue;
      const b = i * 4;
      this.add(words[b]!, words[b + 1]!, words[b + 2]!, words[b + 3]!);
    }
  }
}

/** Mixes the four words (the prog hashes are random already; the others are small integers). */
function slotOf(h1: number, h2: number, sid: number, rank: number): number {
  let h = h1 ^ Math.imul(sid, 0x9e3779b1) ^ Math.imul(rank, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h2 ^ (h >>> 12);
  return h >>> 0;
}
