/** Collects GLSL source lines with indentation that follows the block structure. */

export class CodeWriter {
  private readonly lines: string[] = [];
  private depth: number;

  constructor(depth = 0) {
    this.depth = depth;
  }

  line(text: string): void {
    this.lines.push('  '.repeat(this.depth) + text);
  }

  /** A line that opens a block; the following lines are indented one more level. */
  open(text: string): void {
    this.line(text);
    this.depth++;
  }

  /** A line that closes a block (with `reopen`, one that also opens the next, like `} else {`). */
  close(text = '}', reopen = false): void {
    this.depth = Math.max(0, this.depth - 1);
    this.line(text);
    if (reopen) this.depth++;
  }

  /** Adds the lines of `other` as they are (it was written at the depth where they belong). */
  append(other: CodeWriter): void {
    this.lines.push(...other.lines);
  }

  get lineCount(): number {
    return this.lines.length;
  }

  toString(): string {
    return this.lines.map((l) => l + '\n').join('');
  }
}
