/** What the guest wrote to its first serial port, kept up to a bound (oldest text dropped). */
export class SerialLog {
  private chunks: string[] = [];
  private pending = '';
  private length = 0;
  /** Characters received since the start, dropped ones included. */
  received = 0;

  constructor(private readonly maxChars: number) {}

  push(byte: number): void {
    this.received++;
    this.pending += String.fromCharCode(byte);
    if (this.pending.length >= 4096) this.settle();
  }

  get text(): string {
    this.settle();
    if (this.chunks.length > 1) this.chunks = [this.chunks.join('')];
    return this.chunks[0] ?? '';
  }

  /** What arrived from character `position` (counted since the start) on, as far as it is still kept. */
  since(position: number): string {
    const text = this.text;
    return text.slice(Math.max(0, position - (this.received - text.length)));
  }

  private settle(): void {
    if (!this.pending) return;
    this.chunks.push(this.pending);
    this.length += this.pending.length;
    this.pending = '';
    if (this.length > this.maxChars) {
      const all = this.chunks.join('').slice(-this.maxChars);
      this.chunks = [all];
      this.length = all.length;
    }
  }
}
