// stderr as a terminal user sees it: a progress line redrawn once a second
// and colour, only when stderr is a terminal and NO_COLOR is not set
// (https://no-color.org); anything written clears the progress line first.

export interface Stream {
  isTTY?: boolean;
  write(chunk: string | Uint8Array): boolean;
}

export class Terminal {
  private readonly tty: boolean;
  private readonly colour: boolean;
  private shown = false;

  constructor(private readonly out: Stream, env: Record<string, string | undefined> = process.env) {
    this.tty = out.isTTY === true;
    this.colour = this.tty && !env.NO_COLOR;
  }

  /** Writes, first erasing the progress line if one is shown. */
  write(chunk: string | Uint8Array): boolean {
    this.clearProgress();
    return this.out.write(chunk);
  }

  /** Erases the progress line; true, so that it can guard another write. */
  clearProgress(): true {
    if (this.shown) this.out.write("\r\x1b[K");
    this.shown = false;
    return true;
  }

  /** Text in red on a colour terminal, else as it is. */
  red(text: string): string {
    return this.colour ? text.replace(/^(.+)$/gm, "\x1b[31m$1\x1b[0m") : text;
  }

  /** On a terminal, redraws `line()` once a second until stopped. */
  startProgress(line: () => string): { stop(): void } {
    if (!this.tty) return { stop() {} };
    const timer = setInterval(() => {
      this.out.write(`\r\x1b[K${this.colour ? "\x1b[2m" : ""}${line()}${this.colour ? "\x1b[0m" : ""}`);
      this.shown = true;
    }, 1000);
    return {
      stop: () => {
        clearInterval(timer);
        this.clearProgress();
      },
    };
  }
}
