// A job's stdout or stderr, however large: the viewer holds a window of at
// most MAX_LINES lines, read from the API by byte ranges (offset/limit) as
// the reader scrolls, and puts in the page only the lines on screen. So a
// 100 MiB output opens at once and the page's memory stays bounded; "Jump to
// end" reads the last block only. While the job runs, new bytes are read
// from the window's end and the view follows them when it is at the bottom.
//
// Text is rendered as text nodes (never as HTML), with ANSI colours as
// classes (ansi.ts). Colour state carries from line to line within what is
// on screen; it restarts at the top of the screen.
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { api } from "./api";
import { initialState, parseAnsi, runClasses, runColors } from "./ansi";
import { backwardPiece, findLine, forwardPiece, LineWindow, tailFragment } from "./lines";
import { fmtBytes } from "./ui";

export const BLOCK = 256 * 1024;
const SEARCH_BLOCK = 1024 * 1024;
const DOWNLOAD_BLOCK = 16 * 1024 * 1024;
const MAX_LINES = 20_000;
const LINE_PX = 18;
const OVERSCAN = 30;
const EDGE_LINES = 200;

interface Props {
  jobId: string;
  stream: "stdout" | "stderr";
  size: number; // bytes stored so far (the job's stdout_bytes / stderr_bytes)
  running: boolean;
}

async function readRange(jobId: string, stream: string, offset: number, limit: number) {
  const r = await api.raw(
    "GET",
    `/v1/jobs/${encodeURIComponent(jobId)}/output?stream=${stream}&offset=${offset}&limit=${limit}`,
  );
  const bytes = new Uint8Array(await r.arrayBuffer());
  const size = Number(r.headers.get("X-Output-Size") ?? offset + bytes.length);
  return { bytes, size };
}

function Line({ text }: { text: string }) {
  const { runs } = parseAnsi(text, initialState());
  return (
    <>
      {runs.map((r, i) => {
        const cls = runClasses(r.state);
        const colors = runColors(r.state);
        return cls || colors.color || colors.background ? (
          <span key={i} class={cls || undefined} style={colors}>
            {r.text}
          </span>
        ) : (
          r.text
        );
      })}
    </>
  );
}

