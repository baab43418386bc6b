/** What the guest wrote to its first serial port, kept up to a bound (oldest text dropped). */
export class SerialLog {
  private chunks: string[] = [];
  private pending = '';
  private length = 0;

  constructor(private readonly maxChars: number) {}

  push(byte: number): void {
    this.pending += String.fromCharCode(byte);
    if (this.pending.length >= 4096) this.settle();
  }

  get text(): string {
    this.settle();
    if (this.chunks.length > 1) this.chunks = [this.chunks.join('')];
    return this.chunks[0] ?? '';
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
