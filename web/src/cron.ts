// A plain-English reading of a five-field cron expression, for the schedule
// form. It covers the common shapes (every N minutes, at a time on some
// days, the @macros); anything else is described field by field. The
// orchestrator's preview (GET /v1/cron/preview) stays the authority on when
// it actually runs.

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const MACROS: Record<string, string> = {
  "@yearly": "once a year, at 00:00 on 1 January",
  "@annually": "once a year, at 00:00 on 1 January",
  "@monthly": "once a month, at 00:00 on day 1",
  "@weekly": "once a week, at 00:00 on Sunday",
  "@daily": "every day at 00:00",
  "@midnight": "every day at 00:00",
  "@hourly": "every hour, at minute 0",
};

function pad(n: string) {
  return n.padStart(2, "0");
}

function isNum(s: string) {
  return /^\d+$/.test(s);
}

function dayName(s: string): string {
  if (isNum(s)) return DAYS[Number(s) % 7] ?? s;
  return s.slice(0, 1).toUpperCase() + s.slice(1).toLowerCase();
}

function monthName(s: string): string {
  if (isNum(s)) return MONTHS[Number(s) - 1] ?? s;
  return s.slice(0, 1).toUpperCase() + s.slice(1).toLowerCase();
}

function listOf(field: string, name: (s: string) => string): string {
  return field
    .split(",")
    .map((part) => {
      const [a, b] = part.split("-");
      return b !== undefined ? `${name(a)} to ${name(b)}` : name(a);
    })
    .join(", ");
}

// null when the text is not five fields or a known macro.
export function describeCron(expr: string): string | null {
  const text = expr.trim();
  if (text.startsWith("@")) return MACROS[text.toLowerCase()] ?? null;
  const f = text.split(/\s+/);
  if (f.length !== 5) return null;
  const [min, hour, dom, mon, dow] = f;
  let when: string;
  if (min === "*" && hour === "*") when = "every minute";
  else if (/^\*\/\d+$/.test(min) && hour === "*") when = `every ${min.slice(2)} minutes`;
  else if (isNum(min) && hour === "*") when = `every hour at minute ${min}`;
  else if (isNum(min) && /^\*\/\d+$/.test(hour)) when = `every ${hour.slice(2)} hours at minute ${min}`;
  else if (isNum(min) && isNum(hour)) when = `at ${pad(hour)}:${pad(min)}`;
  else if (isNum(min) && /^[\d,-]+$/.test(hour)) when = `at minute ${min} of hours ${hour}`;
  else when = `at minute ${min}, hour ${hour}`;
  const parts = [when];
  if (dom !== "*") parts.push(`on day ${dom} of the month`);
  if (dow !== "*") parts.push((dom !== "*" ? "or " : "") + `on ${listOf(dow, dayName)}`);
  if (mon !== "*") parts.push(`in ${listOf(mon, monthName)}`);
  if (dom === "*" && dow === "*" && mon === "*" && /^(at \d|every \d+ hours)/.test(when)) parts.push("every day");
  return parts.join(" ");
}
