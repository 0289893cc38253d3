/**
 * Collects access-log lines and writes them once per event-loop turn: under load many requests
 * finish in one turn, and one write call (a system call for files and pipes) is far cheaper than one
 * per request. Lines are never dropped; they reach the sink in order.
 */
export class AccessLogWriter {
  private pending: string[] = [];
  private scheduled = false;

  constructor(private readonly sink: (text: string) => void) {}

  write(line: string): void {
    this.pending.push(line);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  readonly flush = (): void => {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const text = `${this.pending.join("\n")}\n`;
    this.pending = [];
    this.sink(text);
  };
}