export function OutputLog({ jobId, stream, size, running }: Props) {
  const win = useRef(new LineWindow(MAX_LINES));
  const tail = useRef({ text: "", bytes: 0 });
  const known = useRef(size);
  const busy = useRef(false);
  const follow = useRef(true);
  const box = useRef<HTMLDivElement>(null);
  const [, setVersion] = useState(0);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const [hit, setHit] = useState(-1);
  const [needle, setNeedle] = useState("");
  const [status, setStatus] = useState("");
  const [error, setError] = useState<string | null>(null);
  const pendingScroll = useRef<number | null>(null);
  const bump = () => setVersion((v) => v + 1);

  const atEnd = () => win.current.end + tail.current.bytes >= known.current;

  // Runs one read at a time; false when another was already running.
  const guarded = async (work: () => Promise<void>): Promise<boolean> => {
    if (busy.current) return false;
    busy.current = true;
    try {
      await work();
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      busy.current = false;
    }
    return true;
  };

  const loadForward = () =>
    guarded(async () => {
      const w = win.current;
      const { bytes, size: total } = await readRange(jobId, stream, w.end, BLOCK);
      known.current = Math.max(known.current, total);
      const eof = w.end + bytes.length >= total;
      const piece = forwardPiece(bytes, w.end, eof);
      tail.current = eof ? { text: tailFragment(bytes.subarray(piece.end - w.end)), bytes: bytes.length - (piece.end - w.end) } : { text: "", bytes: 0 };
      const dropped = w.append(piece);
      if (dropped > 0 && box.current) pendingScroll.current = box.current.scrollTop - dropped * LINE_PX;
      bump();
    });

  const loadBackward = () =>
    guarded(async () => {
      const w = win.current;
      if (w.start === 0) return;
      const from = Math.max(0, w.start - BLOCK);
      const { bytes } = await readRange(jobId, stream, from, w.start - from);
      const added = w.prepend(backwardPiece(bytes, from));
      if (box.current) pendingScroll.current = box.current.scrollTop + added * LINE_PX;
      bump();
    });

  const jumpToEnd = () =>
    guarded(async () => {
      const from = Math.max(0, known.current - BLOCK);
      const { bytes, size: total } = await readRange(jobId, stream, from, BLOCK);
      known.current = Math.max(known.current, total);
      const last = bytes.lastIndexOf(0x0a);
      const w = win.current;
      w.reset(from + last + 1);
      if (last >= 0) w.prepend(backwardPiece(bytes.subarray(0, last + 1), from));
      tail.current = { text: tailFragment(bytes), bytes: bytes.length - (last + 1) };
      follow.current = true;
      pendingScroll.current = Number.MAX_SAFE_INTEGER;
      bump();
    });

  const jumpToStart = () => {
    win.current.reset(0);
    tail.current = { text: "", bytes: 0 };
    follow.current = false;
    pendingScroll.current = 0;
    void loadForward();
  };

  // First read, and again for another job or stream.
  useEffect(() => {
    win.current.reset(0);
    tail.current = { text: "", bytes: 0 };
    known.current = size;
    setHit(-1);
    if (size > 0) void loadForward();
    else bump();
  }, [jobId, stream]);

  // New bytes while the job runs: read them when the window reaches the end.
  useEffect(() => {
    const grew = size > known.current;
    const wasAtEnd = win.current.end + tail.current.bytes >= known.current;
    known.current = Math.max(known.current, size);
    if (!grew || !wasAtEnd) {
      bump();
      return;
    }
    let stopped = false;
    const readNew = async () => {
      if (stopped) return;
      if (!(await loadForward())) {
        setTimeout(readNew, 200); // another read was running: try again
        return;
      }
      if (follow.current) pendingScroll.current = Number.MAX_SAFE_INTEGER;
      bump();
    };
    void readNew();
    return () => {
      stopped = true;
    };
  }, [size]);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    if (pendingScroll.current !== null) {
      el.scrollTop = pendingScroll.current;
      pendingScroll.current = null;
      setScrollTop(el.scrollTop);
    }
    if (el.clientHeight && el.clientHeight !== height) setHeight(el.clientHeight);
  });

  const onScroll = () => {
    const el = box.current!;
    setScrollTop(el.scrollTop);
    const bottomGap = el.scrollHeight - el.scrollTop - el.clientHeight;
    follow.current = bottomGap < LINE_PX * 2 && atEnd();
    if (el.scrollTop < EDGE_LINES * LINE_PX && win.current.start > 0) void loadBackward();
    else if (bottomGap < EDGE_LINES * LINE_PX && !atEnd()) void loadForward();
  };

  const search = async (fromLine: number) => {
    if (!needle) return;
    const w = win.current;
    const i = findLine(w.lines, needle, fromLine);
    if (i >= 0) {
      setHit(i);
      setStatus("");
      pendingScroll.current = Math.max(0, i * LINE_PX - height / 3);
      bump();
      return;
    }
    // Not in the window: scan the stream by blocks from the window's end to
    // the stream's end, then from the start up to the window.
    const lower = needle.toLowerCase();
    const enc = new TextEncoder();
    const dec = new TextDecoder();
    const overlap = enc.encode(needle).length;
    const ranges: [number, number][] = [
      [w.end, known.current],
      [0, w.start],
    ];
    const total = Math.max(1, known.current - (w.end - w.start));
    let scanned = 0;
    for (const [from, to] of ranges) {
      let offset = from;
      while (offset < to) {
        setStatus(`Searching… ${Math.floor((scanned / total) * 100)} %`);
        const { bytes } = await readRange(jobId, stream, offset, Math.min(SEARCH_BLOCK, to - offset + overlap));
        if (bytes.length === 0) break;
        const text = dec.decode(bytes);
        const at = text.toLowerCase().indexOf(lower);
        if (at >= 0) {
          const lineStart = text.lastIndexOf("\n", at) + 1;
          // A match in a line that began before the block: start at the block.
          const byte = offset + enc.encode(text.slice(0, lineStart)).length;
          win.current.reset(byte);
          tail.current = { text: "", bytes: 0 };
          follow.current = false;
          await loadForward();
          setHit(findLine(win.current.lines, needle, 0));
          setStatus("");
          pendingScroll.current = 0;
          bump();
          return;
        }
        // Overlap so a match across two blocks is not missed.
        const step = Math.max(1, bytes.length - overlap);
        offset += step;
        scanned += step;
      }
    }
    setStatus(`“${needle}” not found.`);
  };

  const download = async () => {
    setStatus("Preparing the download…");
    try {
      const parts: Blob[] = [];
      let offset = 0;
      for (;;) {
        const { bytes, size: total } = await readRange(jobId, stream, offset, DOWNLOAD_BLOCK);
        parts.push(new Blob([bytes]));
        offset += bytes.length;
        if (bytes.length === 0 || offset >= total) break;
      }
      const url = URL.createObjectURL(new Blob(parts, { type: "application/octet-stream" }));
      const a = document.createElement("a");
      a.href = url;
      a.download = `${jobId}.${stream}.log`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      setStatus("");
    } catch (e) {
      setStatus("");
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  const w = win.current;
  const count = w.lines.length + (tail.current.text ? 1 : 0);
  const first = Math.max(0, Math.floor(scrollTop / LINE_PX) - OVERSCAN);
  const last = Math.min(count, Math.ceil((scrollTop + height) / LINE_PX) + OVERSCAN);
  const shown: string[] = [];
  for (let i = first; i < last; i++) shown.push(i < w.lines.length ? w.lines[i] : tail.current.text);

  return (
    <div class="output">
      <div class="output-bar">
        <h3 id={`${stream}-title`}>{stream}</h3>
        <span class="muted">
          {fmtBytes(known.current)}
          {w.start > 0 || !atEnd() ? ` · showing bytes ${w.start}–${w.end + tail.current.bytes}` : ""}
        </span>
        <button type="button" onClick={jumpToStart} disabled={w.start === 0}>
          Jump to start
        </button>
        <button type="button" onClick={() => void jumpToEnd()}>
          Jump to end
        </button>
        <form
          class="search"
          role="search"
          aria-label={`Search ${stream}`}
          onSubmit={(e) => {
            e.preventDefault();
            void search(hit + 1);
          }}
        >
          <label>
            <span class="sr-only">Search {stream}</span>
            <input type="search" placeholder={`Search ${stream}`} value={needle} onInput={(e) => { setNeedle(e.currentTarget.value); setHit(-1); }} />
          </label>
          <button type="submit">Find next</button>
        </form>
        <button type="button" onClick={() => void download()} disabled={known.current === 0}>
          Download {stream}
        </button>
      </div>
      {(status || error) && (
        <p class={error ? "error" : "muted"} role="status">
          {error ?? status}
        </p>
      )}
      <div
        ref={box}
        class="log"
        role="log"
        aria-label={stream}
        tabIndex={0}
        onScroll={onScroll}
        data-window-start={w.start}
        data-window-end={w.end + tail.current.bytes}
        data-size={known.current}
      >
        {count === 0 ? (
          <div class="empty">{running ? "Waiting for output…" : "No output."}</div>
        ) : (
          <div class="log-inner" style={{ height: count * LINE_PX + "px" }}>
            <div class="log-lines" style={{ transform: `translateY(${first * LINE_PX}px)` }}>
              {shown.map((text, k) => (
                <div key={first + k} class={first + k === hit ? "ln hit" : "ln"}>
                  <Line text={text} />
                </div>
              ))}
            </div>
          </div>
        )}
      </div>
    </div>
  );
}
