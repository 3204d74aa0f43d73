// Splitting an output stream's bytes into lines, a block at a time, so a
// viewer can hold a window of a 100 MiB stream and move it by byte ranges.
//
// A window covers the bytes [start, end) of the stream, where start and end
// are line boundaries (just after a "\n", or 0, or the stream's current end).
// Extending it forwards reads from `end`; backwards, the block before
// `start`. A line longer than a block is cut into block-sized pieces rather
// than read whole. Bytes are decoded as UTF-8 with replacement characters;
// since every piece starts at a line boundary (or a forced cut), a cut can
// only split a character inside an over-long line.

const NL = 0x0a;

export interface Piece {
  lines: string[];
  // The byte range of the stream these lines cover.
  start: number;
  end: number;
}

const decoder = new TextDecoder("utf-8", { fatal: false });

function toLines(bytes: Uint8Array): string[] {
  if (bytes.length === 0) return [];
  let text = decoder.decode(bytes);
  if (text.endsWith("\n")) text = text.slice(0, -1);
  const lines = text.split("\n");
  return lines.map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
}

// Lines of a block read forwards from `offset` (a line boundary). `atEof`:
// the block reaches the stream's end as it is now, so a last line without
// "\n" is taken (it may still grow: the caller re-reads from `end`, which
// then stays before it). Otherwise the block ends at its last "\n", or, with
// none, is taken whole as a piece of an over-long line.
export function forwardPiece(bytes: Uint8Array, offset: number, atEof: boolean): Piece {
  const last = bytes.lastIndexOf(NL);
  // Complete lines only; with no "\n" at all, an over-long line is cut into
  // a piece, except at the end, where the unfinished line waits (tailFragment).
  const take = last >= 0 ? last + 1 : atEof ? 0 : bytes.length;
  return { lines: toLines(bytes.subarray(0, take)), start: offset, end: offset + take };
}

// The unfinished last line at the stream's end (no "\n" yet), shown after
// the window while the job runs, or for good once it ended.
export function tailFragment(bytes: Uint8Array): string {
  const last = bytes.lastIndexOf(NL);
  return decoder.decode(bytes.subarray(last + 1));
}

// Lines of the block [offset, offset + bytes.length) read backwards: it ends
// at a line boundary; its first line is dropped unless the block starts the
// stream (it began before the block), unless the block holds no "\n" at all
// (an over-long line, taken as a piece).
export function backwardPiece(bytes: Uint8Array, offset: number): Piece {
  if (offset === 0) return { lines: toLines(bytes), start: 0, end: bytes.length };
  const first = bytes.indexOf(NL);
  if (first < 0 || first === bytes.length - 1) {
    return { lines: toLines(bytes), start: offset, end: offset + bytes.length };
  }
  return { lines: toLines(bytes.subarray(first + 1)), start: offset + first + 1, end: offset + bytes.length };
}

// A window of lines with a bound on how many it keeps: adding at one end
// drops from the other.
export class LineWindow {
  lines: string[] = [];
  start = 0;
  end = 0;
  // Byte length of each line including its "\n", to move start/end when
  // lines are dropped.
  private sizes: number[] = [];

  constructor(readonly maxLines: number) {}

  reset(at: number) {
    this.lines = [];
    this.sizes = [];
    this.start = this.end = at;
  }

  private static sizesOf(piece: Piece): number[] {
    const enc = new TextEncoder();
    const sizes = piece.lines.map((l) => enc.encode(l).length + 1);
    // The piece's own byte count wins (CRLF, replacement characters, a last
    // line without "\n"): put the difference on its last line.
    const sum = sizes.reduce((a, b) => a + b, 0);
    if (sizes.length > 0) sizes[sizes.length - 1] += piece.end - piece.start - sum;
    return sizes;
  }

  // Appends a forward piece that starts at `end`. Returns the lines dropped
  // from the top.
  append(piece: Piece): number {
    if (piece.start !== this.end) throw new Error("piece does not follow the window");
    this.lines.push(...piece.lines);
    this.sizes.push(...LineWindow.sizesOf(piece));
    this.end = piece.end;
    let dropped = 0;
    while (this.lines.length > this.maxLines) {
      this.start += this.sizes.shift()!;
      this.lines.shift();
      dropped++;
    }
    return dropped;
  }

  // Prepends a backward piece that ends at `start`. Returns the lines added
  // at the top (the caller keeps the scroll position with it).
  prepend(piece: Piece): number {
    if (piece.end !== this.start) throw new Error("piece does not precede the window");
    this.lines.unshift(...piece.lines);
    this.sizes.unshift(...LineWindow.sizesOf(piece));
    this.start = piece.start;
    while (this.lines.length > this.maxLines) {
      this.end -= this.sizes.pop()!;
      this.lines.pop();
    }
    return piece.lines.length;
  }
}

// Index of the first line containing `needle` (case-insensitive) at or
// after `from`, or -1.
export function findLine(lines: string[], needle: string, from: number): number {
  const n = needle.toLowerCase();
  for (let i = Math.max(0, from); i < lines.length; i++) {
    if (lines[i].toLowerCase().includes(n)) return i;
  }
  return -1;
}
