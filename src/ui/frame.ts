/** In-place redraw of a block of lines on a terminal (the status watch view); pipes never get these codes. */

/** Writes frames over each other: the cursor goes back up over the previous frame, which is cleared. */
export class Frame {
  private lines = 0;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  /** Replaces the previous frame with `text`; lines longer than the terminal are cut so the count stays true. */
  draw(text: string, columns = this.stream.columns || 80): void {
    const lines = text.split('\n').map((line) => cutToColumns(line, columns));
    const up = this.lines > 0 ? `\u001B[${this.lines}F` : '';
    this.stream.write(`${up}\u001B[0J${lines.join('\n')}\n`);
    this.lines = lines.length;
  }
}

/** Cuts a line to `columns` visible cells, keeping colour codes intact (each character one cell). */
function cutToColumns(line: string, columns: number): string {
  let visible = 0;
  let out = '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes are kept whole
  for (const part of line.split(/(\u001B\[[0-9;]*m)/)) {
    if (part.startsWith('\u001B[')) {
      out += part;
      continue;
    }
    for (const char of part) {
      if (visible >= columns - 1) return `${out}\u001B[0m`;
      out += char;
      visible++;
    }
  }
  return out;
}
