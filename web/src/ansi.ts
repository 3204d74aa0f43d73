// ANSI escape sequences in script output, turned into styled text runs.
//
// Only SGR ("ESC [ ... m") changes how text looks: bold, dim, italic,
// underline, inverse, the 16 basic colours, 256-colour and 24-bit colours,
// and the resets. Every other escape (cursor moves, erase, OSC titles and
// links) is dropped, and so are control characters other than tab. The
// result is plain text plus class names and colour values: it is rendered
// as text nodes, never as HTML.

export interface AnsiState {
  fg: string | null; // "c1" (a palette class) or "#rrggbb"
  bg: string | null;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  inverse: boolean;
}

export interface Run {
  text: string;
  state: AnsiState;
}

export function initialState(): AnsiState {
  return { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false };
}

function sameState(a: AnsiState, b: AnsiState): boolean {
  return (
    a.fg === b.fg &&
    a.bg === b.bg &&
    a.bold === b.bold &&
    a.dim === b.dim &&
    a.italic === b.italic &&
    a.underline === b.underline &&
    a.inverse === b.inverse
  );
}

const CUBE = [0, 95, 135, 175, 215, 255];

function hex(r: number, g: number, b: number): string {
  const h = (n: number) => Math.max(0, Math.min(255, n | 0)).toString(16).padStart(2, "0");
  return "#" + h(r) + h(g) + h(b);
}

// A 256-colour index: 0-15 are the palette classes, then the 6x6x6 cube and
// the grey ramp as explicit colours.
export function color256(n: number): string | null {
  if (!Number.isInteger(n) || n < 0 || n > 255) return null;
  if (n < 16) return "c" + n;
  if (n < 232) {
    const i = n - 16;
    return hex(CUBE[Math.floor(i / 36)], CUBE[Math.floor(i / 6) % 6], CUBE[i % 6]);
  }
  const v = 8 + (n - 232) * 10;
  return hex(v, v, v);
}

// Applies one SGR parameter list to `s` (a copy is returned).
export function applySgr(prev: AnsiState, params: number[]): AnsiState {
  const s = { ...prev };
  if (params.length === 0) params = [0];
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (p === 0) Object.assign(s, initialState());
    else if (p === 1) s.bold = true;
    else if (p === 2) s.dim = true;
    else if (p === 3) s.italic = true;
    else if (p === 4) s.underline = true;
    else if (p === 7) s.inverse = true;
    else if (p === 22) s.bold = s.dim = false;
    else if (p === 23) s.italic = false;
    else if (p === 24) s.underline = false;
    else if (p === 27) s.inverse = false;
    else if (p >= 30 && p <= 37) s.fg = "c" + (p - 30);
    else if (p >= 90 && p <= 97) s.fg = "c" + (p - 90 + 8);
    else if (p === 39) s.fg = null;
    else if (p >= 40 && p <= 47) s.bg = "c" + (p - 40);
    else if (p >= 100 && p <= 107) s.bg = "c" + (p - 100 + 8);
    else if (p === 49) s.bg = null;
    else if (p === 38 || p === 48) {
      let color: string | null = null;
      if (params[i + 1] === 5) {
        color = color256(params[i + 2]);
        i += 2;
      } else if (params[i + 1] === 2) {
        const [r, g, b] = [params[i + 2], params[i + 3], params[i + 4]];
        if ([r, g, b].every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) color = hex(r, g, b);
        i += 4;
      } else {
        break; // malformed: ignore the rest
      }
      if (color !== null) {
        if (p === 38) s.fg = color;
        else s.bg = color;
      }
    }
  }
  return s;
}

// Splits one line into runs of equally styled text, starting in `state`.
// Returns the runs and the state at the end of the line (colours carry on to
// the next line, as in a terminal).
export function parseAnsi(line: string, state: AnsiState = initialState()): { runs: Run[]; end: AnsiState } {
  const runs: Run[] = [];
  let text = "";
  let cur = state;
  const flush = () => {
    if (text) {
      const last = runs[runs.length - 1];
      if (last && sameState(last.state, cur)) last.text += text;
      else runs.push({ text, state: cur });
      text = "";
    }
  };
  let i = 0;
  while (i < line.length) {
    const c = line.charCodeAt(i);
    if (c === 0x1b) {
      const next = line[i + 1];
      if (next === "[") {
        // CSI: parameters and intermediates, then a final byte 0x40-0x7e.
        let j = i + 2;
        while (j < line.length && line.charCodeAt(j) >= 0x20 && line.charCodeAt(j) <= 0x3f) j++;
        if (j >= line.length) {
          i = line.length;
          break;
        }
        const final = line[j];
        if (final === "m") {
          const body = line.slice(i + 2, j);
          if (/^[0-9;:]*$/.test(body)) {
            flush();
            const params = body === "" ? [] : body.split(/[;:]/).map((x) => (x === "" ? 0 : parseInt(x, 10)));
            cur = applySgr(cur, params);
          }
        }
        i = j + 1;
      } else if (next === "]") {
        // OSC: up to BEL or ESC \.
        let j = i + 2;
        while (j < line.length && line.charCodeAt(j) !== 0x07 && !(line[j] === "\x1b" && line[j + 1] === "\\")) j++;
        i = j < line.length ? (line.charCodeAt(j) === 0x07 ? j + 1 : j + 2) : line.length;
      } else {
        i += next === undefined ? 1 : 2;
      }
      continue;
    }
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) {
      i++;
      continue;
    }
    text += line[i];
    i++;
  }
  flush();
  return { runs, end: cur };
}

// Class names and inline colours for a run (24-bit colours are set as
// properties through the DOM, which the CSP allows, not as a style attribute
// string).
export function runClasses(s: AnsiState): string {
  const out: string[] = [];
  const fg = s.inverse ? s.bg : s.fg;
  const bg = s.inverse ? s.fg ?? "c7" : s.bg;
  if (fg && fg.startsWith("c")) out.push("fg-" + fg);
  if (bg && bg.startsWith("c")) out.push("bg-" + bg);
  if (s.bold) out.push("b");
  if (s.dim) out.push("dim");
  if (s.italic) out.push("i");
  if (s.underline) out.push("u");
  return out.join(" ");
}

export function runColors(s: AnsiState): { color?: string; background?: string } {
  const fg = s.inverse ? s.bg : s.fg;
  const bg = s.inverse ? s.fg : s.bg;
  const out: { color?: string; background?: string } = {};
  if (fg && fg.startsWith("#")) out.color = fg;
  if (bg && bg.startsWith("#")) out.background = bg;
  return out;
}
