import { describe, expect, it } from "vitest";
import { applySgr, color256, initialState, parseAnsi, runClasses, runColors } from "../src/ansi";

const texts = (line: string) => parseAnsi(line).runs.map((r) => r.text);

describe("parseAnsi", () => {
  it("keeps plain text, HTML included, as text", () => {
    const { runs } = parseAnsi("<script>alert(1)</script>");
    expect(runs).toHaveLength(1);
    expect(runs[0].text).toBe("<script>alert(1)</script>");
    expect(runClasses(runs[0].state)).toBe("");
  });

  it("splits runs at colour changes and resets", () => {
    const { runs } = parseAnsi("a\x1b[31mred\x1b[0m b\x1b[1;32mgreen bold\x1b[m");
    expect(runs.map((r) => r.text)).toEqual(["a", "red", " b", "green bold"]);
    expect(runClasses(runs[1].state)).toBe("fg-c1");
    expect(runClasses(runs[2].state)).toBe("");
    expect(runClasses(runs[3].state)).toBe("fg-c2 b");
  });

  it("handles bright, background, 256 and 24-bit colours", () => {
    const { runs } = parseAnsi("\x1b[94;101mx\x1b[38;5;196my\x1b[48;2;1;2;3mz");
    expect(runClasses(runs[0].state)).toBe("fg-c12 bg-c9");
    expect(runColors(runs[1].state)).toEqual({ color: "#ff0000" });
    expect(runColors(runs[2].state)).toEqual({ color: "#ff0000", background: "#010203" });
    expect(color256(232)).toBe("#080808");
    expect(color256(7)).toBe("c7");
    expect(color256(300)).toBeNull();
  });

  it("drops other escapes and control characters, keeps tabs", () => {
    expect(texts("\x1b[2K\x1b[1Gdone\x07\r\tok")).toEqual(["done\tok"]);
    expect(texts("\x1b]0;title\x07after")).toEqual(["after"]);
    expect(texts("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\")).toEqual(["link"]);
    expect(texts("cut\x1b[")).toEqual(["cut"]);
    expect(texts("esc at end\x1b")).toEqual(["esc at end"]);
  });

  it("carries state to the next line", () => {
    const first = parseAnsi("\x1b[33mwarn");
    const second = parseAnsi("still", first.end);
    expect(runClasses(second.runs[0].state)).toBe("fg-c3");
  });

  it("ignores malformed colour parameters", () => {
    const s = applySgr(initialState(), [38, 9, 1]);
    expect(s.fg).toBeNull();
    expect(applySgr(initialState(), [38, 2, 999, 0, 0]).fg).toBeNull();
  });

  it("swaps colours for inverse", () => {
    const { runs } = parseAnsi("\x1b[31;7mx");
    expect(runClasses(runs[0].state)).toBe("bg-c1");
  });
});
