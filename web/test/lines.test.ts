import { describe, expect, it } from "vitest";
import { backwardPiece, findLine, forwardPiece, LineWindow, tailFragment } from "../src/lines";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("forwardPiece", () => {
  it("takes complete lines and leaves a partial last one", () => {
    const p = forwardPiece(bytes("one\ntwo\nthr"), 100, false);
    expect(p.lines).toEqual(["one", "two"]);
    expect(p).toMatchObject({ start: 100, end: 108 });
  });
  it("at the end, leaves the unfinished line to tailFragment", () => {
    const b = bytes("a\nb\npartial");
    const p = forwardPiece(b, 0, true);
    expect(p.lines).toEqual(["a", "b"]);
    expect(p.end).toBe(4);
    expect(tailFragment(b)).toBe("partial");
  });
  it("cuts an over-long line into a piece", () => {
    const p = forwardPiece(bytes("x".repeat(10)), 0, false);
    expect(p.lines).toEqual(["xxxxxxxxxx"]);
    expect(p.end).toBe(10);
  });
  it("strips CR of CRLF and keeps empty lines", () => {
    expect(forwardPiece(bytes("a\r\n\nb\n"), 0, true).lines).toEqual(["a", "", "b"]);
  });
  it("decodes UTF-8", () => {
    expect(forwardPiece(bytes("héllo ✓\n"), 0, true).lines).toEqual(["héllo ✓"]);
  });
});

describe("backwardPiece", () => {
  it("drops the line that began before the block", () => {
    const p = backwardPiece(bytes("tail of x\nline 2\nline 3\n"), 50);
    expect(p.lines).toEqual(["line 2", "line 3"]);
    expect(p.start).toBe(60);
    expect(p.end).toBe(50 + 24);
  });
  it("keeps everything from the start of the stream", () => {
    const p = backwardPiece(bytes("first\nsecond\n"), 0);
    expect(p.lines).toEqual(["first", "second"]);
    expect(p.start).toBe(0);
  });
});

describe("LineWindow", () => {
  it("appends, prepends and keeps byte offsets exact when trimming", () => {
    const text = Array.from({ length: 10 }, (_, i) => `line ${i}\n`).join("");
    const all = bytes(text);
    const w = new LineWindow(4);
    w.reset(0);
    const dropped = w.append(forwardPiece(all, 0, true));
    expect(dropped).toBe(6);
    expect(w.lines).toEqual(["line 6", "line 7", "line 8", "line 9"]);
    expect(w.start).toBe(text.indexOf("line 6"));
    expect(w.end).toBe(all.length);
    // Read the block before: the window keeps its size, dropping at the bottom.
    // 16 bytes: the end of "line 3" (dropped: it began before the block), 4 and 5.
    const from = w.start - 16;
    const added = w.prepend(backwardPiece(all.subarray(from, w.start), from));
    expect(added).toBe(2);
    expect(w.lines).toEqual(["line 4", "line 5", "line 6", "line 7"]);
    expect(w.start).toBe(text.indexOf("line 4"));
    expect(w.end).toBe(text.indexOf("line 8"));
  });
  it("refuses a piece that does not join the window", () => {
    const w = new LineWindow(10);
    w.reset(5);
    expect(() => w.append({ lines: ["x"], start: 0, end: 2 })).toThrow();
    expect(() => w.prepend({ lines: ["x"], start: 0, end: 2 })).toThrow();
  });
  it("pages through a large stream by blocks with bounded lines", () => {
    const line = (i: number) => `${String(i).padStart(6, "0")} ${"x".repeat(40)}\n`;
    const text = Array.from({ length: 5000 }, (_, i) => line(i)).join("");
    const all = bytes(text);
    const block = 4096;
    const w = new LineWindow(300);
    w.reset(0);
    while (w.end < all.length) {
      const chunk = all.subarray(w.end, w.end + block);
      w.append(forwardPiece(chunk, w.end, w.end + chunk.length >= all.length));
    }
    expect(w.lines.length).toBe(300);
    expect(w.lines[w.lines.length - 1]).toBe(line(4999).trimEnd());
    expect(new TextDecoder().decode(all.subarray(w.start, w.end))).toBe(w.lines.join("\n") + "\n");
  });
});

describe("findLine", () => {
  it("finds case-insensitively from a line on", () => {
    const lines = ["alpha", "Beta", "gamma beta"];
    expect(findLine(lines, "BETA", 0)).toBe(1);
    expect(findLine(lines, "beta", 2)).toBe(2);
    expect(findLine(lines, "delta", 0)).toBe(-1);
  });
});
